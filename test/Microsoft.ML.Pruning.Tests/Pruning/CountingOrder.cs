using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Tests.Pruning;

/// <summary>
/// The ascending order of floats, counting every comparison: the selection's work measured in steps rather than
/// seconds, so the bounds hold on a loaded machine.
/// </summary>
internal readonly struct CountingOrder(CountingOrder.Counter counter) : IComparer<float>
{
    public CountingOrder()
        : this(new Counter())
    {
    }

    public long Comparisons => counter.Value;

    public int Compare(float x, float y)
    {
        counter.Value++;
        return x.CompareTo(y);
    }

    /// <summary>Shared by the copies the selection makes of this struct.</summary>
    internal sealed class Counter
    {
        public long Value;
    }
}
