using System;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class MaskSelectorTieTests
{
    [TestMethod]
    public void SelectByMagnitude_AllEqualWeights_PrunesExactCountInIndexOrder()
    {
        float[] weights = Enumerable.Repeat(0.25f, 10).ToArray();

        var mask = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.3)[0];

        Assert.AreEqual(3, mask.PrunedCount);
        CollectionAssert.AreEqual(new[] { false, false, false, true, true, true, true, true, true, true }, mask.Keep.ToArray());
    }

    [TestMethod]
    public void SelectByMagnitude_AllZeros_PrunesExactCount()
    {
        foreach (int n in new[] { 1, 2, 7, 100, 4097 })
        {
            foreach (double s in new[] { 0.1, 0.5, 0.9 })
            {
                var mask = MaskSelector.SelectByMagnitude([new LayerValues("zeros", new float[n])], s)[0];
                Assert.AreEqual(MaskSelector.TargetPrunedCount(n, s), mask.PrunedCount, $"n={n}, s={s}");
            }
        }
    }

    [TestMethod]
    public void SelectByMagnitude_OppositeSignsOfEqualMagnitude_AreTiesBrokenByIndex()
    {
        float[] weights = [-1f, 1f, -1f, 1f, 2f, 0f];

        var mask = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.5)[0];

        // 0 first, then the first two of the four |w| = 1.
        CollectionAssert.AreEqual(new[] { false, false, true, true, true, false }, mask.Keep.ToArray());
    }

    [TestMethod]
    public void SelectByMagnitude_GlobalTiesAcrossLayers_BrokenByLayerOrder()
    {
        float[] first = Enumerable.Repeat(1f, 4).ToArray();
        float[] second = Enumerable.Repeat(1f, 4).ToArray();

        var masks = MaskSelector.SelectByMagnitude([new LayerValues("first", first), new LayerValues("second", second)], 0.75, PruningScope.Global);

        Assert.AreEqual(4, masks[0].PrunedCount);
        Assert.AreEqual(2, masks[1].PrunedCount);
        CollectionAssert.AreEqual(new[] { false, false, true, true }, masks[1].Keep.ToArray());
    }

    [TestMethod]
    public void SelectByMagnitude_SameInputTwice_GivesSameMask()
    {
        float[] weights = Enumerable.Range(0, 3000).Select(i => (float)(i % 7)).ToArray();

        var a = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.55)[0];
        var b = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.55)[0];

        CollectionAssert.AreEqual(a.Keep.ToArray(), b.Keep.ToArray());
    }

    [TestMethod]
    public void Select_NegativeZeroScore_TiesWithZero()
    {
        float[] scores = [0f, -0f, 0f, 1f];

        var mask = MaskSelector.Select([new LayerValues("s", scores)], 0.5)[0];

        CollectionAssert.AreEqual(new[] { false, false, true, true }, mask.Keep.ToArray());
    }
}
