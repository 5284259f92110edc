using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

/// <summary>
/// McIlroy's "killer adversary" (A Killer Adversary for Quicksort, 1999) aimed at our quickselect: values are
/// decided lazily during a run so every pivot lands near the bottom of the range; replaying the decided values
/// makes a concrete input that drives an unguarded quickselect quadratic. The guard must keep it near n log n.
/// </summary>
[TestClass]
public sealed class IntroselectAdversaryTests
{
    private const int N = 10_000;

    private static readonly Lazy<float[]> Killer = new(() => KillerInput(N, N / 2));

    [TestMethod]
    public void QuickSelect_KillerAdversaryInput_GuardKeepsComparisonsNearLinearithmic()
    {
        float[] input = (float[])Killer.Value.Clone();
        float[] sorted = (float[])input.Clone();
        Array.Sort(sorted);

        var unguarded = new CountingOrder();
        float unguardedResult = Introselect.QuickSelect((float[])input.Clone(), N / 2, int.MaxValue, unguarded);
        var guarded = new CountingOrder();
        float guardedResult = Introselect.QuickSelect((float[])input.Clone(), N / 2, Introselect.BadPartitionLimit(N), guarded);

        Assert.AreEqual(sorted[N / 2], unguardedResult);
        Assert.AreEqual(sorted[N / 2], guardedResult);
        Assert.IsGreaterThan((long)N * N / 20, unguarded.Comparisons, $"The adversary should defeat the unguarded pivot choice; it made {unguarded.Comparisons} comparisons.");
        long linearithmic = (long)(N * Math.Log2(N));
        Assert.IsLessThan(4 * linearithmic, guarded.Comparisons, $"Guarded quickselect made {guarded.Comparisons} comparisons.");
    }

    [TestMethod]
    public void Select_KillerAdversaryInput_MatchesSortedOrder()
    {
        float[] input = (float[])Killer.Value.Clone();
        float[] sorted = (float[])input.Clone();
        Array.Sort(sorted);

        Assert.AreEqual(sorted[N / 2], Introselect.Select(input, N / 2));
    }

    /// <summary>Runs an unguarded quickselect against the adversary and returns the values it decided, by position.</summary>
    private static float[] KillerInput(int n, int k)
    {
        var adversary = new Adversary(n);
        var items = new int[n];
        for (int i = 0; i < n; i++)
            items[i] = i;
        Introselect.QuickSelect(items, k, int.MaxValue, new AdversaryOrder(adversary));
        return Array.ConvertAll(adversary.Values, v => (float)v);
    }

    /// <summary>
    /// Items start as "gas" (larger than anything decided); comparing two gas items freezes one of them to the
    /// next smallest solid value, preferring the current pivot candidate, so pivots end up small.
    /// </summary>
    private sealed class Adversary
    {
        private readonly int _gas;
        private int _solid;
        private int _candidate = -1;

        public Adversary(int n)
        {
            _gas = n;
            Values = new int[n];
            Array.Fill(Values, _gas);
        }

        public int[] Values { get; }

        public int Compare(int x, int y)
        {
            if (Values[x] == _gas && Values[y] == _gas)
                Values[x == _candidate ? x : y] = _solid++;
            if (Values[x] == _gas)
                _candidate = x;
            else if (Values[y] == _gas)
                _candidate = y;
            return Values[x].CompareTo(Values[y]);
        }
    }

    private readonly struct AdversaryOrder(Adversary adversary) : IComparer<int>
    {
        public int Compare(int x, int y) => adversary.Compare(x, y);
    }
}
