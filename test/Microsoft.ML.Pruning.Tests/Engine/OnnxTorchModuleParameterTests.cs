using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>FLOAT initializers become parameters under their ONNX names; everything else stays fixed.</summary>
[TestClass]
public sealed class OnnxTorchModuleParameterTests
{
    [TestMethod]
    public void Parameters_DottedInitializerNames_AreExposedByOnnxName()
    {
        var model = Perceptron([6, 4, 2], seed: 3);
        model.Graph.Initializer.Add(OnnxTensor.FromFloats("fc1_weight", [1f], [1])); // collides with 'fc1.weight' once sanitized
        using var module = new OnnxTorchModule(model);
        CollectionAssert.AreEqual(new[] { "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc1_weight" }, module.ParameterNames.ToArray());
        CollectionAssert.AreEqual(new long[] { 4, 6 }, module.GetParameter("fc1.weight").shape);
        Assert.IsTrue(module.GetParameter("fc1.weight").requires_grad);
        CollectionAssert.AreEqual(new long[] { 1 }, module.GetParameter("fc1_weight").shape);
        Assert.AreEqual(5, module.parameters().Count());
        Assert.AreEqual(5, module.named_parameters().Select(p => p.name).Distinct().Count());
    }

    [TestMethod]
    public void Parameters_Int64Initializer_IsBufferNotParameter()
    {
        var model = BuildModel(14,
            [Node("Gemm", ["X", "W"], ["H"], "fc", Attr("transB", 1L)), Node("Reshape", ["H", "shape"], ["Y"], "r")],
            [Floats("W", [6, 3], 1), OnnxTensor.FromInt64s("shape", [-1, 2, 3], [3])], ["X"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        CollectionAssert.AreEqual(new[] { "W" }, module.ParameterNames.ToArray());
        Assert.AreEqual(1, module.buffers().Count());
        using var scope = NewDisposeScope();
        CollectionAssert.AreEqual(new long[] { 4, 2, 3 }, module.forward(torch.randn(4, 3)).shape);
    }

    [TestMethod]
    public void ToFloat64_WithMask_ParametersMasksAndConstantsFollow()
    {
        var model = BuildModel(13,
            [Node("Gemm", ["X", "W", "B"], ["H"], "fc", Attr("transB", 1L)), Node("Constant", [], ["K"], "k", Attr("value_float", 2f)),
             Node("Mul", ["H", "K"], ["Y"], "scale")],
            [Floats("W", [3, 2], 1), Floats("B", [3], 2)], ["X"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        using var scope = NewDisposeScope();
        module.SetMask("W", torch.tensor(new[] { 1f, 0f, 1f, 0f, 1f, 0f }, new long[] { 3, 2 }));
        var x = torch.randn(4, 2);
        var single = module.forward(x);

        module.to(ScalarType.Float64);
        Assert.AreEqual(ScalarType.Float64, module.GetParameter("W").dtype);
        var wide = module.forward(x.to(ScalarType.Float64));
        Assert.AreEqual(ScalarType.Float64, wide.dtype);
        Assert.IsTrue(wide.to(ScalarType.Float32).allclose(single, 1e-5, 1e-6));
        module.ApplyMasks();
        Assert.AreEqual(0.0, module.GetParameter("W")[0, 1].item<double>());
    }

    [TestMethod]
    public void Module_OnEveryAvailableDevice_MatchesCpu()
    {
        var model = TestGraphs.Mlp();
        using var scope = NewDisposeScope();
        var x = torch.randn(5, 4);
        using var cpu = new OnnxTorchModule(model);
        var expected = cpu.forward(x);
        var devices = torch.cuda.is_available() ? new[] { torch.CPU, torch.CUDA } : new[] { torch.CPU };
        foreach (var device in devices)
        {
            using var module = new OnnxTorchModule(model, device);
            Assert.AreEqual(device.type, module.GetParameter("W1").device_type);
            Assert.IsTrue(module.forward(x.to(device)).cpu().allclose(expected, 1e-5, 1e-6), device.ToString());
        }
    }
}
