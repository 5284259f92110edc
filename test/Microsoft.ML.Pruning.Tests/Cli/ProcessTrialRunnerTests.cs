using System;
using System.IO;
using System.Threading;
using Microsoft.ML.Pruning.Cli;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Cli;

[TestClass]
public sealed class ProcessTrialRunnerTests
{
    /// <summary>The one test that starts the built tool: a magnitude trial run by a child process, its outcome read back.</summary>
    [TestMethod]
    public void RunAsync_MagnitudeTrial_ChildProcessMeasuresAndWritesTheModel()
    {
        using var fixture = new CliFixture();
        var ml = new MLContext(1);
        string train = fixture.PathOf("train.idv"), validation = fixture.PathOf("validation.idv");
        using (var stream = File.Create(train)) ml.Data.SaveAsBinary(TestData.Multiclass(ml, 120, 1), stream);
        using (var stream = File.Create(validation)) ml.Data.SaveAsBinary(TestData.Multiclass(ml, 60, 2), stream);
        var request = new TrialRequest
        {
            SweepId = "test", TrialId = 3,
            Options = new MagnitudePruningOptions { ModelPath = fixture.ModelPath, OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.5, Seed = 5 },
            DenseModelPath = fixture.ModelPath, OutputColumnNames = ["Score"], InputColumnNames = ["Features"],
            TrainDataPath = train, ValidationDataPath = validation, Metric = SweepMetric.Accuracy("Label", "Score"),
            LatencyBatchSize = 4, LatencyRepeats = 2, LatencyWarmup = 0, OutputModelPath = fixture.PathOf("trial-3.onnx"),
        };
        var runner = new ProcessTrialRunner(maxConcurrentTrials: 2, workDirectory: fixture.PathOf("work"));
        Assert.AreEqual(Math.Max(1, Environment.ProcessorCount / 2), runner.ThreadsPerTrial);

        var outcome = runner.RunAsync(request, CancellationToken.None).GetAwaiter().GetResult();

        Assert.IsTrue(outcome.Succeeded, outcome.Error);
        Assert.AreEqual(3, outcome.TrialId);
        StringAssert.StartsWith(outcome.Worker, "process ");
        Assert.AreNotEqual($"process {Environment.ProcessId}", outcome.Worker);
        Assert.AreEqual(0.5, outcome.Measurement!.Sparsity, 0.01);
        Assert.AreEqual(new FileInfo(request.OutputModelPath).Length, outcome.Measurement.Bytes);
        Assert.IsEmpty(Directory.GetFiles(fixture.PathOf("work")), "request and outcome files are removed");
    }

    [TestMethod]
    public void RunAsync_CustomMetric_IsRefusedNamingCustomMetric()
    {
        var runner = new ProcessTrialRunner();
        var request = new TrialRequest { Metric = SweepMetric.Custom("mine", _ => 1) };
        var error = Assert.ThrowsExactly<ArgumentException>(() => runner.RunAsync(request, CancellationToken.None).GetAwaiter().GetResult());
        StringAssert.Contains(error.Message, "SweepMetric.CustomMetric");
    }
}
