using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.Pruning.Cli;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Cli;

[TestClass]
public sealed class PruneCommandTests
{
    [TestMethod]
    public void Prune_TinyMlpWithCsvData_WritesSmallerFileAndJsonReport()
    {
        using var fixture = new CliFixture();
        string output = fixture.PathOf("pruned.onnx");
        var (exit, stdout, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--method", "wanda", "--sparsity", "0.8", "--data", fixture.CsvPath, "-o", output, "--json");

        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        Assert.IsTrue(File.Exists(output));
        Assert.IsLessThan(new FileInfo(fixture.ModelPath).Length, new FileInfo(output).Length, "the compact file is smaller than the dense one");
        using var json = JsonDocument.Parse(stdout); // stdout is the JSON document and nothing else
        var root = json.RootElement;
        Assert.AreEqual("wanda", root.GetProperty("Method").GetString());
        Assert.AreEqual(0.8, root.GetProperty("Sparsity").GetDouble(), 0.01);
        Assert.AreEqual(new FileInfo(output).Length, root.GetProperty("WrittenBytes").GetInt64());
        string[] layers = [.. root.GetProperty("Layers").EnumerateArray().Select(l => l.GetProperty("Name").GetString()!)];
        CollectionAssert.AreEqual(new[] { "fc1.weight", "fc2.weight" }, layers);
        Assert.AreEqual(0.8, Microsoft.ML.Pruning.Cli.Commands.ReportCommand.Inspect(output).Sparsity, 0.01, "the written file has the report's zeros");
    }

    [TestMethod]
    public void Prune_NoData_RunsOneShotMagnitudeAndPrintsTable()
    {
        using var fixture = new CliFixture();
        string output = fixture.PathOf("magnitude.onnx");
        var (exit, stdout, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--sparsity", "0.5", "--scope", "layer", "-o", output);

        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        StringAssert.Contains(stdout, "fc1.weight");
        StringAssert.Contains(stdout, "50.0 %");
        var report = Microsoft.ML.Pruning.Cli.Commands.ReportCommand.Inspect(output);
        foreach (var layer in report.Layers) Assert.AreEqual(0.5, layer.Sparsity, 0.02, layer.Name);
    }

    [TestMethod]
    public void Prune_NoDataWithDataMethod_ExitsTwoSayingItNeedsData()
    {
        using var fixture = new CliFixture();
        var (exit, _, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--method", "wanda", "-o", fixture.PathOf("x.onnx"));

        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "--method wanda needs data");
        Assert.IsFalse(File.Exists(fixture.PathOf("x.onnx")));
    }

    [TestMethod]
    public void Prune_CsvOfWrongWidth_ExitsThreeNamingWidthAndFile()
    {
        using var fixture = new CliFixture();
        string narrow = fixture.WriteCsv("narrow.csv", Transforms.TestData.Rows(10, 2), '\t', featureCount: 5);
        var (exit, _, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--method", "wanda", "--data", narrow, "-o", fixture.PathOf("x.onnx"));

        Assert.AreEqual(ExitCodes.BadInput, exit);
        StringAssert.Contains(stderr, narrow);
        StringAssert.Contains(stderr, "5 numeric feature column(s)");
        StringAssert.Contains(stderr, "takes 8 values per row");
    }

    [TestMethod]
    public void Prune_OptionsFileContradictingMethod_ExitsTwo()
    {
        using var fixture = new CliFixture();
        string options = fixture.PathOf("options.json");
        File.WriteAllText(options, Microsoft.ML.Pruning.Sweeps.SweepOptionsJson.WritePruningOptions(new PruneOptions { Criterion = "wanda", Sparsity = 0.6 }));
        var (exit, _, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--options", options, "--method", "magnitude", "--data", fixture.CsvPath, "-o", fixture.PathOf("x.onnx"));

        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "--method magnitude contradicts");
    }

    [TestMethod]
    public void Prune_OptionsFile_IsUsedWithCommandLineOverrides()
    {
        using var fixture = new CliFixture();
        string options = fixture.PathOf("options.json");
        File.WriteAllText(options, Microsoft.ML.Pruning.Sweeps.SweepOptionsJson.WritePruningOptions(new PruneOptions { Criterion = "wanda", Sparsity = 0.6, Scope = Algorithms.PruningScope.Layer }));
        var (exit, stdout, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--options", options, "--sparsity", "0.75", "--data", fixture.CsvPath, "-o", fixture.PathOf("x.onnx"), "--json");

        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.AreEqual("wanda", json.RootElement.GetProperty("Method").GetString());
        foreach (var layer in json.RootElement.GetProperty("Layers").EnumerateArray())
            Assert.AreEqual(0.75, layer.GetProperty("Sparsity").GetDouble(), 0.02);
    }

    [TestMethod]
    public void Prune_FineTuneEpochs_ReachesTheTorchSharpBackend()
    {
        using var fixture = new CliFixture();
        string output = fixture.PathOf("tuned.onnx");
        var (exit, stdout, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--sparsity", "0.7", "--fine-tune-epochs", "1", "--data", fixture.CsvPath, "-o", output, "--json");

        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        using var json = JsonDocument.Parse(stdout);
        StringAssert.Contains(json.RootElement.GetProperty("Details").GetString(), "fine-tun");
        Assert.AreEqual(0.7, Microsoft.ML.Pruning.Cli.Commands.ReportCommand.Inspect(output).Sparsity, 0.01, "fine-tuning keeps the masks");
    }
}
