using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class MaskSelectorOverrideTests
{
    private static float[] Ramp(int n, float scale) => Enumerable.Range(1, n).Select(i => i * scale).ToArray();

    [TestMethod]
    public void SelectByMagnitude_LayerOverrideInLayerScope_UsesOwnSparsity()
    {
        var options = new MaskSelectionOptions { Sparsity = 0.5 };
        options.LayerSparsity["head"] = 0.1;

        var masks = MaskSelector.SelectByMagnitude([new LayerValues("body", Ramp(100, 1)), new LayerValues("head", Ramp(100, 1))], options);

        Assert.AreEqual(50, masks[0].PrunedCount);
        Assert.AreEqual(10, masks[1].PrunedCount);
    }

    [TestMethod]
    public void SelectByMagnitude_LayerOverrideInGlobalScope_IsLeftOutOfSharedBudget()
    {
        // "head" has the smallest weights; without the override global scope would prune it first.
        var options = new MaskSelectionOptions { Sparsity = 0.5, Scope = PruningScope.Global };
        options.LayerSparsity["head"] = 0.2;
        LayerValues[] layers = [new("a", Ramp(100, 1f)), new("head", Ramp(50, 0.001f)), new("b", Ramp(300, 10f))];

        var masks = MaskSelector.SelectByMagnitude(layers, options);

        Assert.AreEqual(10, masks[1].PrunedCount, "head prunes its own 20%.");
        Assert.AreEqual(200, masks[0].PrunedCount + masks[2].PrunedCount, "The other 400 weights share 50%.");
        bool[][] expected = SortReference.KeepByMagnitude([Ramp(100, 1f), Ramp(300, 10f)], 0.5);
        SortReference.AssertSame(expected[0], masks[0], "a");
        SortReference.AssertSame(expected[1], masks[2], "b");
        SortReference.AssertSame(SortReference.KeepByMagnitude([Ramp(50, 0.001f)], 0.2)[0], masks[1], "head");
    }

    [TestMethod]
    public void SelectByMagnitude_OverrideOfZero_KeepsLayerDense()
    {
        var options = new MaskSelectionOptions { Sparsity = 0.9, Scope = PruningScope.Global };
        options.LayerSparsity["classifier"] = 0;

        var masks = MaskSelector.SelectByMagnitude([new LayerValues("features", Ramp(100, 1)), new LayerValues("classifier", new float[10])], options);

        Assert.AreEqual(90, masks[0].PrunedCount);
        Assert.AreEqual(0, masks[1].PrunedCount);
    }

    [TestMethod]
    public void SelectByMagnitude_OverrideOfUnknownLayer_ThrowsArgumentExceptionNamingIt()
    {
        var options = new MaskSelectionOptions { Sparsity = 0.5 };
        options.LayerSparsity["fc9"] = 0.5;

        var e = Assert.ThrowsExactly<ArgumentException>(() => MaskSelector.SelectByMagnitude([new LayerValues("fc1", Ramp(4, 1))], options));

        StringAssert.Contains(e.Message, "fc9");
    }

    [TestMethod]
    public void SelectByMagnitude_OverrideInCaseInsensitiveDictionary_StillMatchesNamesExactly()
    {
        var options = new MaskSelectionOptions { Sparsity = 0.5, LayerSparsity = new Dictionary<string, double>(StringComparer.OrdinalIgnoreCase) { ["FC1"] = 0.25 } };

        var e = Assert.ThrowsExactly<ArgumentException>(() => MaskSelector.SelectByMagnitude([new LayerValues("fc1", Ramp(4, 1))], options));

        StringAssert.Contains(e.Message, "FC1");
    }
}
