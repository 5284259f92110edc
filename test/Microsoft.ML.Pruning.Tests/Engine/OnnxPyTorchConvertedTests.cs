using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>
/// The engine against ONNX's pytorch-converted backend tests (PyTorch modules exported by torch.onnx, with
/// PyTorch's outputs): every test whose operators the engine supports is compared, in eval mode, at the node
/// suite's tolerance. New operators enroll their tests here automatically.
/// </summary>
[TestClass]
public sealed class OnnxPyTorchConvertedTests
{
    /// <summary>ONNX 1.12's folder (Debian 12) has this many tests the engine runs; fewer means tests went missing.</summary>
    private const int MinimumRun = 82;

    /// <summary>Families of the engine's CNN operators that must each run at least one model.</summary>
    private static readonly string[] Families =
        ["Conv1d", "Conv2d", "Conv3d", "Conv2d_depthwise", "ConvTranspose2d", "BatchNorm1d", "BatchNorm2d", "BatchNorm3d",
         "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool2d", "AvgPool3d", "ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "ZeroPad2d"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void PyTorchConverted_SupportedOps_MatchPyTorchOutputs()
    {
        var suite = OnnxNodeTestData.LoadPyTorchConvertedOrInconclusive();
        var failures = new List<string>();
        foreach (var test in suite.Runnable)
        {
            try
            {
                foreach (var (inputs, outputs) in test.DataSets) OnnxNodeSuiteTests.CheckOutputs(test.Model, test, inputs, outputs);
            }
            catch (Exception ex) when (ex is not AssertInconclusiveException)
            {
                failures.Add($"{test.Name}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        TestContext.WriteLine($"pytorch-converted at {OnnxNodeTestData.PyTorchConvertedRoot}: {suite.Total} models, {suite.UnsupportedOpCount} use operators the engine does not support.");
        TestContext.WriteLine($"Compared {suite.Runnable.Count} models with PyTorch's outputs: {string.Join(", ", suite.Runnable.Select(t => t.Name))}.");
        TestContext.WriteLine($"Skipped {suite.Skipped.Count} supported-operator models:");
        foreach (var (name, reason) in suite.Skipped) TestContext.WriteLine($"  {name}: {reason}");
        Assert.IsEmpty(failures, $"{failures.Count} pytorch-converted models failed:\n{string.Join("\n", failures)}");
        Assert.IsEmpty(suite.Skipped, "Models whose operators are supported were skipped.");
        Assert.IsGreaterThanOrEqualTo(MinimumRun, suite.Runnable.Count, "Fewer pytorch-converted models ran than the folder holds for the supported operators.");
        foreach (string family in Families)
            Assert.IsTrue(suite.Runnable.Any(t => t.Name.StartsWith("test_" + family, StringComparison.Ordinal)), $"No test_{family}* model ran.");
    }
}
