using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Masks keep pruned weights at exactly zero through training, whatever the optimizer does.</summary>
[TestClass]
public sealed class OnnxTorchModuleMaskTests
{
    [TestMethod]
    public void Masks_AdamWithWeightDecayAfterMomentum_PrunedWeightsStayExactlyZero()
    {
        using var scope = NewDisposeScope();
        torch.random.manual_seed(5);
        using var module = new OnnxTorchModule(TestGraphs.Mlp(inputs: 6, hidden: 8, outputs: 3, seed: 2));
        using var adam = torch.optim.Adam(module.parameters(), lr: 0.05, weight_decay: 0.1);
        var x = torch.randn(16, 6);
        var y = torch.randint(0, 3, new long[] { 16 });

        // Momentum builds up before pruning: without ApplyMasks it would move pruned weights off zero.
        for (int step = 0; step < 3; step++) Step(module, adam, x, y);
        var mask1 = (torch.rand(8, 6) > 0.5f).to(ScalarType.Float32);
        var mask2 = (torch.rand(8, 3) > 0.3f).to(ScalarType.Float32);
        module.SetMask("W1", mask1);
        module.SetMask("W2", mask2);
        module.ApplyMasks();
        var keptBefore = module.GetParameter("W1").detach().clone();

        for (int step = 0; step < 5; step++)
        {
            Step(module, adam, x, y);
            AssertPrunedAreZero(module.GetParameter("W1"), mask1);
            AssertPrunedAreZero(module.GetParameter("W2"), mask2);
        }
        var kept = mask1.to(ScalarType.Bool);
        Assert.IsTrue(module.GetParameter("W1").detach().masked_select(kept).ne(keptBefore.masked_select(kept)).any().item<bool>(),
            "kept weights must still train");
    }

    [TestMethod]
    public void Masks_Backward_PrunedWeightsGetZeroGradient()
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(TestGraphs.Mlp(inputs: 4, hidden: 5, outputs: 3));
        var mask = torch.tensor(Enumerable.Range(0, 20).Select(i => i % 3 == 0 ? 0f : 1f).ToArray(), new long[] { 5, 4 });
        module.SetMask("W1", mask);
        torch.nn.functional.cross_entropy(module.forward(torch.randn(8, 4)), torch.zeros(8, ScalarType.Int64)).backward();
        var grad = module.GetParameter("W1").grad!;
        Assert.AreEqual(0f, grad.masked_select(mask.eq(0)).abs().sum().item<float>());
        Assert.AreNotEqual(0f, grad.masked_select(mask.eq(1)).abs().sum().item<float>());
    }

    [TestMethod]
    public void Masks_ForwardBeforeApplyMasks_UsesMaskedWeights()
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        var x = torch.randn(3, 4);
        module.SetMask("W1", torch.zeros(5, 4));
        // W1·mask = 0, so the hidden layer is relu(B1) whatever x is.
        var a = module.forward(x);
        var b = module.forward(torch.randn(3, 4));
        Assert.IsTrue(a.allclose(b));
        Assert.AreNotEqual(0f, module.GetParameter("W1").abs().sum().item<float>(), "SetMask alone leaves the weights as they are");
    }

    [TestMethod]
    public void ClearMask_AfterSetMask_WeightsTrainFreelyAndHasMaskIsFalse()
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        module.SetMask("W1", torch.zeros(5, 4));
        Assert.IsTrue(module.HasMask("W1"));
        Assert.AreEqual(1, module.buffers().Count(), "the mask is a buffer");
        module.ClearMask("W1");
        Assert.IsFalse(module.HasMask("W1"));
        Assert.AreEqual(0, module.buffers().Count());
        torch.nn.functional.cross_entropy(module.forward(torch.randn(8, 4)), torch.zeros(8, ScalarType.Int64)).backward();
        Assert.AreNotEqual(0f, module.GetParameter("W1").grad!.abs().sum().item<float>());
    }

    [TestMethod]
    public void SetMask_CallerDisposesMask_ModuleKeepsItsCopy()
    {
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        using (NewDisposeScope())
        {
            module.SetMask("W1", torch.zeros(5, 4));
        }
        module.ApplyMasks();
        using var scope = NewDisposeScope();
        Assert.AreEqual(0f, module.GetParameter("W1").abs().sum().item<float>());
    }

    [TestMethod]
    public void ApplyMasks_NegativePrunedWeights_BecomePositiveZero()
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(TestGraphs.Mlp(inputs: 4, hidden: 5));
        using (torch.no_grad()) module.GetParameter("W1").fill_(-0.5f);
        module.SetMask("W1", torch.zeros(5, 4));
        module.ApplyMasks();
        foreach (float v in module.GetParameter("W1").data<float>().ToArray())
            Assert.AreEqual(0, System.BitConverter.SingleToInt32Bits(v), "pruned weights must be +0, not -0");
    }

    private static void Step(OnnxTorchModule module, torch.optim.Optimizer optimizer, Tensor x, Tensor y)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        torch.nn.functional.cross_entropy(module.forward(x), y).backward();
        optimizer.step();
        module.ApplyMasks();
    }

    private static void AssertPrunedAreZero(Tensor weight, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var pruned = weight.detach().masked_select(mask.eq(0));
        Assert.IsTrue(pruned.numel() > 0);
        Assert.IsTrue(pruned.eq(0).all().item<bool>(), "a pruned weight moved off zero");
    }
}
