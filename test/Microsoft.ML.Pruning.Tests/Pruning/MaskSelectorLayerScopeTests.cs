using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class MaskSelectorLayerScopeTests
{
    [TestMethod]
    public void SelectByMagnitude_LayerScope_PrunesSmallestMagnitudes()
    {
        float[] weights = [0.5f, -0.1f, 0.3f, -0.9f, 0.05f, 0f];

        var mask = MaskSelector.SelectByMagnitude([new LayerValues("fc", weights)], 0.5)[0];

        CollectionAssert.AreEqual(new[] { true, false, true, true, false, false }, mask.Keep.ToArray());
        Assert.AreEqual(3, mask.PrunedCount);
        Assert.AreEqual(0.5, mask.Sparsity);
    }

    [TestMethod]
    public void SelectByMagnitude_LayerScope_EveryLayerHitsItsOwnCount()
    {
        var random = new Random(7);
        float[] small = SortReference.RandomWeights(random, 10);
        float[] large = Array.ConvertAll(SortReference.RandomWeights(random, 1000), w => w * 100);

        var masks = MaskSelector.SelectByMagnitude([new LayerValues("small", small), new LayerValues("large", large)], 0.3, PruningScope.Layer);

        Assert.AreEqual(3, masks[0].PrunedCount);
        Assert.AreEqual(300, masks[1].PrunedCount);
        Assert.AreEqual("small", masks[0].Name);
        Assert.AreEqual("large", masks[1].Name);
    }

    [TestMethod]
    public void SelectByMagnitude_ManySizesAndSparsities_PrunesExactlyRoundedCount()
    {
        double[] sparsities = [0.0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999];
        var random = new Random(11);
        for (int n = 1; n <= 1000; n++)
        {
            float[] weights = SortReference.RandomWeights(random, n);
            foreach (double s in sparsities)
            {
                var mask = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], s)[0];
                long expected = (long)Math.Round(s * n, MidpointRounding.ToEven);
                Assert.AreEqual(expected, mask.PrunedCount, $"n={n}, s={s}");
            }
        }
    }

    [TestMethod]
    public void SelectByMagnitude_RandomInputs_MatchesSortReference()
    {
        var random = new Random(12345);
        for (int trial = 0; trial < 1000; trial++)
        {
            int n = random.Next(1, 1001);
            double s = random.NextDouble() * 0.999;
            float[] weights = SortReference.RandomWeights(random, n);

            var mask = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], s)[0];

            SortReference.AssertSame(SortReference.KeepByMagnitude([weights], s)[0], mask, $"trial {trial}, n={n}, s={s}");
        }
    }

    [TestMethod]
    public void Select_RandomScores_MatchesSortReference()
    {
        var random = new Random(99);
        for (int trial = 0; trial < 300; trial++)
        {
            int layers = random.Next(1, 5);
            var scores = new float[layers][];
            var input = new LayerValues[layers];
            for (int l = 0; l < layers; l++)
            {
                scores[l] = Array.ConvertAll(SortReference.RandomWeights(random, random.Next(0, 300)), Math.Abs);
                input[l] = new LayerValues($"layer{l}", scores[l]);
            }
            double s = random.NextDouble() * 0.999;

            var masks = MaskSelector.Select(input, s, PruningScope.Layer);

            for (int l = 0; l < layers; l++)
                SortReference.AssertSame(SortReference.Keep([scores[l]], s)[0], masks[l], $"trial {trial}, layer {l}");
        }
    }

    [TestMethod]
    public void SelectByMagnitude_AnyInput_LeavesInputUnchanged()
    {
        float[] weights = SortReference.RandomWeights(new Random(3), 5000);
        float[] before = (float[])weights.Clone();

        MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.7);

        CollectionAssert.AreEqual(before, weights);
    }

    [TestMethod]
    public void SelectByMagnitude_EmptyLayer_ReturnsEmptyMask()
    {
        var masks = MaskSelector.SelectByMagnitude([new LayerValues("empty", Array.Empty<float>()), new LayerValues("w", new float[] { 1, 2 })], 0.5);

        Assert.AreEqual(0, masks[0].Length);
        Assert.AreEqual(0.0, masks[0].Sparsity);
        Assert.AreEqual(1, masks[1].PrunedCount);
    }

    [TestMethod]
    public void SelectByMagnitude_InfiniteWeight_IsKeptLast()
    {
        float[] weights = [float.NegativeInfinity, 1f, float.PositiveInfinity, 2f];

        var mask = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.75)[0];

        CollectionAssert.AreEqual(new[] { false, false, true, false }, mask.Keep.ToArray());
    }
}
