using System;
using System.Buffers;
using System.Collections.Generic;
using System.Numerics;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// Finds the k-th smallest of a span of floats in average O(n) without sorting it.
/// </summary>
/// <remarks>
/// <para>
/// Large spans are first narrowed Floyd–Rivest style: two values bracketing the k-th are picked from an
/// evenly strided sample, one vectorized read-only pass counts what lies below and between them, and only
/// the values between them (typically ~2% of the span) are compacted and searched further. If the sample
/// misled us (k-th value outside the bracket) the pass was read-only, so nothing is lost: the span is searched
/// as a whole.
/// </para>
/// <para>
/// The search itself is quickselect with a Hoare partition around a median-of-3 (or, on large ranges,
/// Tukey's ninther) pivot. Equal values stop both partition scans, so runs of equal values split down the
/// middle instead of degenerating. The guard counts bad partitions, steps that keep more than 7/8 of the
/// current range: good steps shrink the range geometrically and together cost at most 8n; once the bad
/// steps exceed log2(n), the remaining range is sorted with <see cref="MemoryExtensions.Sort{T}(Span{T})"/>
/// (introsort, O(m log m)). The worst case is thus O(n log n), never quadratic. Sorted, reversed, organ-pipe,
/// all-equal and median-of-3-killer inputs never trip the guard; McIlroy's adaptive "killer adversary" does
/// (an unguarded run makes ~n²/14 comparisons on its input, the guarded one ~2·n·log2 n; see the tests).
/// </para>
/// </remarks>
internal static class Introselect
{
    /// <summary>Below this size a range is finished with insertion sort.</summary>
    private const int SmallRange = 16;

    /// <summary>From this size the pivot is Tukey's ninther instead of a median of 3.</summary>
    private const int NintherRange = 128;

    /// <summary>From this size the span is narrowed by sampling before quickselect.</summary>
    internal const int SamplingRange = 1 << 15;

    /// <summary>
    /// Returns the value that would be at index <paramref name="k"/> if <paramref name="values"/> were sorted
    /// ascending. <paramref name="values"/> is scratch space: its contents are reordered and partly overwritten.
    /// Values must not be NaN.
    /// </summary>
    public static float Select(Span<float> values, int k) => Select(values, k, default(FloatOrder));

    /// <summary>
    /// <see cref="Select(Span{float}, int)"/> with the comparisons made through <paramref name="order"/>, so that
    /// tests can count them. <paramref name="order"/> must be the ascending order of floats: the sampling step's
    /// two vectorized passes over the span (counting against the bracket, compacting it) compare directly and
    /// are not seen by it; every other comparison is.
    /// </summary>
    internal static float Select<TOrder>(Span<float> values, int k, TOrder order)
        where TOrder : IComparer<float>
    {
        if ((uint)k >= (uint)values.Length)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [0, {values.Length}).");

        if (values.Length >= SamplingRange)
        {
            switch (Narrow(values, k, order, out int length, out int narrowedK, out float exact))
            {
                case Narrowing.Exact:
                    return exact;
                case Narrowing.Narrowed:
                    values = values[..length];
                    k = narrowedK;
                    break;
            }
        }
        return QuickSelect(values, k, BadPartitionLimit(values.Length), order);
    }

    /// <summary>
    /// Guarded quickselect alone. Afterwards <paramref name="values"/> is a permutation of its input with the
    /// returned value at <paramref name="k"/>, nothing greater before it and nothing smaller after it.
    /// </summary>
    /// <param name="values">Values to search, not NaN; reordered.</param>
    /// <param name="k">Index into the sorted order.</param>
    /// <param name="badPartitionLimit">Bad partitions allowed before the sort fallback (0 = fall back at the first).</param>
    internal static float QuickSelect(Span<float> values, int k, int badPartitionLimit) =>
        QuickSelect(values, k, badPartitionLimit, default(FloatOrder));

    /// <summary>
    /// The quickselect over any element order, so that tests can drive it with an adversarial comparer; the
    /// JIT specializes it per struct comparer, so the float instance costs nothing extra.
    /// </summary>
    internal static T QuickSelect<T, TOrder>(Span<T> values, int k, int badPartitionLimit, TOrder order)
        where TOrder : IComparer<T>
    {
        if ((uint)k >= (uint)values.Length)
            throw new ArgumentOutOfRangeException(nameof(k), k, $"k must be in [0, {values.Length}).");

        int lo = 0, hi = values.Length - 1;
        int bad = 0;
        while (hi - lo >= SmallRange)
        {
            int size = hi - lo + 1;
            T pivot = size >= NintherRange ? Ninther(values, lo, hi, order) : MedianOf3(values, lo, lo + (size >> 1), hi, order);

            // Hoare partition; the pivot value occurs in [lo, hi], which bounds both scans on the first round,
            // and each swap leaves a stopper for the next round.
            int i = lo, j = hi;
            while (i <= j)
            {
                while (order.Compare(values[i], pivot) < 0) i++;
                while (order.Compare(pivot, values[j]) < 0) j--;
                if (i <= j)
                {
                    (values[i], values[j]) = (values[j], values[i]);
                    i++;
                    j--;
                }
            }

            // Now [lo, j] <= pivot, [i, hi] >= pivot, and anything strictly between j and i equals the pivot.
            if (k <= j)
                hi = j;
            else if (k >= i)
                lo = i;
            else
                return pivot;

            int kept = hi - lo + 1;
            if (kept > size - (size >> 3) && ++bad > badPartitionLimit)
            {
                values.Slice(lo, kept).Sort(order);
                return values[k];
            }
        }

        InsertionSort(values.Slice(lo, hi - lo + 1), order);
        return values[k];
    }

    internal static int BadPartitionLimit(int length) => BitOperations.Log2((uint)Math.Max(length, 1));

    /// <summary>Sample size for a span of <paramref name="length"/> values: about n^(2/3)/2, as Floyd and Rivest suggest.</summary>
    internal static int SampleSize(int length) => Math.Clamp((int)(0.5 * Math.Pow(length, 2.0 / 3.0)), 1024, length / 8);

    private enum Narrowing
    {
        Failed,
        Narrowed,
        Exact,
    }

    private static Narrowing Narrow<TOrder>(Span<float> values, int k, TOrder order, out int length, out int narrowedK, out float exact)
        where TOrder : IComparer<float>
    {
        length = values.Length;
        narrowedK = k;
        exact = 0;
        int n = values.Length;
        int m = SampleSize(n);
        int stride = n / m;
        int margin = (int)(2.5 * Math.Sqrt(m)); // ~5 standard deviations of the sample rank
        int sampleK = (int)((long)k * m / n);
        int lowRank = Math.Max(sampleK - margin, 0);
        int highRank = Math.Min(sampleK + margin, m - 1);

        float low, high;
        float[] sample = ArrayPool<float>.Shared.Rent(m);
        try
        {
            Span<float> s = sample.AsSpan(0, m);
            for (int i = 0; i < m; i++)
                s[i] = values[i * stride + (stride >> 1)];
            high = QuickSelect(s, highRank, BadPartitionLimit(m), order);
            low = QuickSelect(s[..(highRank + 1)], lowRank, BadPartitionLimit(highRank + 1), order);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(sample);
        }

        // Bounds that hold the whole span make the bracket pointless.
        if (lowRank == 0)
            low = float.NegativeInfinity;
        if (highRank == m - 1)
            high = float.PositiveInfinity;

        (int below, int between) = CountBracket(values, low, high);
        if (k < below || k >= below + between)
            return Narrowing.Failed;
        if (low == high)
        {
            exact = low;
            return Narrowing.Exact;
        }
        if (between > n / 2)
            return Narrowing.Failed; // mostly ties or a misleading sample: compaction would not pay

        // Branch-free compaction of the bracket to the front; writes never overtake reads.
        int w = 0;
        for (int i = 0; i < n; i++)
        {
            float x = values[i];
            values[w] = x;
            w += x >= low && x <= high ? 1 : 0;
        }
        length = w;
        narrowedK = k - below;
        return Narrowing.Narrowed;
    }

    private static (int Below, int Between) CountBracket(ReadOnlySpan<float> values, float low, float high)
    {
        int below = 0, notAbove = 0, i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Comparisons yield -1 per true lane; lanes cannot overflow because the span is under 2^31 long.
            var lowV = new Vector<float>(low);
            var highV = new Vector<float>(high);
            var belowV = Vector<int>.Zero;
            var notAboveV = Vector<int>.Zero;
            for (; i <= values.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(values.Slice(i));
                belowV -= Vector.LessThan(v, lowV);
                notAboveV -= Vector.LessThanOrEqual(v, highV);
            }
            below = Vector.Sum(belowV);
            notAbove = Vector.Sum(notAboveV);
        }
        for (; i < values.Length; i++)
        {
            below += values[i] < low ? 1 : 0;
            notAbove += values[i] <= high ? 1 : 0;
        }
        return (below, notAbove - below);
    }

    private static T Ninther<T, TOrder>(Span<T> v, int lo, int hi, TOrder order)
        where TOrder : IComparer<T>
    {
        int step = (hi - lo) / 8;
        int mid = lo + (hi - lo) / 2;
        T a = MedianOf3(v, lo, lo + step, lo + 2 * step, order);
        T b = MedianOf3(v, mid - step, mid, mid + step, order);
        T c = MedianOf3(v, hi - 2 * step, hi - step, hi, order);
        return Median(a, b, c, order);
    }

    private static T MedianOf3<T, TOrder>(Span<T> v, int a, int b, int c, TOrder order)
        where TOrder : IComparer<T> =>
        Median(v[a], v[b], v[c], order);

    private static T Median<T, TOrder>(T a, T b, T c, TOrder order)
        where TOrder : IComparer<T> =>
        order.Compare(a, b) < 0
            ? (order.Compare(b, c) < 0 ? b : (order.Compare(a, c) < 0 ? c : a))
            : (order.Compare(a, c) < 0 ? a : (order.Compare(b, c) < 0 ? c : b));

    private static void InsertionSort<T, TOrder>(Span<T> v, TOrder order)
        where TOrder : IComparer<T>
    {
        for (int i = 1; i < v.Length; i++)
        {
            T x = v[i];
            int j = i - 1;
            while (j >= 0 && order.Compare(x, v[j]) < 0)
            {
                v[j + 1] = v[j];
                j--;
            }
            v[j + 1] = x;
        }
    }

    /// <summary>Ascending order of non-NaN floats, as plain comparisons the JIT can inline.</summary>
    private readonly struct FloatOrder : IComparer<float>
    {
        public int Compare(float x, float y) => x < y ? -1 : (x > y ? 1 : 0);
    }
}
