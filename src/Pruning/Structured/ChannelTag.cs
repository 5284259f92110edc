namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// During the dependency walk: the channels of one producer that a value carries, laid out as a
/// <see cref="ChannelValue"/> (group channel c in [First, First + Count) is elements Offset + (c − First)·Block … along Axis).
/// </summary>
/// <param name="Producer">The producer's index in the walk (its union-find element).</param>
/// <param name="Axis">The value's axis that carries the channels.</param>
/// <param name="Offset">Where the first covered channel starts along the axis.</param>
/// <param name="Block">Elements per channel along the axis.</param>
/// <param name="First">The first producer channel covered.</param>
/// <param name="Count">How many producer channels are covered.</param>
/// <param name="BrokenBy">
/// Null when a removed channel is exactly 0 in this value of the masked model; otherwise the node that made it non-zero
/// (an Add of a constant, a Sigmoid): only element-wise ops may follow until a Mul with a zero operand restores it.
/// </param>
internal readonly record struct ChannelTag(int Producer, int Axis, long Offset, long Block, int First, int Count, string? BrokenBy)
{
    /// <summary>Whether the two tags cover the same channels at the same elements (producers aside).</summary>
    public bool SameLayout(ChannelTag other) =>
        Axis == other.Axis && Offset == other.Offset && Block == other.Block && First == other.First && Count == other.Count;

    /// <summary>The elements past the covered channels along the axis.</summary>
    public long End => Offset + Count * Block;
}
