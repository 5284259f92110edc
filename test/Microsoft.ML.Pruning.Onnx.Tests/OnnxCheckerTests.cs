using System.Linq;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class OnnxCheckerTests
{
    [TestMethod]
    public void OnnxChecker_CompactedModels_Accepted()
    {
        using var folder = new TempFolder();

        var compact = OnnxModel.FromProto(TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20));
        Assert.AreEqual(1, compact.Compact());
        compact.Save(folder.File("compact.onnx"));

        var withInput = TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20);
        withInput.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20));
        var compactWithInput = OnnxModel.FromProto(withInput);
        Assert.AreEqual(1, compactWithInput.Compact());
        compactWithInput.Save(folder.File("compact-input.onnx"));

        var allZero = OnnxModel.FromProto(TestModels.GemmWithWeight(new float[400], 20, 20));
        Assert.AreEqual(1, allZero.Compact());
        allZero.Save(folder.File("all-zero.onnx"));

        var densified = compact.Clone();
        densified.Densify();
        densified.Save(folder.File("densified.onnx"));

        string[] files = ["compact.onnx", "compact-input.onnx", "all-zero.onnx", "densified.onnx"];
        var (exitCode, output) = PythonOnnx.CheckModels(files.Select(folder.File));

        Assert.AreEqual(0, exitCode, output);
        Assert.AreEqual(files.Length, output.Split('\n').Count(line => line.StartsWith("ok ", System.StringComparison.Ordinal)), output);
    }
}
