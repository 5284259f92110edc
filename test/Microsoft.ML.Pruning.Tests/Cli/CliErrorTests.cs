using System.IO;
using Microsoft.ML.Pruning.Cli;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Cli;

[TestClass]
public sealed class CliErrorTests
{
    [TestMethod]
    public void UnknownOption_ExitsTwoNamingIt()
    {
        using var fixture = new CliFixture();
        var (exit, stdout, stderr) = CliFixture.Run("report", fixture.ModelPath, "--bogus-option");
        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "--bogus-option");
        Assert.AreEqual("", stdout);
        Assert.AreEqual(1, stderr.TrimEnd().Split('\n').Length, "one line");
    }

    [TestMethod]
    public void OptionValueOutOfRange_ExitsTwoNamingTheOption()
    {
        using var fixture = new CliFixture();
        var (exit, _, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--sparsity", "1.5", "-o", fixture.PathOf("x.onnx"));
        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "Sparsity");

        (exit, _, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--sparsity", "lots", "-o", fixture.PathOf("x.onnx"));
        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "--sparsity");
    }

    [TestMethod]
    public void ValueNotAmongChoices_ExitsTwoNamingTheOption()
    {
        using var fixture = new CliFixture();
        var (exit, _, stderr) = CliFixture.Run("sensitivity", fixture.ModelPath, "--data", fixture.CsvPath, "--validation", fixture.CsvPath, "--metric", "speed");
        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "--metric");
        StringAssert.Contains(stderr, "speed");
    }

    [TestMethod]
    public void MissingRequiredOption_ExitsTwoNamingIt()
    {
        using var fixture = new CliFixture();
        var (exit, _, stderr) = CliFixture.Run("prune", fixture.ModelPath);
        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "--output");
    }

    [TestMethod]
    public void MissingModelFile_ExitsThreeNamingIt()
    {
        using var fixture = new CliFixture();
        string missing = fixture.PathOf("missing.onnx");
        var (exit, _, stderr) = CliFixture.Run("report", missing);
        Assert.AreEqual(ExitCodes.BadInput, exit);
        StringAssert.Contains(stderr, missing);
    }

    [TestMethod]
    public void MissingDataFile_ExitsThreeNamingIt()
    {
        using var fixture = new CliFixture();
        string missing = fixture.PathOf("missing.csv");
        var (exit, _, stderr) = CliFixture.Run("prune", fixture.ModelPath, "--method", "wanda", "--data", missing, "-o", fixture.PathOf("x.onnx"));
        Assert.AreEqual(ExitCodes.BadInput, exit);
        StringAssert.Contains(stderr, "--data");
        StringAssert.Contains(stderr, missing);
    }

    [TestMethod]
    public void CorruptModelFile_ExitsThree()
    {
        using var fixture = new CliFixture();
        string corrupt = fixture.PathOf("corrupt.onnx");
        File.WriteAllBytes(corrupt, [0xFF, 0xFF, 0xFF, 0x01, 0x02]);
        var (exit, _, stderr) = CliFixture.Run("report", corrupt);
        Assert.AreEqual(ExitCodes.BadInput, exit, stderr);
        StringAssert.Contains(stderr, corrupt);
    }

    [TestMethod]
    public void Help_ListsCommandsAndExitCodes()
    {
        var (exit, stdout, _) = CliFixture.Run("--help");
        Assert.AreEqual(ExitCodes.Success, exit);
        foreach (string command in new[] { "prune", "report", "verify", "sensitivity", "sweep", "trial", "Exit codes" })
            StringAssert.Contains(stdout, command);
        (exit, stdout, _) = CliFixture.Run("prune", "--help");
        Assert.AreEqual(ExitCodes.Success, exit);
        StringAssert.Contains(stdout, "--fine-tune-epochs");
    }

    [TestMethod]
    public void SweepOnLocalRunnerWithParallel_ExitsTwo()
    {
        using var fixture = new CliFixture();
        string config = fixture.PathOf("sweep.json");
        File.WriteAllText(config, Microsoft.ML.Pruning.Sweeps.SweepOptionsJson.Write(new Microsoft.ML.Pruning.Sweeps.SweepOptions
        {
            BaseOptions = new MagnitudePruningOptions { ModelPath = "model.onnx" },
            Metric = new Microsoft.ML.Pruning.Sweeps.SweepMetric { Kind = Microsoft.ML.Pruning.Sweeps.SweepMetricKind.Accuracy },
        }));
        var (exit, _, stderr) = CliFixture.Run("sweep", "--config", config, "--data", fixture.CsvPath, "--validation", fixture.CsvPath, "--parallel", "2");
        Assert.AreEqual(ExitCodes.BadArguments, exit);
        StringAssert.Contains(stderr, "--parallel 2 needs --runner process");
    }
}
