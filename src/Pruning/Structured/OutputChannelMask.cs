using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// The distillation teacher for a model whose output width structured pruning changes (<see cref="StructuredOptions.PruneOutputs"/>):
/// the dense model with each removed output channel multiplied by 0 (one Mul by a constant mask per affected graph output). The
/// student (the masked model) is exactly 0 there and can never match the dense values, so without this a cosine or MSE
/// distillation loss would spend itself on channels that are going away; with it, the loss compares the kept channels only.
/// </summary>
internal static class OutputChannelMask
{
    /// <summary>A copy of <paramref name="teacher"/> whose removed output channels are 0; the model itself when no output loses a channel.</summary>
    /// <param name="teacher">The dense model (not modified).</param>
    /// <param name="groups">The groups pruned.</param>
    /// <param name="keep">Kept flags per group id.</param>
    /// <param name="shapes">Value shapes of the dense model (the outputs' ranks and widths).</param>
    public static OnnxModel Apply(OnnxModel teacher, IReadOnlyList<ChannelGroup> groups, IReadOnlyDictionary<string, bool[]> keep, IReadOnlyDictionary<string, long[]> shapes)
    {
        var removed = RemovedPositions(teacher, groups, keep, shapes);
        if (removed.Count == 0) return teacher;
        var copy = teacher.Clone();
        var graph = copy.Graph;
        foreach (var ((output, axis), flags) in removed)
        {
            int rank = shapes[output].Length;
            long[] dims = [.. Enumerable.Range(0, rank).Select(a => a == axis ? (long)flags.Length : 1L)];
            string unmasked = Unique(copy, $"{output}_before_output_mask");
            string maskName = Unique(copy, $"{output}_output_mask");
            foreach (var node in graph.Node)
                for (int i = 0; i < node.Output.Count; i++)
                    if (node.Output[i] == output) node.Output[i] = unmasked;
            foreach (var node in graph.Node)
                for (int i = 0; i < node.Input.Count; i++)
                    if (node.Input[i] == output) node.Input[i] = unmasked;
            graph.Initializer.Add(OnnxTensor.FromFloats(maskName, [.. flags.Select(f => f ? 0f : 1f)], dims));
            graph.Node.Add(new NodeProto { OpType = "Mul", Name = Unique(copy, $"{output}_output_mask_mul"), Input = { unmasked, maskName }, Output = { output } });
        }
        return copy;
    }

    /// <summary>
    /// Per graph output whose width removal changes, and its channel axis: true at each position a removed channel occupies
    /// (positions no group covers are kept).
    /// </summary>
    public static Dictionary<(string Output, int Axis), bool[]> RemovedPositions(OnnxModel model, IReadOnlyList<ChannelGroup> groups,
        IReadOnlyDictionary<string, bool[]> keep, IReadOnlyDictionary<string, long[]> shapes)
    {
        var outputs = model.Graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var removed = new Dictionary<(string Output, int Axis), bool[]>();
        foreach (var group in groups)
        {
            if (!group.ReachesOutput || !keep.TryGetValue(group.Id, out var kept) || kept.All(k => k)) continue;
            foreach (var value in group.Values.Where(v => outputs.Contains(v.Value)))
            {
                var key = (value.Value, value.Axis);
                if (!removed.TryGetValue(key, out var flags)) removed[key] = flags = new bool[shapes[value.Value][value.Axis]];
                for (int c = 0; c < value.Count; c++)
                    if (!kept[value.First + c])
                        for (long b = 0; b < value.Block; b++) flags[value.Offset + (c * value.Block) + b] = true;
            }
        }
        return removed;
    }

    private static string Unique(OnnxModel model, string name)
    {
        var used = model.Graph.Node.SelectMany(n => n.Output.Append(n.Name)).Concat(model.Graph.Initializer.Select(i => i.Name))
            .Concat(model.Graph.Input.Select(i => i.Name)).ToHashSet(StringComparer.Ordinal);
        string candidate = name;
        for (int i = 1; used.Contains(candidate); i++) candidate = $"{name}_{i}";
        return candidate;
    }
}
