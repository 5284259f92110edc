using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// A dependency group: channels that can only be removed together, everywhere at once. Removing group channel
/// <c>c</c> removes it from every <see cref="Slices"/> entry (producer rows, consumer columns, biases, normalization
/// parameters), every <see cref="Values"/> axis, and updates every <see cref="ShapeConstants"/> entry. Producers feeding
/// one Add (a residual connection) or one Concat input are in one group; a group is pruned wholly or not at all.
/// </summary>
/// <param name="Id">A stable name for the group: the first producer's weight name (what LayerSparsity and the report key it by).</param>
/// <param name="Kind">Neuron, Channel or Head.</param>
/// <param name="Width">Number of channels (units) in the group.</param>
/// <param name="Slices">Every initializer axis that carries the channels.</param>
/// <param name="Values">Every graph value whose axis carries the channels (value_info and output shapes to update).</param>
/// <param name="ShapeConstants">Shape entries that count the channels.</param>
/// <param name="ReachesOutput">True when a graph output carries the channels: removing them changes the model's output width.</param>
/// <param name="Path">The nodes the group spans, in graph order, for the report (e.g. "Conv_3 → BatchNormalization_4 → Relu_5 → Conv_6").</param>
public sealed record ChannelGroup(
    string Id,
    ChannelGroupKind Kind,
    int Width,
    IReadOnlyList<ChannelSlice> Slices,
    IReadOnlyList<ChannelValue> Values,
    IReadOnlyList<ShapeConstant> ShapeConstants,
    bool ReachesOutput,
    string Path);
