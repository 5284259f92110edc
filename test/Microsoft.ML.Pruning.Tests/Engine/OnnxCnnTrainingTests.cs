using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Fine-tuning a small CNN on the engine: masked Conv filters stay zero, BatchNormalization statistics move and are written back.</summary>
[TestClass]
public sealed class OnnxCnnTrainingTests
{
    [TestMethod]
    public void SmallCnn_MaskedTrainingSteps_KeepPrunedFiltersZeroAndWriteBackRunningStatistics()
    {
        var nodes = new[]
        {
            Node("Conv", ["X", "W1", "B1"], ["C"], "conv", Attr("kernel_shape", [3L, 3]), Attr("pads", [1L, 1, 1, 1])),
            Node("BatchNormalization", ["C", "gamma", "beta", "mean", "var"], ["N"], "bn"),
            Node("Relu", ["N"], ["R"], "relu"),
            Node("MaxPool", ["R"], ["P"], "pool", Attr("kernel_shape", [2L, 2]), Attr("strides", [2L, 2])),
            Node("Flatten", ["P"], ["F"], "flatten"),
            Node("Gemm", ["F", "W2", "B2"], ["Y"], "fc", Attr("transB", 1L)),
        };
        var ones = OnnxTensor.FromFloats("var", Enumerable.Repeat(1f, 4).ToArray(), [4]);
        var initializers = new[]
        {
            Floats("W1", [4, 1, 3, 3], 1), Floats("B1", [4], 2, 0.1f), OnnxTensor.FromFloats("gamma", [1f, 1f, 1f, 1f], [4]),
            OnnxTensor.FromFloats("beta", [0f, 0f, 0f, 0f], [4]), OnnxTensor.FromFloats("mean", [0f, 0f, 0f, 0f], [4]), ones,
            Floats("W2", [3, 36], 3), Floats("B2", [3], 4, 0.1f),
        };
        var model = BuildModel(15, nodes, initializers, ["X"], ["Y"]);
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        var mask = torch.ones(4, 1, 3, 3);
        mask[0] = torch.zeros(1, 3, 3); // prune the first filter
        module.SetMask("W1", mask);
        module.ApplyMasks();
        var before = module.GetParameter("W1").detach().clone();

        var settings = new TrainingSettings { LearningRate = 1e-2, Epochs = 1, BatchSize = 8, Seed = 1 };
        using var optimizer = new GradientOptimizer(module.parameters(), settings);
        Assert.HasCount(6, module.parameters().ToList(), "W1, B1, gamma, beta, W2, B2: running statistics are not optimized");
        module.train();
        var x = torch.randn([8, 1, 6, 6], generator: new torch.Generator(5));
        var y = torch.tensor(new long[] { 0, 1, 2, 0, 1, 2, 0, 1 });
        float first = 0, last = 0;
        for (int step = 0; step < 20; step++)
        {
            using var stepScope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(module.forward(x), y);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            module.ApplyMasks();
            if (step == 0) first = loss.item<float>();
            last = loss.item<float>();
        }

        Assert.IsLessThan(first, last, "training on one batch lowers its loss");
        var trained = module.GetParameter("W1").detach();
        Assert.AreEqual(0f, trained[0].abs().sum().item<float>(), "the pruned filter stays zero");
        Assert.IsFalse(trained[1].equal(before[1]).all().item<bool>(), "kept filters train");
        Assert.AreNotEqual(0f, module.GetState("mean").abs().sum().item<float>(), "training mode moves the running mean");

        module.WriteBack(model);
        var written = OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "W1"));
        Assert.IsTrue(written.Take(9).All(v => v == 0f), "WriteBack writes the pruned filter as zeros");
        CollectionAssert.AreEqual(module.GetState("mean").data<float>().ToArray(),
            OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == "mean")), "WriteBack writes the running mean");
    }

    [TestMethod]
    public void FreezeNormalizationStatistics_TrainingForward_UsesAndKeepsTheRunningStatistics()
    {
        var nodes = new[] { Node("BatchNormalization", ["X", "gamma", "beta", "mean", "var"], ["Y"], "bn") };
        var initializers = new[]
        {
            OnnxTensor.FromFloats("gamma", [2f, 1f], [2]), OnnxTensor.FromFloats("beta", [0.5f, -1f], [2]),
            OnnxTensor.FromFloats("mean", [1f, -1f], [2]), OnnxTensor.FromFloats("var", [4f, 0.25f], [2]),
        };
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(BuildModel(9, nodes, initializers, ["X"], ["Y"]));
        var x = torch.randn([16, 2, 3, 3], generator: new torch.Generator(3));
        module.eval();
        var inference = module.forward(x).detach().clone();

        module.train();
        module.FreezeNormalizationStatistics = true;
        var frozen = module.forward(x).detach().clone();
        float[] meanAfterFrozen = module.GetState("mean").data<float>().ToArray();
        module.FreezeNormalizationStatistics = false;
        var batch = module.forward(x).detach();

        Assert.IsTrue(frozen.allclose(inference, rtol: 1e-6, atol: 1e-6), "frozen: the running statistics normalize, as in eval()");
        CollectionAssert.AreEqual(new[] { 1f, -1f }, meanAfterFrozen, "frozen: the running mean does not move");
        Assert.IsFalse(batch.allclose(inference, rtol: 1e-3, atol: 1e-3), "not frozen: batch statistics normalize");
        CollectionAssert.AreNotEqual(new[] { 1f, -1f }, module.GetState("mean").data<float>().ToArray(), "not frozen: the running mean moves");
    }
}
