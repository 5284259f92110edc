namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// One initializer axis that carries channels of a <see cref="ChannelGroup"/>: group channel <c>c</c> in
/// [<paramref name="First"/>, <paramref name="First"/> + <paramref name="Count"/>) is the elements
/// [<paramref name="Offset"/> + (c − First)·<paramref name="Block"/>, … + <paramref name="Block"/>) along <paramref name="Axis"/>.
/// </summary>
/// <param name="Tensor">The initializer's name.</param>
/// <param name="Axis">The axis of the initializer's dims that indexes the channels.</param>
/// <param name="Offset">Where the group's first covered channel starts along the axis (Concat puts branches after one another).</param>
/// <param name="Block">Elements per channel along the axis: 1, or H·W when a Conv channel is flattened into Gemm features, or the head size for attention heads.</param>
/// <param name="First">The first group channel this slice covers (Split hands a consumer part of the channels).</param>
/// <param name="Count">How many group channels this slice covers.</param>
/// <param name="Role">Producer, consumer or per-channel parameter.</param>
/// <param name="Node">The display name of the node that uses the initializer so (for messages and reports).</param>
public sealed record ChannelSlice(string Tensor, int Axis, long Offset, long Block, int First, int Count, ChannelRole Role, string Node);
