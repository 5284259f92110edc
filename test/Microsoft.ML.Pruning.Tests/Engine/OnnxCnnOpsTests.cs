using System;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static TorchSharp.torch;
using AttributeType = Microsoft.ML.Pruning.Onnx.Protobuf.AttributeProto.Types.AttributeType;
using F = TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>
/// The CNN operators beyond what the ONNX test data covers: BatchNormalization's train/eval behaviour against
/// TorchSharp's own BatchNorm2d, which initializers are state, per-activation statistics, SAME_UPPER and asymmetric
/// padding against explicit padding, and attributes the engine refuses with a message naming node and attribute.
/// </summary>
[TestClass]
public sealed class OnnxCnnOpsTests
{
    [TestMethod]
    public void BatchNorm_TrainThenEval_MatchesTorchBatchNorm2d()
    {
        const int channels = 3;
        const float momentum = 0.8f, epsilon = 1e-3f;
        var model = BatchNormModel(15, channels, Attr("momentum", momentum), Attr("epsilon", epsilon));
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        using var reference = nn.BatchNorm2d(channels, eps: epsilon, momentum: 1 - momentum);
        using (no_grad())
        {
            reference.weight!.copy_(module.GetParameter("scale"));
            reference.bias!.copy_(module.GetParameter("B"));
            reference.running_mean!.copy_(module.GetState("mean"));
            reference.running_var!.copy_(module.GetState("var"));
        }
        CollectionAssert.AreEqual(new[] { "scale", "B" }, module.ParameterNames.ToArray());
        CollectionAssert.AreEqual(new[] { "mean", "var" }, module.StateNames.ToArray());

        module.train();
        reference.train();
        for (int step = 0; step < 2; step++)
        {
            var x = torch.randn([4, channels, 5, 6], generator: new torch.Generator((ulong)step + 1)) * 2 + 1;
            AssertClose(reference.forward(x), module.forward(x), $"training output, step {step}");
            AssertClose(reference.running_mean!, module.GetState("mean"), $"running mean after step {step}");
            AssertClose(reference.running_var!, module.GetState("var"), $"running variance after step {step} (unbiased batch variance, as PyTorch)");
        }

        module.eval();
        reference.eval();
        var test = torch.randn([2, channels, 5, 6], generator: new torch.Generator(9));
        AssertClose(reference.forward(test), module.forward(test), "eval output (running statistics)");
    }

    [TestMethod]
    public void BatchNorm_TrainMode_GradientsReachScaleBiasAndInputNotState()
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(BatchNormModel(15, 2));
        module.train();
        var x = torch.randn([3, 2, 4], generator: new torch.Generator(3)).requires_grad_();
        var r = torch.randn([3, 2, 4], generator: new torch.Generator(4));
        module.forward(x).mul(r).sum().backward();
        Assert.IsNotNull(module.GetParameter("scale").grad);
        Assert.IsNotNull(module.GetParameter("B").grad);
        Assert.IsNotNull(x.grad);
        Assert.IsFalse(module.GetState("mean").requires_grad);
        Assert.IsNull(module.GetState("var").grad);
        Assert.HasCount(2, module.parameters().ToList());
    }

    [TestMethod]
    public void BatchNorm_RunningMeanAlsoReadElsewhere_IsTrainedParameterAndNotUpdated()
    {
        var model = BatchNormModel(15, 2);
        model.Graph.Node.Add(Node("Add", ["Y", "mean"], ["Z"], "shift"));
        model.Graph.Output[0].Name = "Z";
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        CollectionAssert.Contains(module.ParameterNames.ToList(), "mean");
        CollectionAssert.AreEqual(new[] { "var" }, module.StateNames.ToArray());
        var before = module.GetParameter("mean").detach().clone();
        var varBefore = module.GetState("var").clone();
        module.train();
        using (no_grad()) module.forward(torch.randn([4, 2, 2], generator: new torch.Generator(1)));
        Assert.IsTrue(module.GetParameter("mean").detach().equal(before).all().item<bool>(), "a trained parameter is not a running statistic");
        Assert.IsTrue(module.GetState("var").equal(varBefore).all().item<bool>(), "running statistics update only as a pair of state tensors");
    }

    [TestMethod]
    public void BatchNorm_StatisticsFromConstantNodes_AreConstantsLeftUnchangedInTrainMode()
    {
        var mean = OnnxTensor.FromFloats("m", [0.5f, -0.5f], [2]);
        var variance = OnnxTensor.FromFloats("v", [2f, 3f], [2]);
        var nodes = new[]
        {
            Node("Constant", [], ["mean"], "mean_const", Attr("value", mean)),
            Node("Constant", [], ["var"], "var_const", Attr("value", variance)),
            Node("BatchNormalization", ["X", "scale", "B", "mean", "var"], ["Y"], "bn"),
        };
        var model = BuildModel(15, nodes, [Floats("scale", [2], 2), Floats("B", [2], 3)], ["X"], ["Y"]);
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        Assert.IsEmpty(module.StateNames, "a Constant node's value is not an initializer to write back");
        var x = torch.randn([4, 2, 3], generator: new torch.Generator(8));
        module.train();
        using (no_grad()) module.forward(x);
        module.eval();
        var scale = module.GetParameter("scale").detach().reshape(2, 1);
        var bias = module.GetParameter("B").detach().reshape(2, 1);
        var expected = (x - torch.tensor(new[] { 0.5f, -0.5f }).reshape(2, 1)) / torch.tensor(new[] { 2f, 3f }).reshape(2, 1).add(1e-5).sqrt() * scale + bias;
        AssertClose(expected, module.forward(x), "eval after a training forward still uses the constants' values");
    }

    [TestMethod]
    public void BatchNorm_SpatialZeroBeforeOpset9_NormalizesPerActivation()
    {
        const float momentum = 0.7f, epsilon = 1e-4f;
        var nodes = new[] { Node("BatchNormalization", ["X", "scale", "B", "mean", "var"], ["Y"], "bn",
            Attr("spatial", 0L), Attr("momentum", momentum), Attr("epsilon", epsilon)) };
        var positive = Floats("var", [2, 3], 5);
        OnnxTensor.SetFloats(positive, OnnxTensor.ToFloatArray(positive).Select(v => v + 1f).ToArray());
        var initializers = new[] { Floats("scale", [2, 3], 2), Floats("B", [2, 3], 3), Floats("mean", [2, 3], 4), positive };
        var model = BuildModel(7, nodes, initializers, ["X"], ["Y"]);
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        var scale = module.GetParameter("scale").detach();
        var bias = module.GetParameter("B").detach();
        var mean = module.GetState("mean").clone();
        var variance = module.GetState("var").clone();
        var x = torch.randn([5, 2, 3], generator: new torch.Generator(6));

        module.eval();
        AssertClose((x - mean) / (variance + epsilon).sqrt() * scale + bias, module.forward(x), "eval: running statistics per (channel, position)");

        module.train();
        var batchMean = x.mean([0]);
        var batchVar = x.var([0], unbiased: false);
        AssertClose((x - batchMean) / (batchVar + epsilon).sqrt() * scale + bias, module.forward(x), "train: batch statistics per (channel, position)");
        AssertClose(mean * momentum + batchMean * (1 - momentum), module.GetState("mean"), "running mean per (channel, position)");
        AssertClose(variance * momentum + x.var([0], unbiased: true) * (1 - momentum), module.GetState("var"), "running variance per (channel, position)");
    }

    [TestMethod]
    public void BatchNorm_IsTestBeforeOpset7_UsesRunningStatisticsInTrainMode()
    {
        var model = BatchNormModel(6, 2, Attr("is_test", 1L));
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        var x = torch.randn([3, 2, 4], generator: new torch.Generator(2));
        module.eval();
        var inference = module.forward(x);
        module.train();
        AssertClose(inference, module.forward(x), "is_test = 1 keeps inference behaviour");
    }

    [TestMethod]
    public void BatchNorm_SavedMeanOutputs_ThrowNotSupportedNamingNodeAndOutputs()
    {
        var model = BatchNormModel(9, 2);
        model.Graph.Node[0].Output.Add(["m", "v", "saved_mean", "saved_var"]);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "BatchNormalization node 'bn'");
        StringAssert.Contains(ex.Message, "saved_mean");
    }

    [TestMethod]
    public void Conv_UnknownAutoPad_ThrowsNotSupportedNamingNodeAndAttribute()
    {
        var model = ConvModel(Text("auto_pad", "SAME_CENTER"));
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "Conv node 'conv'");
        StringAssert.Contains(ex.Message, "'auto_pad'");
        StringAssert.Contains(ex.Message, "SAME_CENTER");
    }

    [TestMethod]
    public void AveragePool_Dilations_ThrowNotSupportedNamingNodeAndAttribute()
    {
        var model = BuildModel(19, [Node("AveragePool", ["X"], ["Y"], "pool", Attr("kernel_shape", [2L, 2]), Attr("dilations", [2L, 2]))], [], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "AveragePool node 'pool'");
        StringAssert.Contains(ex.Message, "'dilations'");
    }

    [TestMethod]
    public void MaxPool_StorageOrder2_ThrowsNotSupportedNamingAttribute()
    {
        var model = BuildModel(12, [Node("MaxPool", ["X"], ["Y"], "pool", Attr("kernel_shape", [2L, 2]), Attr("storage_order", 2L))], [], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "MaxPool node 'pool'");
        StringAssert.Contains(ex.Message, "'storage_order'");
    }

    [TestMethod]
    public void Pad_UnknownMode_ThrowsNotSupportedNamingAttribute()
    {
        var model = BuildModel(13, [Node("Pad", ["X", "pads"], ["Y"], "pad", Text("mode", "mirror"))],
            [OnnxTensor.FromInt64s("pads", [0, 0, 1, 1, 0, 0, 1, 1], [8])], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "Pad node 'pad'");
        StringAssert.Contains(ex.Message, "'mode'");
    }

    [TestMethod]
    [DataRow("SAME_UPPER", new long[] { 0, 1, 1, 1 })]
    [DataRow("SAME_LOWER", new long[] { 1, 0, 1, 1 })]
    public void Conv_SameAutoPadStride2_EqualsExplicitPadThenConv(string autoPad, long[] pads)
    {
        // H 6, W 7, kernel 3, stride 2: outputs 3 and 4, total pads 1 and 2 (pads = top, bottom, left, right).
        var model = ConvModel(Text("auto_pad", autoPad), Attr("strides", [2L, 2]));
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        var x = torch.randn([2, 2, 6, 7], generator: new torch.Generator(1));
        var expected = F.conv2d(F.pad(x, [pads[2], pads[3], pads[0], pads[1]]), module.GetParameter("W"), module.GetParameter("B"), strides: [2, 2]);
        AssertClose(expected, module.forward(x), autoPad);
    }

    [TestMethod]
    public void ConvAndMaxPool_AsymmetricPads_EqualExplicitPadding()
    {
        // ResNet18's stem as CNTK exports it: Conv pads [3, 3, 2, 2], MaxPool pads [1, 1, 0, 0], both stride 2.
        var nodes = new[]
        {
            Node("Conv", ["X", "W"], ["C"], "conv", Attr("kernel_shape", [7L, 7]), Attr("strides", [2L, 2]), Attr("pads", [3L, 3, 2, 2])),
            Node("MaxPool", ["C"], ["Y"], "pool", Attr("kernel_shape", [3L, 3]), Attr("strides", [2L, 2]), Attr("pads", [1L, 1, 0, 0])),
        };
        var model = BuildModel(8, nodes, [Floats("W", [4, 3, 7, 7], 3)], ["X"], ["Y"]);
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        var x = torch.randn([2, 3, 32, 32], generator: new torch.Generator(2));
        var conv = F.conv2d(F.pad(x, [3, 2, 3, 2]), module.GetParameter("W"), strides: [2, 2]);
        var expected = F.max_pool2d(F.pad(conv, [1, 0, 1, 0], PaddingModes.Constant, double.NegativeInfinity), [3, 3], [2, 2]);
        AssertClose(expected, module.forward(x), "Conv then MaxPool with asymmetric pads");
    }

    private static OnnxModel ConvModel(params AttributeProto[] attributes) =>
        BuildModel(11, [Node("Conv", ["X", "W", "B"], ["Y"], "conv", [Attr("kernel_shape", [3L, 3]), .. attributes])],
            [Floats("W", [3, 2, 3, 3], 1), Floats("B", [3], 2)], ["X"], ["Y"]);

    /// <summary>X → BatchNormalization(scale, B, mean, var) → Y with random parameters and a positive variance.</summary>
    private static OnnxModel BatchNormModel(long opset, int channels, params AttributeProto[] attributes)
    {
        var variance = Floats("var", [channels], 5);
        OnnxTensor.SetFloats(variance, OnnxTensor.ToFloatArray(variance).Select(v => v + 1f).ToArray());
        var initializers = new[] { Floats("scale", [channels], 2), Floats("B", [channels], 3), Floats("mean", [channels], 4), variance };
        return BuildModel(opset, [Node("BatchNormalization", ["X", "scale", "B", "mean", "var"], ["Y"], "bn", attributes)], initializers, ["X"], ["Y"]);
    }

    private static AttributeProto Text(string name, string value) =>
        new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        string? difference = TensorComparison.Difference(actual, expected.detach());
        Assert.IsNull(difference, $"{what}: {difference}");
    }
}
