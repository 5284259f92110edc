using System;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class MaskSelectorGlobalScopeTests
{
    [TestMethod]
    public void SelectByMagnitude_GlobalScope_HitsTargetSparsityAcrossLayers()
    {
        float[] quiet = Enumerable.Range(1, 100).Select(i => i * 0.001f).ToArray();   // all below 0.1
        float[] loud = Enumerable.Range(1, 100).Select(i => 1f + i).ToArray();        // all above 1

        var masks = MaskSelector.SelectByMagnitude([new LayerValues("quiet", quiet), new LayerValues("loud", loud)], 0.5, PruningScope.Global);

        Assert.AreEqual(100, masks[0].PrunedCount, "The quiet layer holds the 100 smallest weights.");
        Assert.AreEqual(0, masks[1].PrunedCount);
        Assert.AreEqual(100, masks.Sum(m => m.PrunedCount));
    }

    [TestMethod]
    public void SelectByMagnitude_GlobalAndLayerScope_DifferOnUnevenLayers()
    {
        float[] quiet = [0.1f, 0.2f, 0.3f, 0.4f];
        float[] loud = [10f, 20f, 30f, 40f];
        LayerValues[] layers = [new("quiet", quiet), new("loud", loud)];

        var perLayer = MaskSelector.SelectByMagnitude(layers, 0.5, PruningScope.Layer);
        var global = MaskSelector.SelectByMagnitude(layers, 0.5, PruningScope.Global);

        CollectionAssert.AreEqual(new[] { 2, 2 }, perLayer.Select(m => m.PrunedCount).ToArray());
        CollectionAssert.AreEqual(new[] { 4, 0 }, global.Select(m => m.PrunedCount).ToArray());
    }

    [TestMethod]
    public void SelectByMagnitude_GlobalScopeRandomLayers_MatchesSortReference()
    {
        var random = new Random(2024);
        for (int trial = 0; trial < 300; trial++)
        {
            int count = random.Next(1, 6);
            var weights = new float[count][];
            var layers = new LayerValues[count];
            for (int l = 0; l < count; l++)
            {
                weights[l] = SortReference.RandomWeights(random, random.Next(0, 400));
                layers[l] = new LayerValues($"layer{l}", weights[l]);
            }
            double s = random.NextDouble() * 0.999;

            var masks = MaskSelector.SelectByMagnitude(layers, s, PruningScope.Global);

            bool[][] expected = SortReference.KeepByMagnitude(weights, s);
            for (int l = 0; l < count; l++)
                SortReference.AssertSame(expected[l], masks[l], $"trial {trial}, layer {l}, s={s}");
            long total = weights.Sum(w => (long)w.Length);
            Assert.AreEqual(MaskSelector.TargetPrunedCount(total, s), masks.Sum(m => (long)m.PrunedCount), $"trial {trial}");
        }
    }

    [TestMethod]
    public void SelectByMagnitude_GlobalScopeLargeTiedLayers_MatchesSortReference()
    {
        // Big enough for the chunked, parallel path; few distinct values so ties straddle chunks and layers.
        var random = new Random(5);
        float[][] weights = [new float[1_300_000], new float[700_000], new float[600_001]];
        foreach (float[] w in weights)
        {
            for (int i = 0; i < w.Length; i++)
                w[i] = random.Next(-20, 21) * 0.5f;
        }
        LayerValues[] layers = [new("a", weights[0]), new("b", weights[1]), new("c", weights[2])];

        var masks = MaskSelector.SelectByMagnitude(layers, 0.37, PruningScope.Global);

        bool[][] expected = SortReference.KeepByMagnitude(weights, 0.37);
        for (int l = 0; l < layers.Length; l++)
            SortReference.AssertSame(expected[l], masks[l], $"layer {l}");
    }
}
