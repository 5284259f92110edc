using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// N:M selection on one layer (<see cref="MaskSelector.SelectNM"/>): the tensor viewed as [outer, length, inner] around the
/// grouped axis; for every (outer, inner) position, the length is cut into groups of M consecutive entries, and each group
/// keeps its <c>kept</c> highest scores. Ties are broken as <see cref="MaskSelector"/> breaks them: of equal scores the
/// earlier index is pruned first, so every group keeps exactly <c>kept</c> whatever the scores (all zeros included).
/// </summary>
internal static class NMGroupSelection
{
    /// <summary>Groups up to this size rank each entry by counting (O(M) per entry); larger ones sort their indices.</summary>
    private const int CountingLimit = 32;

    /// <summary>Layers with at least this many values are processed in parallel over (outer, inner) runs.</summary>
    private const int ParallelThreshold = 1 << 20;

    /// <summary>Selects one layer's mask; <paramref name="kept"/> of every <paramref name="m"/> along <paramref name="axis"/> survive.</summary>
    /// <param name="name">The layer's name, for the mask and messages.</param>
    /// <param name="values">Scores (or weights, ranked by |w| when <paramref name="magnitude"/>), row-major over <paramref name="shape"/>.</param>
    /// <param name="magnitude">Rank by |value| instead of by value.</param>
    /// <param name="shape">The tensor's shape.</param>
    /// <param name="axis">The axis the groups run along.</param>
    /// <param name="kept">Entries kept per group, 0 ≤ kept ≤ m.</param>
    /// <param name="m">Entries per group, at least 1; must divide the axis.</param>
    public static PruningMask Select(string name, ReadOnlySpan<float> values, bool magnitude, IReadOnlyList<long> shape, int axis, int kept, int m)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("The layer has no name.", nameof(name));
        if (m < 1) throw new ArgumentOutOfRangeException(nameof(m), m, $"M must be at least 1; got {m}.");
        if (kept < 0 || kept > m) throw new ArgumentOutOfRangeException(nameof(kept), kept, $"N must be in [0, M = {m}]; got {kept}.");
        var (outer, length, inner) = NMPattern.Split(shape, axis);
        if (outer * length * inner != values.Length)
            throw new ArgumentException($"Layer '{name}' has {values.Length} values; its shape [{string.Join(", ", shape)}] holds {outer * length * inner}.", nameof(shape));
        if (length % m != 0)
            throw new ArgumentOutOfRangeException(nameof(m), m, $"M = {m} does not divide axis {axis} ({length}) of layer '{name}' [{string.Join(", ", shape)}].");
        Check(name, values, magnitude);

        var keep = new bool[values.Length];
        int prune = m - kept;
        if (prune == 0)
        {
            Array.Fill(keep, true);
            return new PruningMask(name, keep, 0);
        }
        // Copied once so that parallel runs read an array (a span cannot cross into the lambda).
        float[] scores = new float[values.Length];
        for (int i = 0; i < scores.Length; i++) scores[i] = magnitude ? Math.Abs(values[i]) : values[i];
        long runs = outer * inner;
        void Run(long run)
        {
            long o = run / inner, i = run % inner;
            long start = (o * length * inner) + i;
            Span<int> order = m <= CountingLimit ? stackalloc int[0] : new int[m];
            for (long g = 0; g < length / m; g++)
                SelectGroup(scores, keep, start + (g * m * inner), inner, m, prune, order);
        }
        if (values.Length >= ParallelThreshold && runs > 1)
            Parallel.For(0L, runs, Run);
        else
            for (long r = 0; r < runs; r++) Run(r);
        return new PruningMask(name, keep, (int)(values.Length / m * prune));
    }

    /// <summary>Keeps all but the <paramref name="prune"/> lowest of one group (entries first, first + stride, …).</summary>
    private static void SelectGroup(float[] scores, bool[] keep, long first, long stride, int m, int prune, Span<int> order)
    {
        if (m <= CountingLimit)
        {
            for (int t = 0; t < m; t++)
            {
                float s = scores[first + (t * stride)];
                int rank = 0;
                for (int u = 0; u < m; u++)
                {
                    float other = scores[first + (u * stride)];
                    if (other < s || (other == s && u < t)) rank++;
                }
                keep[first + (t * stride)] = rank >= prune;
            }
            return;
        }
        for (int t = 0; t < m; t++) order[t] = t;
        order.Sort((a, b) =>
        {
            int c = scores[first + (a * stride)].CompareTo(scores[first + (b * stride)]);
            return c != 0 ? c : a.CompareTo(b);
        });
        for (int r = 0; r < m; r++) keep[first + (order[r] * stride)] = r >= prune;
    }

    /// <summary>NaN anywhere, or a negative score: the message names the layer and the index, as <see cref="MaskSelector"/>'s do.</summary>
    private static void Check(string name, ReadOnlySpan<float> values, bool magnitude)
    {
        for (int i = 0; i < values.Length; i++)
        {
            float x = values[i];
            if (float.IsNaN(x))
                throw new InvalidDataException(magnitude
                    ? $"Layer '{name}' has a NaN weight at index {i}; NaN weights cannot be ranked for pruning."
                    : $"Layer '{name}' has a NaN importance score at index {i}; NaN scores cannot be ranked for pruning.");
            if (!magnitude && x < 0)
                throw new ArgumentException(
                    $"Layer '{name}' has a negative importance score at index {i}; scores must be non-negative (pass weights to {nameof(MaskSelector.SelectNMByMagnitude)} to rank by |w|).",
                    "scores");
        }
    }
}
