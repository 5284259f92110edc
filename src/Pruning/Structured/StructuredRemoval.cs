using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Physically removes channels of <see cref="ChannelGroup"/>s from an ONNX graph: the initializers get smaller,
/// shape constants and value shapes follow, so ONNX Runtime runs a smaller dense model.
/// </summary>
/// <remarks>
/// <para>What removal assumes (the dependency analysis guarantees it): a group lists <em>every</em> initializer axis,
/// value axis and shape entry that carries its channels, and every op between its producers and consumers maps a
/// channel that is 0 to 0. Under that contract the removed model computes exactly what the <em>masked</em> model
/// computes (same shapes, removed channels' Producer, Consumer and Parameter slices zeroed; Statistic slices untouched):
/// removed channels were exactly 0 everywhere between producers and consumers, and consumers ignored them.</para>
/// <para>What removal does, for the groups that have an entry in <c>keep</c>:</para>
/// <list type="bullet">
/// <item>Every <see cref="ChannelSlice"/> (whatever its role) loses the elements of removed channels along its axis. The
/// removed elements of all groups touching one tensor are gathered first, per axis, and the tensor is sliced once
/// (a Gemm whose input is a Concat of two groups, or a Conv weight that is one group's producer and another's
/// consumer). Sparse initializers and Constant <c>sparse_value</c> nodes that are sliced come out dense (call
/// <see cref="OnnxModel.Compact()"/> afterwards to store them sparsely again); Constant nodes with a dense
/// <c>value</c> keep their form. A sliced initializer that is also listed in <c>graph.input</c> (IR &lt; 4) or
/// <c>graph.value_info</c> gets its new dims there too.</item>
/// <item>A Conv or ConvTranspose whose weight is sliced and whose <c>group</c> equals the weight's first dim with a
/// second dim of 1 (depthwise) gets <c>group</c> = the kept count. Other grouped convolutions are refused
/// (<see cref="NotSupportedException"/>).</item>
/// <item>Every <see cref="ShapeConstant"/> entry becomes <c>Fixed + kept·PerChannel</c> (with several groups on one
/// entry: the original value minus each group's removed·PerChannel). The entry must hold <c>Fixed + Width·PerChannel</c>.
/// A shape tensor read by nodes that need other values (another layer's Reshape sharing the constant, or any other
/// reader) is copied under a new unique name and only the listed Reshape nodes are pointed at the copy.</item>
/// <item>Every <see cref="ChannelValue"/>'s dim in <c>graph.value_info</c>, <c>graph.output</c> and <c>graph.input</c>
/// shrinks by the removed elements when it is a concrete <c>dim_value</c> (symbolic dims stay). A value_info entry that
/// cannot be updated consistently (rank too small, dim smaller than the group's extent) is removed; a graph output
/// or input that cannot be updated is an error.</item>
/// </list>
/// <para>Not handled (the analysis must leave such groups unprunable): a channel count held in an attribute other
/// than a depthwise Conv's <c>group</c> (Split's <c>split</c> attribute before opset 13, Slice bounds, Expand shapes
/// computed from constants other than listed <see cref="ShapeConstant"/>s), non-depthwise grouped convolutions.</para>
/// </remarks>
public static class StructuredRemoval
{
    /// <summary>
    /// A new model with the channels that <paramref name="keep"/> marks false removed. The input model is not modified.
    /// </summary>
    /// <param name="model">The model (dense or partly sparse; not modified).</param>
    /// <param name="groups">Dependency groups, e.g. from the dependency analysis. Ids must be unique.</param>
    /// <param name="keep">Per group Id, one flag per channel (length <see cref="ChannelGroup.Width"/>, true = kept, at
    /// least one true). Groups without an entry are left whole.</param>
    /// <returns>A new model; the masked model's outputs equal its outputs (on graph outputs that a group reaches: the
    /// kept columns).</returns>
    /// <exception cref="ArgumentException">Duplicate group Ids; a keep entry for an unknown group; a keep array of the
    /// wrong length or without a kept channel; a slice, value or shape entry that does not fit the model (each message
    /// names the group).</exception>
    /// <exception cref="NotSupportedException">A grouped, non-depthwise Conv weight would be sliced; a tensor of an element type that cannot be sliced.</exception>
    /// <example>
    /// <code>
    /// var keep = new Dictionary&lt;string, bool[]&gt; { [group.Id] = scores.Select(s =&gt; s &gt;= threshold).ToArray() };
    /// OnnxModel smaller = StructuredRemoval.Remove(model, [group], keep);
    /// </code>
    /// </example>
    public static OnnxModel Remove(OnnxModel model, IReadOnlyList<ChannelGroup> groups, IReadOnlyDictionary<string, bool[]> keep)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(keep);
        var active = ActiveGroups(groups, keep);
        var result = model.Clone();
        if (active.Count == 0) return result;

        // Display names of unnamed nodes depend on node positions, which densifying a sparse Constant changes: resolve first.
        var nodesByName = NodesByDisplayName(result);
        var removedPositions = RemovedTensorPositions(result, active);
        var newShapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var (tensorName, perAxis) in removedPositions)
            newShapes[tensorName] = SliceTensor(result, tensorName, perAxis);
        UpdateShapeConstants(result, active, nodesByName);
        UpdateValueShapes(result, active, newShapes);
        return result;
    }

    private static List<(ChannelGroup Group, bool[] Keep)> ActiveGroups(IReadOnlyList<ChannelGroup> groups, IReadOnlyDictionary<string, bool[]> keep)
    {
        var byId = new Dictionary<string, ChannelGroup>(StringComparer.Ordinal);
        foreach (var group in groups)
        {
            ArgumentNullException.ThrowIfNull(group, nameof(groups));
            if (!byId.TryAdd(group.Id, group))
                throw new ArgumentException($"Two channel groups have the Id '{group.Id}'.", nameof(groups));
        }
        foreach (string id in keep.Keys)
            if (!byId.ContainsKey(id))
                throw new ArgumentException($"keep has an entry for '{id}', which is not the Id of any of the {groups.Count} groups.", nameof(keep));

        var active = new List<(ChannelGroup, bool[])>();
        foreach (var group in groups)
        {
            if (!keep.TryGetValue(group.Id, out var flags)) continue;
            if (flags is null || flags.Length != group.Width)
                throw new ArgumentException(
                    $"keep['{group.Id}'] has {flags?.Length.ToString() ?? "no"} entries; group '{group.Id}' has Width {group.Width}.", nameof(keep));
            if (Array.IndexOf(flags, true) < 0)
                throw new ArgumentException(
                    $"keep['{group.Id}'] keeps no channel of group '{group.Id}' ({group.Path}); at least one must stay.", nameof(keep));
            if (Array.IndexOf(flags, false) >= 0) active.Add((group, flags));
        }
        return active;
    }

    private static Dictionary<string, NodeProto> NodesByDisplayName(OnnxModel model)
    {
        var nodes = new Dictionary<string, NodeProto>(StringComparer.Ordinal);
        var graph = model.Graph;
        for (int i = 0; i < graph.Node.Count; i++)
            nodes.TryAdd(model.GetNodeDisplayName(graph.Node[i]), graph.Node[i]);
        return nodes;
    }

    /// <summary>Per tensor, per axis: which positions some group removes (true = removed).</summary>
    private static Dictionary<string, Dictionary<int, bool[]>> RemovedTensorPositions(OnnxModel model, List<(ChannelGroup Group, bool[] Keep)> active)
    {
        var removed = new Dictionary<string, Dictionary<int, bool[]>>(StringComparer.Ordinal);
        foreach (var (group, flags) in active)
        {
            foreach (var slice in group.Slices)
            {
                var constant = ModelConstant.Find(model, slice.Tensor) ?? throw new ArgumentException(
                    $"Group '{group.Id}': slice tensor '{slice.Tensor}' (node {slice.Node}) is neither an initializer nor a Constant node's value.", "groups");
                var shape = constant.Tensor.Dims;
                if (slice.Axis < 0 || slice.Axis >= shape.Count)
                    throw new ArgumentException($"Group '{group.Id}': slice of '{slice.Tensor}' names axis {slice.Axis}; the tensor has rank {shape.Count}.", "groups");
                long dim = shape[slice.Axis];
                CheckLayout(group, $"slice of '{slice.Tensor}' (node {slice.Node})", slice.Offset, slice.Block, slice.First, slice.Count, dim);
                if (!removed.TryGetValue(slice.Tensor, out var perAxis))
                    removed[slice.Tensor] = perAxis = [];
                if (!perAxis.TryGetValue(slice.Axis, out var positions))
                    perAxis[slice.Axis] = positions = new bool[dim];
                MarkRemoved(positions, flags, slice.Offset, slice.Block, slice.First, slice.Count);
            }
        }
        return removed;
    }

    private static void CheckLayout(ChannelGroup group, string what, long offset, long block, int first, int count, long? dim)
    {
        if (offset < 0 || block < 1 || first < 0 || count < 0 || (long)first + count > group.Width)
            throw new ArgumentException(
                $"Group '{group.Id}': {what} has Offset {offset}, Block {block}, First {first}, Count {count}, which does not fit Width {group.Width}.", "groups");
        if (dim is { } d && offset + count * block > d)
            throw new ArgumentException(
                $"Group '{group.Id}': {what} covers elements [{offset}, {offset + count * block}) of an axis of {d}.", "groups");
    }

    private static void MarkRemoved(bool[] positions, bool[] keep, long offset, long block, int first, int count)
    {
        for (int c = 0; c < count; c++)
        {
            if (keep[first + c]) continue;
            long start = offset + c * block;
            Array.Fill(positions, true, (int)start, (int)block);
        }
    }

    /// <summary>Slices one tensor along every axis some group removes positions of; returns its new dims.</summary>
    private static long[] SliceTensor(OnnxModel model, string name, Dictionary<int, bool[]> removedPerAxis)
    {
        var constant = ModelConstant.Find(model, name)!; // found before: densified now if it was sparse
        var tensor = constant.Tensor;
        var kept = new int[]?[tensor.Dims.Count];
        foreach (var (axis, removed) in removedPerAxis)
        {
            var indices = new List<int>(removed.Length);
            for (int i = 0; i < removed.Length; i++)
                if (!removed[i]) indices.Add(i);
            if (indices.Count == 0)
                throw new ArgumentException($"The groups together remove every element of axis {axis} of '{name}'.", "keep");
            if (indices.Count < removed.Length) kept[axis] = [.. indices];
        }
        long[] oldDims = [.. tensor.Dims];
        var sliced = TensorGather.Keep(tensor, kept);
        long[] newDims = [.. sliced.Dims];
        UpdateGroupedConvolutions(model, name, oldDims, newDims, kept);
        constant.Replace(sliced);
        foreach (var info in model.Graph.Input.Concat(model.Graph.ValueInfo))
            if (info.Name == name && info.Type?.TensorType?.Shape is { } shape && shape.Dim.Count == newDims.Length)
                for (int a = 0; a < newDims.Length; a++)
                    shape.Dim[a] = new TensorShapeProto.Types.Dimension { DimValue = newDims[a] };
        return newDims;
    }

    /// <summary>A depthwise Conv/ConvTranspose reading a sliced weight gets <c>group</c> = its kept channels; other grouped ones are refused.</summary>
    private static void UpdateGroupedConvolutions(OnnxModel model, string weight, long[] oldDims, long[] newDims, int[]?[] kept)
    {
        foreach (var node in model.Graph.Node)
        {
            if (node.OpType is not ("Conv" or "ConvTranspose") || node.Input.Count < 2 || node.Input[1] != weight) continue;
            var groupAttribute = node.Attribute.FirstOrDefault(a => a.Name == "group");
            long group = groupAttribute?.I ?? 1;
            if (group == 1) continue;
            bool depthwise = oldDims.Length >= 2 && oldDims[1] == 1 && oldDims[0] == group;
            if (!depthwise || kept[1] is not null)
                throw new NotSupportedException(
                    $"{node.OpType} node {model.GetNodeDisplayName(node)} has group={group} and weight '{weight}' [{string.Join(", ", oldDims)}]: " +
                    "only depthwise convolutions (group = channels, one filter each) can lose channels.");
            groupAttribute!.I = newDims[0];
        }
    }

    private static void UpdateShapeConstants(OnnxModel model, List<(ChannelGroup Group, bool[] Keep)> active, Dictionary<string, NodeProto> nodesByName)
    {
        // tensor → reader node → entry index → amount to subtract.
        var edits = new Dictionary<string, Dictionary<NodeProto, SortedDictionary<int, long>>>(StringComparer.Ordinal);
        var constants = new Dictionary<string, (ModelConstant Constant, long[] Values)>(StringComparer.Ordinal);
        foreach (var (group, flags) in active)
        {
            int removedChannels = flags.Count(k => !k);
            foreach (var entry in group.ShapeConstants.Distinct())
            {
                if (!constants.TryGetValue(entry.Tensor, out var found))
                {
                    var constant = ModelConstant.Find(model, entry.Tensor)
                        ?? throw new ArgumentException($"Group '{group.Id}': shape tensor '{entry.Tensor}' (node {entry.Node}) is neither an initializer nor a Constant node's value.", "groups");
                    if (constant.Tensor.DataType != (int)TensorProto.Types.DataType.Int64)
                        throw new ArgumentException($"Group '{group.Id}': shape tensor '{entry.Tensor}' is {OnnxElementType.Name(constant.Tensor.DataType)}, not INT64.", "groups");
                    constants[entry.Tensor] = found = (constant, OnnxTensor.ToInt64Array(constant.Tensor));
                }
                if (entry.Index < 0 || entry.Index >= found.Values.Length)
                    throw new ArgumentException($"Group '{group.Id}': shape tensor '{entry.Tensor}' has {found.Values.Length} entries; index {entry.Index} was given.", "groups");
                long expected = entry.Fixed + group.Width * entry.PerChannel;
                if (found.Values[entry.Index] != expected)
                    throw new ArgumentException(
                        $"Group '{group.Id}': entry {entry.Index} of shape tensor '{entry.Tensor}' is {found.Values[entry.Index]}, not Fixed + Width·PerChannel = {expected}.", "groups");
                if (!nodesByName.TryGetValue(entry.Node, out var reader) || !reader.Input.Contains(entry.Tensor))
                    throw new ArgumentException($"Group '{group.Id}': node '{entry.Node}' does not read shape tensor '{entry.Tensor}'.", "groups");
                if (!edits.TryGetValue(entry.Tensor, out var byReader))
                    edits[entry.Tensor] = byReader = new Dictionary<NodeProto, SortedDictionary<int, long>>(ReferenceEqualityComparer.Instance);
                if (!byReader.TryGetValue(reader, out var subtract))
                    byReader[reader] = subtract = [];
                subtract[entry.Index] = subtract.GetValueOrDefault(entry.Index) + removedChannels * entry.PerChannel;
            }
        }

        HashSet<string>? usedNames = null;
        foreach (var (tensorName, byReader) in edits)
        {
            var (constant, values) = constants[tensorName];
            // Readers grouped by the edit they need; readers outside every group need the original.
            var readers = model.FindConsumers(tensorName);
            var needs = new Dictionary<string, List<NodeProto>>(StringComparer.Ordinal);
            var editByKey = new Dictionary<string, SortedDictionary<int, long>>(StringComparer.Ordinal);
            foreach (var reader in readers)
            {
                var edit = byReader.GetValueOrDefault(reader);
                string key = edit is null ? "" : EditKey(edit);
                if (!needs.TryGetValue(key, out var list)) needs[key] = list = [];
                list.Add(reader);
                if (edit is not null) editByKey[key] = edit;
            }
            bool sharedWithOthers = needs.Count > 1 || needs.ContainsKey("") || model.IsGraphOutput(tensorName);
            foreach (var (key, edit) in editByKey)
            {
                var newValues = (long[])values.Clone();
                foreach (var (index, amount) in edit)
                {
                    newValues[index] -= amount;
                    if (newValues[index] < 1)
                        throw new ArgumentException($"Shape tensor '{tensorName}' entry {index} would become {newValues[index]} after removal; the groups' ShapeConstants are inconsistent.", "groups");
                }
                var tensor = OnnxTensor.FromInt64s(tensorName, newValues, [.. constant.Tensor.Dims]);
                if (!sharedWithOthers)
                {
                    constant.Replace(tensor);
                    continue;
                }
                usedNames ??= UniqueNames.ValueNames(model.Graph);
                string copyName = UniqueNames.Next(usedNames, tensorName);
                constant.AddCopy(copyName, tensor);
                foreach (var reader in needs[key])
                    for (int i = 0; i < reader.Input.Count; i++)
                        if (reader.Input[i] == tensorName) reader.Input[i] = copyName;
            }
        }
    }

    private static string EditKey(SortedDictionary<int, long> edit)
    {
        var key = new StringBuilder();
        foreach (var (index, amount) in edit) key.Append(index).Append(':').Append(amount).Append(';');
        return key.ToString();
    }

    private static void UpdateValueShapes(OnnxModel model, List<(ChannelGroup Group, bool[] Keep)> active, Dictionary<string, long[]> slicedTensors)
    {
        // value → axis → removed positions (a set: two groups through one Concat remove disjoint positions).
        var removed = new Dictionary<string, Dictionary<int, HashSet<long>>>(StringComparer.Ordinal);
        var extent = new Dictionary<(string, int), (long End, string Group)>();
        foreach (var (group, flags) in active)
        {
            foreach (var value in group.Values)
            {
                CheckLayout(group, $"value '{value.Value}'", value.Offset, value.Block, value.First, value.Count, null);
                if (value.Axis < 0)
                    throw new ArgumentException($"Group '{group.Id}': value '{value.Value}' names axis {value.Axis}.", "groups");
                if (!removed.TryGetValue(value.Value, out var perAxis))
                    removed[value.Value] = perAxis = [];
                if (!perAxis.TryGetValue(value.Axis, out var positions))
                    perAxis[value.Axis] = positions = [];
                for (int c = 0; c < value.Count; c++)
                    if (!flags[value.First + c])
                        for (long j = 0; j < value.Block; j++) positions.Add(value.Offset + c * value.Block + j);
                long end = value.Offset + value.Count * value.Block;
                var key = (value.Value, value.Axis);
                if (!extent.TryGetValue(key, out var known) || known.End < end) extent[key] = (end, group.Id);
            }
        }

        var graph = model.Graph;
        for (int i = graph.ValueInfo.Count - 1; i >= 0; i--)
        {
            var info = graph.ValueInfo[i];
            if (slicedTensors.ContainsKey(info.Name)) continue; // an initializer's own entry, already set to its new dims
            if (removed.TryGetValue(info.Name, out var perAxis) && !TryShrink(info, perAxis, extent))
                graph.ValueInfo.RemoveAt(i);
        }
        foreach (var info in graph.Output.Concat(graph.Input))
        {
            if (slicedTensors.ContainsKey(info.Name) || !removed.TryGetValue(info.Name, out var perAxis)) continue;
            if (!TryShrink(info, perAxis, extent))
                throw new ArgumentException(
                    $"Graph {(graph.Output.Contains(info) ? "output" : "input")} '{info.Name}' has a shape that the groups' Values do not fit (group '{extent[(info.Name, perAxis.Keys.First())].Group}').", "groups");
        }
    }

    /// <summary>Shrinks the concrete dims of <paramref name="info"/>; false when its recorded shape contradicts the groups.</summary>
    private static bool TryShrink(ValueInfoProto info, Dictionary<int, HashSet<long>> perAxis, Dictionary<(string, int), (long End, string Group)> extent)
    {
        var shape = info.Type?.TensorType?.Shape;
        if (shape is null) return true; // no shape recorded: nothing to update
        foreach (var (axis, positions) in perAxis)
        {
            if (axis >= shape.Dim.Count) return false;
            var dim = shape.Dim[axis];
            if (dim.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue) continue; // symbolic or unknown stays valid
            if (dim.DimValue < extent[(info.Name, axis)].End) return false;
        }
        foreach (var (axis, positions) in perAxis)
        {
            var dim = shape.Dim[axis];
            if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue)
                dim.DimValue -= positions.Count;
        }
        return true;
    }
}
