using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

/// <summary>
/// <see cref="MaskSelector.SelectNM"/>: exactly N kept in every group of M along the chosen axis, the N highest scores, ties by
/// index, every layout (groups contiguous, strided, with an inner kernel), bad N/M/shape; the iterative count; ADMM's projection.
/// </summary>
[TestClass]
public sealed class NMSelectionTests
{
    /// <summary>The keep flags a brute-force reference gives: per group, sort (score desc, index desc) and keep the first n.</summary>
    private static bool[] Reference(float[] scores, long[] shape, int axis, int n, int m)
    {
        long outer = shape.Take(axis).Aggregate(1L, (a, b) => a * b), length = shape[axis], inner = shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        var keep = new bool[scores.Length];
        for (long o = 0; o < outer; o++)
            for (long i = 0; i < inner; i++)
                for (long g = 0; g < length / m; g++)
                {
                    var members = Enumerable.Range(0, m).Select(t => (o * length + g * m + t) * inner + i).ToArray();
                    // The earlier of equal scores is pruned first, so among equals the later one is kept.
                    foreach (long index in members.OrderByDescending(x => scores[x]).ThenByDescending(x => x).Take(n)) keep[index] = true;
                }
        return keep;
    }

    [TestMethod]
    public void SelectNM_TwoOfFourAlongRows_KeepsTheTwoLargestOfEachGroup()
    {
        // [2, 8]: row 0 groups (3, 1, 4, 1) and (5, 9, 2, 6); row 1 groups (0.5, 0.25, 0.125, 1) and (8, 7, 6, 5).
        float[] scores = [3, 1, 4, 1, 5, 9, 2, 6, 0.5f, 0.25f, 0.125f, 1, 8, 7, 6, 5];

        var mask = MaskSelector.SelectNM(new LayerValues("fc", scores), [2, 8], axis: 1, n: 2, m: 4);

        CollectionAssert.AreEqual(new[] { true, false, true, false, false, true, false, true, true, false, false, true, true, true, false, false }, mask.Keep.ToArray());
        Assert.AreEqual(8, mask.PrunedCount);
        Assert.AreEqual(0.5, mask.Sparsity);
    }

    [TestMethod]
    public void SelectNM_AllScoresEqual_KeepsExactlyNPerGroup_TheLaterIndices()
    {
        var mask = MaskSelector.SelectNM(new LayerValues("fc", new float[12]), [1, 12], axis: 1, n: 1, m: 4);

        CollectionAssert.AreEqual(new[] { false, false, false, true, false, false, false, true, false, false, false, true }, mask.Keep.ToArray());
    }

    [TestMethod]
    public void SelectNM_GroupsAlongAxisZero_RunDownEachColumn()
    {
        // MatMul's [K = 4, N = 2]: the groups are the columns (0, 2, 4, 6) and (1, 3, 5, 7).
        float[] scores = [1, 8, 4, 7, 2, 6, 3, 5];

        var mask = MaskSelector.SelectNM(new LayerValues("mm", scores), [4, 2], axis: 0, n: 2, m: 4);

        CollectionAssert.AreEqual(new[] { false, true, true, true, false, false, true, false }, mask.Keep.ToArray());
    }

    [TestMethod]
    [DataRow(2, 4)]
    [DataRow(1, 4)]
    [DataRow(3, 4)]
    [DataRow(4, 8)]
    [DataRow(1, 2)]
    [DataRow(5, 40)] // large groups take the sorting path
    public void SelectNM_RandomConvWeights_MatchesReference_AndEveryGroupKeepsN(int n, int m)
    {
        var random = new Random(n * 100 + m);
        long[] shape = [6, 2 * m, 3, 3]; // Conv [M, C, kh, kw]: groups along the input channels, per filter and kernel position
        var weights = Enumerable.Range(0, (int)shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        // A few exact ties, so the index rule is exercised.
        for (int i = 0; i < weights.Length; i += 7) weights[i] = 0.25f;

        var mask = MaskSelector.SelectNMByMagnitude(new LayerValues("conv", weights), shape, axis: 1, n, m);

        var expected = Reference(weights.Select(Math.Abs).ToArray(), shape, 1, n, m);
        CollectionAssert.AreEqual(expected, mask.Keep.ToArray());
        Assert.AreEqual(weights.Length / m * (m - n), mask.PrunedCount);
        for (int f = 0; f < 6; f++)
            for (int g = 0; g < 2; g++)
                for (int k = 0; k < 9; k++)
                {
                    int kept = Enumerable.Range(g * m, m).Count(c => mask.IsKept((f * 2 * m + c) * 9 + k));
                    Assert.AreEqual(n, kept, $"filter {f}, group {g}, kernel position {k}");
                }
    }

    [TestMethod]
    public void SelectNM_LargeLayer_TakesTheParallelPath_AndMatchesReference()
    {
        var random = new Random(5);
        long[] shape = [1024, 1100]; // over a million scores, 1024 rows of groups
        var scores = Enumerable.Range(0, 1024 * 1100).Select(_ => (float)random.NextDouble()).ToArray();

        var mask = MaskSelector.SelectNM(new LayerValues("big", scores), shape, axis: 0, n: 3, m: 8);

        CollectionAssert.AreEqual(Reference(scores, shape, 0, 3, 8), mask.Keep.ToArray());
    }

    [TestMethod]
    public void SelectNM_MDoesNotDivideTheAxis_ThrowsNamingLayerAndAxis()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MaskSelector.SelectNM(new LayerValues("fc2", new float[12]), [2, 6], 1, 2, 4));
        StringAssert.Contains(ex.Message, "fc2");
        StringAssert.Contains(ex.Message, "axis 1 (6)");
    }

    [TestMethod]
    [DataRow(5, 4)]
    [DataRow(-1, 4)]
    [DataRow(1, 0)]
    public void SelectNM_NOrMOutOfRange_Throws(int n, int m)
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MaskSelector.SelectNM(new LayerValues("fc", new float[8]), [1, 8], 1, n, m));
    }

    [TestMethod]
    public void SelectNM_NaNScore_ThrowsNamingLayerAndIndex_NegativeScore_ThrowsArgumentException()
    {
        var nan = Assert.ThrowsExactly<InvalidDataException>(() => MaskSelector.SelectNM(new LayerValues("fc", new float[] { 1, 2, float.NaN, 3 }), [1, 4], 1, 2, 4));
        StringAssert.Contains(nan.Message, "'fc'");
        StringAssert.Contains(nan.Message, "index 2");
        var negative = Assert.ThrowsExactly<ArgumentException>(() => MaskSelector.SelectNM(new LayerValues("fc", new float[] { 1, -2, 0, 3 }), [1, 4], 1, 2, 4));
        StringAssert.Contains(negative.Message, "negative");
    }

    [TestMethod]
    public void SelectNM_ShapeThatDoesNotHoldTheScores_Throws()
    {
        Assert.ThrowsExactly<ArgumentException>(() => MaskSelector.SelectNM(new LayerValues("fc", new float[8]), [3, 4], 1, 2, 4));
    }

    [TestMethod]
    public void KeptAt_RampsFromMToN_WithoutEverGrowing()
    {
        var pattern = new NMPattern(2, 8);
        Assert.AreEqual(8, pattern.KeptAt(0));
        Assert.AreEqual(2, pattern.KeptAt(1));
        int last = 8;
        for (double f = 0; f <= 1; f += 0.01)
        {
            int kept = pattern.KeptAt(f);
            Assert.IsLessThanOrEqualTo(last, kept, $"fraction {f}");
            Assert.IsGreaterThanOrEqualTo(2, kept);
            last = kept;
        }
        Assert.AreEqual(0.75, pattern.Sparsity);
    }

    [TestMethod]
    public void AdmmProjection_NMPattern_KeepsTheNLargestMagnitudesOfEachGroup()
    {
        var weights = new[]
        {
            new PrunableWeight("fc1.weight", [4, 8], "fc1", "Gemm", 0, 1, PrunableWeightRole.GemmWeight, 0, 32),
            new PrunableWeight("mm.weight", [8, 3], "mm", "MatMul", 1, 1, PrunableWeightRole.MatMulWeight, 1, 24),
        };
        var random = new Random(3);
        var values = weights.Select(w => Enumerable.Range(0, (int)w.ParameterCount).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()).ToArray();
        var settings = AdmmSettings.ForPattern(weights, 2, 4);

        var support = AdmmProjection.Support([new LayerValues("fc1.weight", values[0]), new LayerValues("mm.weight", values[1])], [[4, 8], [8, 3]], settings);

        CollectionAssert.AreEqual(Reference(values[0].Select(Math.Abs).ToArray(), [4, 8], 1, 2, 4), support[0].Keep.ToArray(), "Gemm [N, K]: along each row");
        CollectionAssert.AreEqual(Reference(values[1].Select(Math.Abs).ToArray(), [8, 3], 0, 2, 4), support[1].Keep.ToArray(), "MatMul [K, N]: down each column");
        Assert.AreEqual(16, settings.Layers[0].Kept);
        Assert.AreEqual(12, settings.Layers[1].Kept);
    }

    [TestMethod]
    public void AdmmSettings_NMWithGlobalScope_OrPatternNotBelowM_IsRefused()
    {
        var weights = new[] { new PrunableWeight("fc1.weight", [4, 8], "fc1", "Gemm", 0, 1, PrunableWeightRole.GemmWeight, 0, 32) };
        var global = AdmmSettings.ForPattern(weights, 2, 4) with { Scope = PruningScope.Global, Layers = [new AdmmLayer("fc1.weight")], KeptTotal = 16 };
        Assert.ThrowsExactly<ArgumentException>(() => global.Validate("test"));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => AdmmSettings.ForPattern(weights, 4, 4));
        StringAssert.Contains(ex.Message, "PatternN");
        var indivisible = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => AdmmSettings.ForPattern(weights, 1, 3));
        StringAssert.Contains(indivisible.Message, "fc1.weight");
    }
}
