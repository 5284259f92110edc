using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

/// <summary>ADMM's projection onto "at most k non-zeros": exact counts per layer, globally and by whole units.</summary>
[TestClass]
public sealed class AdmmProjectionTests
{
    private static float[] Random(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
    }

    private static int[] KeptIndices(PruningMask mask) => Enumerable.Range(0, mask.Length).Where(mask.IsKept).ToArray();

    [TestMethod]
    public void Support_LayerScope_KeepsExactlyTheKLargestMagnitudesOfEachLayer()
    {
        float[] a = Random(60, 1), b = Random(35, 2);
        var settings = new AdmmSettings { Layers = [new AdmmLayer("a", Kept: 7), new AdmmLayer("b", Kept: 20)] };

        var support = AdmmProjection.Support([new LayerValues("a", a), new LayerValues("b", b)], [[6, 10], [35]], settings);

        Assert.HasCount(2, support);
        foreach (var (mask, values, k) in new[] { (support[0], a, 7), (support[1], b, 20) })
        {
            Assert.AreEqual(k, mask.KeptCount);
            var expected = Enumerable.Range(0, values.Length).OrderByDescending(i => Math.Abs(values[i])).Take(k).Order().ToArray();
            CollectionAssert.AreEqual(expected, KeptIndices(mask));
        }
    }

    [TestMethod]
    public void Support_EqualValues_KeepsExactCountDroppingEarlierIndicesFirst()
    {
        float[] values = [0.5f, -0.5f, 0.5f, 0.5f, -0.5f, 0.5f];
        var settings = new AdmmSettings { Layers = [new AdmmLayer("w", Kept: 4)] };

        var mask = AdmmProjection.Support([new LayerValues("w", values)], [[6]], settings)[0];

        CollectionAssert.AreEqual(new[] { 2, 3, 4, 5 }, KeptIndices(mask));
    }

    [TestMethod]
    public void Support_GlobalScope_KeepsKInTotalAboveOneThreshold()
    {
        float[] small = Random(50, 3).Select(v => v * 0.1f).ToArray(), large = Random(40, 4);
        var settings = new AdmmSettings { Scope = PruningScope.Global, KeptTotal = 30, Layers = [new AdmmLayer("small"), new AdmmLayer("large")] };

        var support = AdmmProjection.Support([new LayerValues("small", small), new LayerValues("large", large)], [[50], [40]], settings);

        Assert.AreEqual(30, support.Sum(m => m.KeptCount));
        var kept = KeptIndices(support[0]).Select(i => Math.Abs(small[i])).Concat(KeptIndices(support[1]).Select(i => Math.Abs(large[i]))).ToArray();
        var dropped = Enumerable.Range(0, 50).Where(i => !support[0].IsKept(i)).Select(i => Math.Abs(small[i]))
            .Concat(Enumerable.Range(0, 40).Where(i => !support[1].IsKept(i)).Select(i => Math.Abs(large[i]))).ToArray();
        Assert.IsGreaterThanOrEqualTo(dropped.Max(), kept.Min(), "one threshold over both layers");
        Assert.IsLessThan(30.0 * 50 / 90, support[0].KeptCount, "the layer of small values keeps less than its share of the budget");
    }

    [TestMethod]
    public void Support_NeuronGranularity_KeepsWholeUnitsOfLargestL2NormAlongEachLayersAxis()
    {
        // Rows of [4, 3] (Gemm transB = 1) with norms² 1, 9, 4, 0.25; columns of [3, 4] (MatMul) with norms² 0.01, 16, 1, 4.
        float[] rows = [1, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0.5f];
        float[] columns = [0.1f, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2];
        var settings = new AdmmSettings
        {
            Granularity = PruningGranularity.Neuron,
            Layers = [new AdmmLayer("gemm", Kept: 2, UnitAxis: 0), new AdmmLayer("matmul", Kept: 3, UnitAxis: 1)],
        };

        var support = AdmmProjection.Support([new LayerValues("gemm", rows), new LayerValues("matmul", columns)], [[4, 3], [3, 4]], settings);

        CollectionAssert.AreEqual(new[] { 3, 4, 5, 6, 7, 8 }, KeptIndices(support[0]), "rows 1 and 2, every weight of each");
        bool[] keptColumns = [false, true, true, true];
        CollectionAssert.AreEqual(Enumerable.Range(0, 12).Where(i => keptColumns[i % 4]).ToArray(), KeptIndices(support[1]), "columns 1, 2, 3");
        Assert.AreEqual(6, support[0].KeptCount);
        Assert.AreEqual(9, support[1].KeptCount);
    }

    [TestMethod]
    public void Support_ChannelGranularityGlobal_KeepsKUnitsInTotal()
    {
        // Conv weights [out, in, kh, kw]: units on axis 0, each unit a block of in·kh·kw weights.
        float[] a = Random(4 * 2 * 3 * 3, 5), b = Random(6 * 2 * 3 * 3, 6).Select(v => v * 3).ToArray();
        var settings = new AdmmSettings { Granularity = PruningGranularity.Channel, Scope = PruningScope.Global, KeptTotal = 5, Layers = [new AdmmLayer("a"), new AdmmLayer("b")] };

        var support = AdmmProjection.Support([new LayerValues("a", a), new LayerValues("b", b)], [[4, 2, 3, 3], [6, 2, 3, 3]], settings);

        Assert.AreEqual(5 * 18, support[0].KeptCount + support[1].KeptCount);
        foreach (var mask in support)
            for (int u = 0; u < mask.Length / 18; u++)
            {
                int kept = Enumerable.Range(u * 18, 18).Count(mask.IsKept);
                Assert.IsTrue(kept is 0 or 18, $"unit {u} of '{mask.Name}' is kept or dropped whole");
            }
    }

    [TestMethod]
    public void Support_KeptZero_DropsEverything()
    {
        var settings = new AdmmSettings { Layers = [new AdmmLayer("w", Kept: 0), new AdmmLayer("v", Kept: 3)] };

        var support = AdmmProjection.Support([new LayerValues("w", Random(10, 7)), new LayerValues("v", Random(5, 8))], [[10], [5]], settings);

        Assert.AreEqual(0, support[0].KeptCount);
        Assert.AreEqual(3, support[1].KeptCount);
    }

    [TestMethod]
    public void Support_KeptAboveTheLayersSize_ThrowsNamingTheLayersKept()
    {
        var settings = new AdmmSettings { Layers = [new AdmmLayer("fc1.weight", Kept: 11)] };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => AdmmProjection.Support([new LayerValues("fc1.weight", Random(10, 9))], [[2, 5]], settings));

        Assert.AreEqual("Layers['fc1.weight'].Kept", e.ParamName);
    }

    [TestMethod]
    public void Support_KeptTotalAboveAllWeights_ThrowsNamingKeptTotal()
    {
        var settings = new AdmmSettings { Scope = PruningScope.Global, KeptTotal = 16, Layers = [new AdmmLayer("a"), new AdmmLayer("b")] };

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            AdmmProjection.Support([new LayerValues("a", Random(10, 1)), new LayerValues("b", Random(5, 2))], [[10], [5]], settings));

        Assert.AreEqual(nameof(AdmmSettings.KeptTotal), e.ParamName);
    }

    [TestMethod]
    public void Support_ValuesOutOfSettingsOrder_Throws()
    {
        var settings = new AdmmSettings { Layers = [new AdmmLayer("a", Kept: 1), new AdmmLayer("b", Kept: 1)] };

        Assert.ThrowsExactly<ArgumentException>(() =>
            AdmmProjection.Support([new LayerValues("b", Random(5, 1)), new LayerValues("a", Random(5, 2))], [[5], [5]], settings));
    }
}
