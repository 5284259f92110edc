using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.Pruning.Cli;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Cli;

/// <summary>The commands over SensitivityAnalysis and PruningSweep (implemented by their own slices of issue 12), end to end on the tiny MLP.</summary>
[TestClass]
public sealed class SweepAndSensitivityCommandTests
{
    [TestMethod]
    public void Sensitivity_TinyMlp_PrintsResultJsonAndWritesIt()
    {
        using var fixture = new CliFixture();
        string validation = fixture.WriteCsv("validation.csv", TestData.Rows(60, 2), ',');
        string resultPath = fixture.PathOf("sensitivity.json");
        var (exit, stdout, stderr) = CliFixture.Run("sensitivity", fixture.ModelPath, "--data", fixture.CsvPath, "--validation", validation,
            "--metric", "accuracy", "--sparsities", "0.5,0.9", "--output-column", "Score", "-o", resultPath, "--json");

        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        var result = SensitivityResult.FromJson(stdout);
        CollectionAssert.AreEqual(new[] { "fc1.weight", "fc2.weight" }, result.Layers.ToArray());
        Assert.HasCount(4, result.Points);
        Assert.AreEqual(stdout.Trim(), File.ReadAllText(resultPath).Trim());
    }

    [TestMethod]
    public void Sensitivity_WithPlots_WritesMarkdownAndImagesItLinks()
    {
        using var fixture = new CliFixture();
        string validation = fixture.WriteCsv("validation.csv", TestData.Rows(60, 2), ',');
        string plots = fixture.PathOf("plots");
        var (exit, _, stderr) = CliFixture.Run("sensitivity", fixture.ModelPath, "--data", fixture.CsvPath, "--validation", validation,
            "--metric", "accuracy", "--sparsities", "0.5,0.9", "--output-column", "Score", "--plots", plots, "--json");

        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        string markdown = File.ReadAllText(Path.Combine(plots, "sensitivity.md"));
        StringAssert.Contains(markdown, "fc1.weight");
        StringAssert.Contains(markdown, "sensitivity.png");
        Assert.IsTrue(File.Exists(Path.Combine(plots, "sensitivity.png")));
        Assert.IsTrue(File.Exists(Path.Combine(plots, "sensitivity.svg")));
    }

    [TestMethod]
    public void Sweep_GridOfTwoSparsities_RunsBothTrialsAndExitsByConstraint()
    {
        using var fixture = new CliFixture();
        string validation = fixture.WriteCsv("validation.csv", TestData.Rows(60, 2), ',');
        string config = fixture.PathOf("sweep.json");
        SweepOptions Options(double bytesFraction) => new()
        {
            BaseOptions = new MagnitudePruningOptions { ModelPath = "model.onnx", OutputColumnNames = ["Score"] },
            Parameters = { SweepParameter.Choice(SweepParameter.Sparsity, 0.5, 0.8) },
            Metric = new SweepMetric { Kind = SweepMetricKind.Accuracy },
            Objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, bytesFraction, SweepReference.FractionOfDense)),
            Strategy = SweepStrategy.Grid, MaxTrials = 2, LatencyBatchSize = 4, LatencyRepeats = 2, LatencyWarmup = 0,
        };

        File.WriteAllText(config, SweepOptionsJson.Write(Options(10)));
        var (exit, stdout, stderr) = CliFixture.Run("sweep", "--config", config, "--data", fixture.CsvPath, "--validation", validation, "--json");
        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        using (var json = JsonDocument.Parse(stdout))
        {
            Assert.AreEqual(2, json.RootElement.GetProperty("Trials").GetArrayLength());
            Assert.IsTrue(json.RootElement.GetProperty("ConstraintsMet").GetBoolean());
            Assert.IsTrue(File.Exists(json.RootElement.GetProperty("LogPath").GetString()));
        }

        File.WriteAllText(config, SweepOptionsJson.Write(Options(1e-6)));
        (exit, _, stderr) = CliFixture.Run("sweep", "--config", config, "--data", fixture.CsvPath, "--validation", validation, "--directory", fixture.PathOf("impossible"));
        Assert.AreEqual(ExitCodes.NotMet, exit, stderr);
    }

    [TestMethod]
    public void Sweep_OrleansRunner_TrialsRunOnTheSiloAndComeBack()
    {
        using var fixture = new CliFixture();
        string validation = fixture.WriteCsv("validation.csv", TestData.Rows(60, 2), ',');
        string config = fixture.PathOf("sweep.json");
        File.WriteAllText(config, SweepOptionsJson.Write(new SweepOptions
        {
            BaseOptions = new MagnitudePruningOptions { ModelPath = "model.onnx", OutputColumnNames = ["Score"] },
            Parameters = { SweepParameter.Choice(SweepParameter.Sparsity, 0.5, 0.8) },
            Metric = new SweepMetric { Kind = SweepMetricKind.Accuracy },
            Strategy = SweepStrategy.Grid, MaxTrials = 2, LatencyBatchSize = 4, LatencyRepeats = 2, LatencyWarmup = 0,
        }));
        // One silo of this process on ports no other test uses; the sweep reaches it through its gateway as a remote client would.
        using var silo = Microsoft.ML.Pruning.Orleans.PruningSilo.Build(new Microsoft.ML.Pruning.Orleans.PruningSiloSettings
        {
            AdvertisedAddress = "127.0.0.1", SiloPort = 21873, GatewayPort = 31873, ClusterId = "cli-test", ServiceId = "cli-test",
        });
        silo.StartAsync().GetAwaiter().GetResult();
        try
        {
            var (exit, stdout, stderr) = CliFixture.Run("sweep", "--config", config, "--data", fixture.CsvPath, "--validation", validation,
                "--runner", "orleans", "--gateway", "127.0.0.1:31873", "--cluster-id", "cli-test", "--json");
            Assert.AreEqual(ExitCodes.Success, exit, stderr);
            using var json = JsonDocument.Parse(stdout);
            var trials = json.RootElement.GetProperty("Trials").EnumerateArray().ToArray();
            Assert.HasCount(2, trials);
            foreach (var trial in trials)
            {
                Assert.AreEqual("Succeeded", trial.GetProperty("Status").GetString());
                StringAssert.Contains(trial.GetProperty("Worker").GetString(), "127.0.0.1:21873", "the silo ran the trial");
            }
        }
        finally
        {
            silo.StopAsync().GetAwaiter().GetResult();
        }
    }

    [TestMethod]
    public void Sweep_GatewayWithoutOrleansRunner_ExitsBadArgumentsNamingIt()
    {
        using var fixture = new CliFixture();
        string config = fixture.PathOf("sweep.json");
        File.WriteAllText(config, SweepOptionsJson.Write(new SweepOptions
        {
            BaseOptions = new MagnitudePruningOptions { ModelPath = "model.onnx", OutputColumnNames = ["Score"] },
            Parameters = { SweepParameter.Choice(SweepParameter.Sparsity, 0.5) },
            Metric = new SweepMetric { Kind = SweepMetricKind.Accuracy },
        }));
        var (exit, _, stderr) = CliFixture.Run("sweep", "--config", config, "--data", fixture.CsvPath, "--validation", fixture.CsvPath, "--gateway", "127.0.0.1:30000");
        Assert.AreEqual(ExitCodes.BadArguments, exit, stderr);
        StringAssert.Contains(stderr, "--gateway");
    }
}
