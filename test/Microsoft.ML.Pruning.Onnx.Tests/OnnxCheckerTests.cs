using System.Linq;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class OnnxCheckerTests
{
    [TestMethod]
    public void OnnxChecker_CompactedWithDefaultEncoding_PassesFullCheck()
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

        var irThree = TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20);
        irThree.IrVersion = 3;
        irThree.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20)); // IR 3 lists initializers as inputs
        var compactIrThree = OnnxModel.FromProto(irThree);
        Assert.AreEqual(1, compactIrThree.Compact());
        compactIrThree.Save(folder.File("compact-ir3.onnx"));

        var allZero = OnnxModel.FromProto(TestModels.GemmWithWeight(new float[400], 20, 20));
        Assert.AreEqual(1, allZero.Compact());
        allZero.Save(folder.File("all-zero.onnx"));

        foreach (double zeros in new[] { 0.9, 0.5 })
        {
            var lenet = OnnxModel.FromProto(TestModels.Mlp([784, 300, 100, 10], zeros));
            Assert.AreEqual(3, lenet.Compact());
            lenet.Save(folder.File($"lenet-{zeros * 100}.onnx"));
        }

        var densified = compact.Clone();
        densified.Densify();
        densified.Save(folder.File("densified.onnx"));

        string[] files = ["compact.onnx", "compact-input.onnx", "compact-ir3.onnx", "all-zero.onnx", "lenet-90.onnx", "lenet-50.onnx", "densified.onnx"];
        AssertChecked(files.Select(folder.File).ToArray(), fullCheck: true);
    }

    [TestMethod]
    public void OnnxChecker_SparseInitializerEncodingAndOldOpsetFallback_PassBasicCheck()
    {
        using var folder = new TempFolder();

        var compact = OnnxModel.FromProto(TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20));
        Assert.AreEqual(1, compact.Compact(SparseEncoding.SparseInitializer));
        compact.Save(folder.File("sparse-initializer.onnx"));

        var withInput = TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20);
        withInput.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20));
        var compactWithInput = OnnxModel.FromProto(withInput);
        Assert.AreEqual(1, compactWithInput.Compact(SparseEncoding.SparseInitializer));
        compactWithInput.Save(folder.File("sparse-initializer-input.onnx"));

        // Opset 10 has no Constant sparse_value: the default encoding falls back to a sparse initializer.
        var opsetTen = new TestModelBuilder(opset: 10)
            .Input("X", -1, 20)
            .Weight("W", [20, 20], CompactTests.NinetyPercentZeros(400))
            .Node("MatMul", ["X", "W"], ["Y"], "mm")
            .Output("Y", -1, 20)
            .Build();
        var compactOpsetTen = OnnxModel.FromProto(opsetTen);
        Assert.AreEqual(1, compactOpsetTen.Compact());
        Assert.HasCount(1, compactOpsetTen.Graph.SparseInitializer);
        compactOpsetTen.Save(folder.File("opset10.onnx"));

        AssertChecked([folder.File("sparse-initializer.onnx"), folder.File("sparse-initializer-input.onnx"), folder.File("opset10.onnx")], fullCheck: false);
    }

    private static void AssertChecked(string[] paths, bool fullCheck)
    {
        var (exitCode, output) = PythonOnnx.CheckModels(paths, fullCheck);

        Assert.AreEqual(0, exitCode, output);
        Assert.AreEqual(paths.Length, output.Split('\n').Count(line => line.StartsWith("ok ", System.StringComparison.Ordinal)), output);
    }
}
