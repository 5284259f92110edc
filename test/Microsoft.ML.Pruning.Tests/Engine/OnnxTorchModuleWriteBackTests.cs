using System;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>WriteBack puts trained values (masked entries exactly 0) into the model and changes nothing else.</summary>
[TestClass]
public sealed class OnnxTorchModuleWriteBackTests
{
    [TestMethod]
    public void WriteBack_AfterMaskedTraining_WritesTrainedValuesAndExactZeros()
    {
        var model = TestGraphs.Mlp(inputs: 4, hidden: 6, outputs: 3, seed: 9);
        model.Proto.DocString = "keep me";
        model.Graph.Initializer[0].DocString = "first layer";
        var original = model.Clone();
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        var mask = (torch.rand(6, 4, generator: new torch.Generator(1)) > 0.5f).to(ScalarType.Float32);
        module.SetMask("W1", mask);
        Train(module, steps: 4);
        Assert.AreEqual(Convert.ToBase64String(original.ToBytes()), Convert.ToBase64String(model.ToBytes()),
            "building and training the module must not touch the model");

        module.WriteBack(model);

        foreach (string name in module.ParameterNames)
        {
            var written = OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == name));
            var trained = module.GetParameter(name).detach().contiguous().data<float>().ToArray();
            CollectionAssert.AreEqual(trained, written, name);
            CollectionAssert.AreNotEqual(OnnxTensor.ToFloatArray(original.Graph.Initializer.Single(t => t.Name == name)), written, $"{name} was trained");
        }
        var w1 = OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "W1"));
        var keep = mask.data<float>().ToArray();
        for (int i = 0; i < w1.Length; i++)
            if (keep[i] == 0) Assert.AreEqual(0, BitConverter.SingleToInt32Bits(w1[i]), $"W1[{i}] must be +0");
        Assert.AreEqual(WithoutValues(original), WithoutValues(model), "only the initializer values may change");
    }

    [TestMethod]
    public void WriteBack_MaskSetWithoutApplyMasks_WritesMaskedZeros()
    {
        var model = TestGraphs.Mlp();
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        module.SetMask("W2", torch.zeros(5, 3));
        module.WriteBack(model);
        Assert.IsTrue(OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "W2")).All(v => v == 0));
    }

    [TestMethod]
    public void WriteBack_TypedFloatData_KeepsStorageField()
    {
        var model = TestGraphs.Mlp();
        var b1 = model.Graph.Initializer.Single(t => t.Name == "B1");
        var values = OnnxTensor.ToFloatArray(b1);
        b1.ClearRawData();
        b1.FloatData.AddRange(values);
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        using (torch.no_grad()) module.GetParameter("B1").add_(1f);
        module.WriteBack(model);
        Assert.IsFalse(b1.HasRawData);
        CollectionAssert.AreEqual(values.Select(v => v + 1f).ToArray(), b1.FloatData.ToArray());
    }

    [TestMethod]
    public void WriteBack_TargetMissingInitializer_ThrowsAndWritesNothing()
    {
        var model = TestGraphs.Mlp();
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        using (torch.no_grad()) module.GetParameter("W1").zero_();
        var target = model.Clone();
        target.Graph.Initializer.Remove(target.Graph.Initializer.Single(t => t.Name == "B2"));
        var before = target.ToBytes();
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => module.WriteBack(target));
        StringAssert.Contains(ex.Message, "'B2'");
        CollectionAssert.AreEqual(before, target.ToBytes());
    }

    [TestMethod]
    public void WriteBack_TargetWithOtherShape_Throws()
    {
        var model = TestGraphs.Mlp(hidden: 5);
        using var module = new OnnxTorchModule(model);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => module.WriteBack(TestGraphs.Mlp(hidden: 6)));
        StringAssert.Contains(ex.Message, "shape");
    }

    private static void Train(OnnxTorchModule module, int steps)
    {
        using var adam = torch.optim.Adam(module.parameters(), lr: 0.05, weight_decay: 0.01);
        var x = torch.randn(new long[] { 12, 4 }, generator: new torch.Generator(2));
        var y = torch.randint(0, 3, new long[] { 12 }, generator: new torch.Generator(3));
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            adam.zero_grad();
            torch.nn.functional.cross_entropy(module.forward(x), y).backward();
            adam.step();
            module.ApplyMasks();
        }
    }

    private static ModelProto WithoutValues(OnnxModel model)
    {
        var proto = model.Proto.Clone();
        foreach (var t in proto.Graph.Initializer)
        {
            t.ClearRawData();
            t.FloatData.Clear();
        }
        return proto;
    }
}
