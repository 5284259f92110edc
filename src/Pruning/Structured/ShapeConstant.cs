namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// An INT64 entry of a shape tensor that counts the channels of a <see cref="ChannelGroup"/> (a Reshape target such
/// as [0, 0, 12, 32] or [0, 0, 384] in an attention block): after removal the entry is
/// <c>Fixed + kept · PerChannel</c>.
/// </summary>
/// <param name="Tensor">The INT64 initializer or Constant node output holding the shape (cloned by removal when other nodes read it too).</param>
/// <param name="Index">The entry's index in the flattened tensor.</param>
/// <param name="PerChannel">Elements per kept channel (1 for a head count, the head size for a hidden width).</param>
/// <param name="Fixed">The part that does not depend on the group (0 unless channels of other groups share the entry).</param>
/// <param name="Node">The node that reads the shape (a Reshape), for messages.</param>
public sealed record ShapeConstant(string Tensor, int Index, long PerChannel, long Fixed, string Node);
