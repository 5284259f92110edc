using System.Collections.Generic;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Op semantics the node suite does not pin down: old opsets, training mode, the general Gemm path.</summary>
[TestClass]
public sealed class OnnxOpSemanticsTests
{
    [TestMethod]
    public void Softmax_Opset11_NormalizesOverInputCoercedTo2D()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(2, 3, 4);
        var y = Run(BuildModel(11, [Node("Softmax", ["X"], ["Y"])], [], ["X"], ["Y"]), x); // axis defaults to 1
        Assert.IsTrue(y.allclose(x.reshape(2, 12).softmax(1).reshape(2, 3, 4), 1e-5, 1e-6));
        var logY = Run(BuildModel(11, [Node("LogSoftmax", ["X"], ["Y"], "", Attr("axis", 2L))], [], ["X"], ["Y"]), x);
        Assert.IsTrue(logY.allclose(x.log_softmax(2), 1e-5, 1e-6));
    }

    [TestMethod]
    public void Softmax_Opset13_NormalizesAlongLastAxisByDefault()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(2, 3, 4);
        var y = Run(BuildModel(13, [Node("Softmax", ["X"], ["Y"])], [], ["X"], ["Y"]), x);
        Assert.IsTrue(y.allclose(x.softmax(-1), 1e-5, 1e-6));
    }

    [TestMethod]
    public void MatMul_OneDimensionalOperands_FollowNumpy()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(13, [Node("MatMul", ["A", "B"], ["Y"])], [], ["A", "B"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        var vector = torch.randn(3);
        var matrix = torch.randn(3, 2);
        var batch = torch.randn(5, 2, 3);
        CollectionAssert.AreEqual(new long[] { 2 }, module.Forward(Feed(("A", vector), ("B", matrix)))["Y"].shape);
        CollectionAssert.AreEqual(new long[] { 5, 2 }, module.Forward(Feed(("A", batch), ("B", vector)))["Y"].shape);
        CollectionAssert.AreEqual(System.Array.Empty<long>(), module.Forward(Feed(("A", vector), ("B", vector)))["Y"].shape);
    }

    [TestMethod]
    public void Gemm_TransAAlphaWithoutC_MatchesFormula()
    {
        using var scope = NewDisposeScope();
        var a = torch.randn(3, 2);
        var b = torch.randn(3, 4);
        var model = BuildModel(13, [Node("Gemm", ["A", "B"], ["Y"], "g", Attr("transA", 1L), Attr("alpha", 0.5f))], [], ["A", "B"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        var y = module.Forward(Feed(("A", a), ("B", b)))["Y"];
        Assert.IsTrue(y.allclose(a.t().mm(b) * 0.5f, 1e-5, 1e-6));
    }

    [TestMethod]
    public void Gemm_ScalarAndRowBias_Broadcast()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(3, 4);
        var model = BuildModel(13,
            [Node("Gemm", ["X", "W", "C"], ["Y"], "g", Attr("transB", 1L), Attr("beta", 2f))],
            [Floats("W", [5, 4], 1), OnnxTensor.FromFloats("C", [0.25f], [])], ["X"], ["Y"]);
        var w = torch.tensor(OnnxTensor.ToFloatArray(model.Graph.Initializer[0]), new long[] { 5, 4 });
        Assert.IsTrue(Run(model, x).allclose(x.mm(w.t()) + 0.5f, 1e-5, 1e-6));
    }

    [TestMethod]
    public void Dropout_TrainingModule_DropsAndScalesWithConsistentMask()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(13, [Node("Dropout", ["X"], ["Y", "M"], "drop")], [], ["X"], ["Y", "M"]);
        using var module = new OnnxTorchModule(model);
        var x = torch.ones(1000);
        var outputs = module.Forward(Feed(("X", x)));
        var y = outputs["Y"];
        var mask = outputs["M"];
        Assert.AreEqual(ScalarType.Bool, mask.dtype);
        Assert.IsTrue(y.eq(0).logical_or(y.eq(2)).all().item<bool>(), "ratio 0.5 keeps elements scaled by 2");
        Assert.IsTrue(y.eq(2).eq(mask).all().item<bool>());
        double kept = mask.to(ScalarType.Float32).mean().item<float>();
        Assert.IsTrue(kept > 0.4 && kept < 0.6, $"kept {kept}");

        module.eval();
        var evaluated = module.Forward(Feed(("X", x)));
        Assert.IsTrue(evaluated["Y"].eq(x).all().item<bool>());
        Assert.IsTrue(evaluated["M"].all().item<bool>());
    }

    [TestMethod]
    public void Dropout_TrainingModeInputFalse_IsIdentityEvenWhenModuleTrains()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(13, [Node("Dropout", ["X", "R", "T"], ["Y"], "drop")], [], ["X", "R", "T"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        module.train();
        var x = torch.randn(50);
        var y = module.Forward(Feed(("X", x), ("R", torch.tensor(0.9f)), ("T", torch.tensor(false))))["Y"];
        Assert.IsTrue(y.eq(x).all().item<bool>());
    }

    [TestMethod]
    public void Reshape_ConstantShapeWithZeroAndMinusOne_CopiesAndInfers()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(14, [Node("Reshape", ["X", "S"], ["Y"])], [OnnxTensor.FromInt64s("S", [0, -1], [2])], ["X"], ["Y"]);
        CollectionAssert.AreEqual(new long[] { 2, 12 }, Run(model, torch.randn(2, 3, 4)).shape);
    }

    [TestMethod]
    public void Reshape_Opset1ShapeAttribute_IsHonoured()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(1, [Node("Reshape", ["X"], ["Y"], "", Attr("shape", new long[] { 4, -1 }))], [], ["X"], ["Y"]);
        CollectionAssert.AreEqual(new long[] { 4, 6 }, Run(model, torch.randn(2, 3, 4)).shape);
    }

    [TestMethod]
    public void Constant_ValueFloatsAndInts_BecomeBuffers()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(13,
            [Node("Constant", [], ["C"], "c", Attr("value_floats", new[] { 1f, 2f })), Node("Add", ["X", "C"], ["Y"])],
            [], ["X"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        Assert.IsEmpty(module.ParameterNames);
        CollectionAssert.AreEqual(new[] { 1f, 2f }, module.forward(torch.zeros(2)).data<float>().ToArray());

        var ints = BuildModel(13, [Node("Constant", [], ["Y"], "c", Attr("value_int", 7L))], [], [], ["Y"]);
        using var intModule = new OnnxTorchModule(ints);
        var y = intModule.Forward(new Dictionary<string, Tensor>())["Y"];
        Assert.AreEqual(ScalarType.Int64, y.dtype);
        Assert.AreEqual(7L, y.item<long>());
    }

    [TestMethod]
    public void Flatten_AxisZero_GivesOneRow()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(13, [Node("Flatten", ["X"], ["Y"], "", Attr("axis", 0L))], [], ["X"], ["Y"]);
        CollectionAssert.AreEqual(new long[] { 1, 24 }, Run(model, torch.randn(2, 3, 4)).shape);
    }

    [TestMethod]
    public void Div_Int64_TruncatesLikeOnnxRuntime()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(14, [Node("Div", ["A", "B"], ["Y"])], [], ["A", "B"], ["Y"], Int64);
        using var module = new OnnxTorchModule(model);
        var y = module.Forward(Feed(("A", torch.tensor(new long[] { 7, -7 })), ("B", torch.tensor(new long[] { 2, 2 }))))["Y"];
        CollectionAssert.AreEqual(new long[] { 3, -3 }, y.data<long>().ToArray());
    }

    private static Tensor Run(OnnxModel model, Tensor x)
    {
        using var module = new OnnxTorchModule(model);
        module.eval();
        return module.forward(x);
    }

    private static Dictionary<string, Tensor> Feed(params (string Name, Tensor Value)[] values)
    {
        var feed = new Dictionary<string, Tensor>();
        foreach (var (name, value) in values) feed[name] = value;
        return feed;
    }
}
