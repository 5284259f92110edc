using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.Pruning.Cli;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Cli;

[TestClass]
public sealed class ReportAndVerifyCommandTests
{
    [TestMethod]
    public void Report_Model_ListsLayersWithShapesAndMacs()
    {
        using var fixture = new CliFixture();
        var (exit, stdout, stderr) = CliFixture.Run("report", fixture.ModelPath);
        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        StringAssert.Contains(stdout, "fc1.weight");
        StringAssert.Contains(stdout, "fc2.weight");

        (exit, stdout, stderr) = CliFixture.Run("report", fixture.ModelPath, "--json");
        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        using var json = JsonDocument.Parse(stdout);
        var layers = json.RootElement.GetProperty("Layers").EnumerateArray().ToArray();
        Assert.HasCount(2, layers);
        Assert.AreEqual(8 * 32, layers[0].GetProperty("Parameters").GetInt64());
        Assert.AreEqual(32 * 3, layers[1].GetProperty("Parameters").GetInt64());
        Assert.AreEqual(8 * 32 + 32 * 3, json.RootElement.GetProperty("Macs").GetInt64(), "one row: a Gemm's MACs are its weight's elements");
        Assert.AreEqual(new FileInfo(fixture.ModelPath).Length, json.RootElement.GetProperty("Bytes").GetInt64());
    }

    [TestMethod]
    public void Report_PrunedCompactFile_ReadsSparseWeights()
    {
        using var fixture = new CliFixture();
        string pruned = fixture.PathOf("pruned.onnx");
        Assert.AreEqual(0, CliFixture.Run("prune", fixture.ModelPath, "--sparsity", "0.9", "-o", pruned).Exit);
        var report = Microsoft.ML.Pruning.Cli.Commands.ReportCommand.Inspect(pruned);
        Assert.AreEqual(0.9, report.Sparsity, 0.01);
        Assert.IsNotNull(report.Macs, report.MacsNote);
    }

    [TestMethod]
    public void Verify_IdenticalFiles_ExitsZero()
    {
        using var fixture = new CliFixture();
        string copy = fixture.PathOf("copy.onnx");
        File.Copy(fixture.ModelPath, copy);
        var (exit, stdout, stderr) = CliFixture.Run("verify", fixture.ModelPath, copy, "--json");
        Assert.AreEqual(ExitCodes.Success, exit, stderr);
        using var json = JsonDocument.Parse(stdout);
        Assert.IsTrue(json.RootElement.GetProperty("WithinTolerance").GetBoolean());
        foreach (var output in json.RootElement.GetProperty("Outputs").EnumerateArray())
            Assert.AreEqual(0.0, output.GetProperty("MaxAbsDifference").GetDouble());
    }

    [TestMethod]
    public void Verify_DifferentFiles_ExitsOne()
    {
        using var fixture = new CliFixture();
        string pruned = fixture.PathOf("pruned.onnx");
        Assert.AreEqual(0, CliFixture.Run("prune", fixture.ModelPath, "--sparsity", "0.8", "-o", pruned).Exit);
        var (exit, stdout, stderr) = CliFixture.Run("verify", fixture.ModelPath, pruned, "--data", fixture.CsvPath, "--rows", "16");
        Assert.AreEqual(ExitCodes.NotMet, exit, stderr);
        StringAssert.Contains(stdout, "Score");
        StringAssert.Contains(stdout, "differ by more than the tolerance");

        (exit, _, stderr) = CliFixture.Run("verify", fixture.ModelPath, pruned, "--tolerance", "10");
        Assert.AreEqual(ExitCodes.Success, exit, stderr); // softmax scores differ by less than 10
    }
}
