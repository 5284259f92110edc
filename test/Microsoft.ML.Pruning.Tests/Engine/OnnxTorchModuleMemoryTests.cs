using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Dispose-scope discipline: only the outputs reach the caller's scope, inputs are never disposed.</summary>
[TestClass]
public sealed class OnnxTorchModuleMemoryTests
{
    [TestMethod]
    public void Forward_InsideCallerScope_OnlyOutputsEnterIt()
    {
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        using var input = torch.randn(8, 4);
        using var scope = NewDisposeScope();
        var output = module.forward(input);
        Assert.AreEqual(1, scope.DisposablesCount, "intermediates and masked weights must be freed inside the engine");
        Assert.IsTrue(scope.Contains(output));

        module.SetMask("W1", torch.ones(5, 4).DetachFromDisposeScope());
        using var inner = NewDisposeScope();
        var outputs = module.Forward(new Dictionary<string, Tensor> { ["X"] = input });
        Assert.AreEqual(1, inner.DisposablesCount);
        Assert.IsTrue(inner.Contains(outputs["Y"]));
    }

    [TestMethod]
    public void Forward_OutputIsInputOrParameter_ReturnsFreshAliasAndKeepsInput()
    {
        // Y is the graph input itself, W an initializer output directly: both must come back as new handles.
        var model = BuildModel(13, [Node("Identity", ["X"], ["Z"])], [Floats("W", [2], 1)], ["X"], ["X", "W", "Z"]);
        using var module = new OnnxTorchModule(model);
        using var input = torch.ones(3);
        Dictionary<string, Tensor> outputs;
        using (NewDisposeScope())
        {
            outputs = module.Forward(new Dictionary<string, Tensor> { ["X"] = input });
        }
        Assert.IsFalse(input.IsInvalid, "the caller's input must not be disposed");
        Assert.IsTrue(outputs["X"].IsInvalid, "returned aliases belong to the caller's scope");
        Assert.IsFalse(module.GetParameter("W").IsInvalid, "parameters must survive their aliases");
        Assert.AreEqual(3f, input.sum().item<float>());
    }

    [TestMethod]
    public void Forward_WithoutCallerScope_OutputsAreOwnedByCaller()
    {
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        using var input = torch.randn(2, 4);
        using var output = module.forward(input);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.AreEqual(2.0f, output.sum().item<float>(), 1e-5f, "softmax rows sum to one");
    }

    [TestMethod]
    public void Forward_ManyCalls_DoNotAccumulateTensorsInScope()
    {
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        using var input = torch.randn(4, 4);
        using var scope = NewDisposeScope();
        for (int i = 0; i < 20; i++) module.forward(input).Dispose();
        Assert.AreEqual(0, scope.DisposablesCount);
    }
}
