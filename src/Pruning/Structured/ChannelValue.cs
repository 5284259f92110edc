namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// A graph value (an edge between nodes, or a graph output) whose axis carries channels of a <see cref="ChannelGroup"/>,
/// with the same layout as <see cref="ChannelSlice"/>: removal shrinks that axis in its value_info / output shape.
/// </summary>
/// <param name="Value">The value's name.</param>
/// <param name="Axis">The axis carrying the channels (1 for NCHW and [N, F]; the last for [B, S, F]).</param>
/// <param name="Offset">Where the group's first covered channel starts along the axis.</param>
/// <param name="Block">Elements per channel along the axis.</param>
/// <param name="First">The first group channel covered.</param>
/// <param name="Count">How many group channels are covered.</param>
public sealed record ChannelValue(string Value, int Axis, long Offset, long Block, int First, int Count);
