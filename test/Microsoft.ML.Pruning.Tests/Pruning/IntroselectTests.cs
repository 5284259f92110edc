using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class IntroselectTests
{
    private const int AdversarialSize = 1_000_000;

    /// <summary>Comparisons per value that count as linear work: sorting a million values takes about 20.</summary>
    private const double LinearComparisons = 4.0;

    [TestMethod]
    public void Select_RandomInputs_MatchesSortedOrder()
    {
        var random = new Random(42);
        for (int trial = 0; trial < 2000; trial++)
        {
            int n = random.Next(1, 2000);
            float[] values = Array.ConvertAll(SortReference.RandomWeights(random, n), Math.Abs);
            float[] sorted = (float[])values.Clone();
            Array.Sort(sorted);
            int k = random.Next(n);

            Assert.AreEqual(sorted[k], Introselect.Select(values, k), $"trial {trial}, n={n}, k={k}");
        }
    }

    [TestMethod]
    public void Select_FallbackForcedFromStart_MatchesSortedOrder()
    {
        var random = new Random(8);
        for (int trial = 0; trial < 200; trial++)
        {
            int n = random.Next(1, 5000);
            float[] values = SortReference.RandomWeights(random, n);
            float[] sorted = (float[])values.Clone();
            Array.Sort(sorted);
            int k = random.Next(n);

            Assert.AreEqual(sorted[k], Introselect.QuickSelect(values, k, badPartitionLimit: 0), $"trial {trial}");
        }
    }

    [TestMethod]
    public void QuickSelect_SelectedIndex_PartitionsTheSpan()
    {
        var random = new Random(9);
        float[] values = Array.ConvertAll(SortReference.RandomWeights(random, 100_000), Math.Abs);
        const int k = 60_000;

        float kth = Introselect.QuickSelect(values, k, Introselect.BadPartitionLimit(values.Length));

        Assert.AreEqual(kth, values[k]);
        for (int i = 0; i < k; i++)
            Assert.IsTrue(values[i] <= kth, $"index {i}");
        for (int i = k + 1; i < values.Length; i++)
            Assert.IsTrue(values[i] >= kth, $"index {i}");
    }

    [TestMethod]
    [DataRow("sorted")]
    [DataRow("reversed")]
    [DataRow("all-equal")]
    [DataRow("organ-pipe")]
    [DataRow("sawtooth")]
    [DataRow("two-values")]
    [DataRow("median-of-3-killer")]
    public void Select_AdversarialMillion_MatchesSortedOrderInLinearWork(string shape)
    {
        float[] values = Adversarial(shape, AdversarialSize);
        float[] sorted = (float[])values.Clone();
        Array.Sort(sorted);

        foreach (int k in new[] { 0, AdversarialSize / 10, AdversarialSize / 2, AdversarialSize - 1 })
        {
            // Both the sampled entry point and the guarded quickselect on its own (which the sampling can bypass).
            foreach (bool sampled in new[] { true, false })
            {
                float[] work = (float[])values.Clone();
                var order = new CountingOrder();
                float kth = sampled
                    ? Introselect.Select(work, k, order)
                    : Introselect.QuickSelect(work, k, Introselect.BadPartitionLimit(work.Length), order);

                // Work is counted, not timed: these shapes take at most ~3.2 comparisons per value (sorting would
                // take ~20), plus, when sampled, two plain passes over the span that the order does not see.
                Assert.AreEqual(sorted[k], kth, $"{shape}, k={k}, sampled={sampled}");
                Assert.IsLessThanOrEqualTo(LinearComparisons * AdversarialSize, order.Comparisons,
                    $"{shape}, k={k}, sampled={sampled}: {order.Comparisons} comparisons for {AdversarialSize} values");
            }
        }
    }

    [TestMethod]
    public void QuickSelect_RandomInputs_ComparisonsPerValueDoNotGrowWithSize()
    {
        // Quickselect is linear on average: comparisons per value level off as n grows a hundredfold, where a
        // sort's would grow by log2(100) ≈ 6.6.
        var random = new Random(3);
        var perValue = new double[3];
        int[] sizes = [10_000, 100_000, 1_000_000];
        for (int s = 0; s < sizes.Length; s++)
        {
            int n = sizes[s];
            const int trials = 10;
            for (int trial = 0; trial < trials; trial++)
            {
                float[] values = Array.ConvertAll(SortReference.RandomWeights(random, n), Math.Abs);
                var order = new CountingOrder();
                Introselect.QuickSelect(values, random.Next(n), Introselect.BadPartitionLimit(n), order);
                perValue[s] += order.Comparisons / (double)n / trials;
            }
            Assert.IsLessThanOrEqualTo(LinearComparisons, perValue[s], $"n={n}: {perValue[s]:F2} comparisons per value on average");
        }
        Assert.IsLessThan(1.0, perValue[^1] - perValue[0], $"comparisons per value: {string.Join(", ", perValue)}");
    }

    [TestMethod]
    public void Select_LargeInputsOfManyKinds_MatchesSortedOrder()
    {
        var random = new Random(77);
        for (int trial = 0; trial < 40; trial++)
        {
            int n = random.Next(Introselect.SamplingRange, 4 * Introselect.SamplingRange);
            float[] values = Array.ConvertAll(SortReference.RandomWeights(random, n), Math.Abs);
            float[] sorted = (float[])values.Clone();
            Array.Sort(sorted);

            foreach (int k in new[] { 0, random.Next(n), n / 2, n - 1 })
                Assert.AreEqual(sorted[k], Introselect.Select((float[])values.Clone(), k), $"trial {trial}, n={n}, k={k}");
        }
    }

    [TestMethod]
    public void Select_InputThatFoolsTheSample_StillMatchesSortedOrder()
    {
        // Every sampled position holds 0 and everything else is larger, so the bracket taken from the sample
        // misses the k-th value and the search must fall back to the whole span.
        int n = 200_000;
        int stride = n / Introselect.SampleSize(n);
        var values = new float[n];
        for (int i = 0; i < n; i++)
            values[i] = i % stride == stride / 2 ? 0f : 1f + i;
        float[] sorted = (float[])values.Clone();
        Array.Sort(sorted);

        foreach (int k in new[] { n / 3, n / 2, n - 1 })
            Assert.AreEqual(sorted[k], Introselect.Select((float[])values.Clone(), k), $"k={k}");
    }

    [TestMethod]
    public void Select_MostlyTiedLargeInput_ReturnsTiedValue()
    {
        var values = new float[100_000];
        Array.Fill(values, 3f);
        for (int i = 0; i < 1000; i++)
            values[i * 100] = i;

        float[] sorted = (float[])values.Clone();
        Array.Sort(sorted);

        foreach (int k in new[] { 0, 500, 50_000, 99_999 })
            Assert.AreEqual(sorted[k], Introselect.Select((float[])values.Clone(), k), $"k={k}");
    }

    [TestMethod]
    public void SelectByMagnitude_AdversarialMillion_PrunesExactlyTheSmallest()
    {
        // The selection's work is the introselect counted above on these same values (they are non-negative, so
        // |w| = w) plus a fixed number of plain passes over the weights.
        foreach (string shape in new[] { "sorted", "all-equal", "organ-pipe" })
        {
            float[] weights = Adversarial(shape, AdversarialSize);
            var mask = MaskSelector.SelectByMagnitude([new LayerValues(shape, weights)], 0.5)[0];

            Assert.AreEqual(AdversarialSize / 2, mask.PrunedCount, shape);
            float largestPruned = float.NegativeInfinity, smallestKept = float.PositiveInfinity;
            for (int i = 0; i < weights.Length; i++)
            {
                if (mask.Keep[i]) smallestKept = Math.Min(smallestKept, weights[i]);
                else largestPruned = Math.Max(largestPruned, weights[i]);
            }
            Assert.IsLessThanOrEqualTo(smallestKept, largestPruned, shape);
        }
    }

    [TestMethod]
    public void Select_IndexOutOfRange_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Introselect.Select(new float[3], 3));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Introselect.Select(Span<float>.Empty, 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => Introselect.QuickSelect(new float[3], -1, 1));
    }

    private static float[] Adversarial(string shape, int n)
    {
        var v = new float[n];
        switch (shape)
        {
            case "sorted":
                for (int i = 0; i < n; i++) v[i] = i;
                break;
            case "reversed":
                for (int i = 0; i < n; i++) v[i] = n - i;
                break;
            case "all-equal":
                Array.Fill(v, 0.5f);
                break;
            case "organ-pipe":
                for (int i = 0; i < n; i++) v[i] = Math.Min(i, n - 1 - i);
                break;
            case "sawtooth":
                for (int i = 0; i < n; i++) v[i] = i % 1000;
                break;
            case "two-values":
                for (int i = 0; i < n; i++) v[i] = i % 2;
                break;
            case "median-of-3-killer":
                // Musser's sequence that defeats median-of-3 quicksort.
                int half = n / 2;
                for (int i = 0; i < half; i++)
                {
                    v[i] = (i & 1) == 0 ? i + 1 : half + i + (half & 1);
                    v[half + i] = 2 * (i + 1);
                }
                break;
            default:
                throw new ArgumentException(shape);
        }
        return v;
    }
}
