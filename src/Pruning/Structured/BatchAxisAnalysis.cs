using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Follows the batch dimension from the graph inputs through the main graph, node by node in graph order: which
/// axis of each value carries it, and whether every op treats rows independently (so a batch of B computes what B
/// batches of 1 compute). An op it does not know, or one that mixes or fixes rows (a Reshape folding the batch into
/// another axis, a Concat/Split/Gather/Slice/Reduce along the batch, Flatten at axis 0, Squeeze without axes), stops
/// it with a reason naming the node. Reshape shape constants whose first entry hard-codes the batch of 1 are listed
/// to be rewritten to 0 (copy the input's batch).
/// </summary>
internal sealed class BatchAxisAnalysis
{
    private static readonly HashSet<string> Unary = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Erf", "Exp", "Log", "Sqrt", "Abs", "Neg", "Reciprocal", "Identity", "Dropout",
        "Clip", "Cast", "CastLike", "Softplus", "Softsign", "Elu", "Selu", "Celu", "ThresholdedRelu", "HardSigmoid", "HardSwish",
        "Gelu", "Mish", "Floor", "Ceil", "Round", "Sign", "Not", "Sin", "Cos", "Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh",
        "IsNaN", "IsInf", "Shrink", "Trilu",
    };

    private static readonly HashSet<string> Broadcasting = new(StringComparer.Ordinal)
    {
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Sum", "Mean", "Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual",
        "And", "Or", "Xor", "Where", "PRelu", "Mod", "BitShift",
    };

    /// <summary>Ops whose input 0 is [N, C, spatial…] and whose rows are independent; every other input must be batch-free.</summary>
    private static readonly HashSet<string> ChannelsFirst = new(StringComparer.Ordinal)
    {
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "LpPool", "GlobalLpPool",
        "BatchNormalization", "InstanceNormalization", "LRN", "DepthToSpace", "SpaceToDepth", "GroupNormalization",
    };

    private static readonly HashSet<string> Reductions = new(StringComparer.Ordinal)
    {
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSum",
        "ReduceLogSumExp", "ReduceSumSquare",
    };

    private readonly OnnxModel model;
    private readonly long opset;
    private readonly Dictionary<string, int> ranks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TensorProto> constants = new(StringComparer.Ordinal);

    private BatchAxisAnalysis(OnnxModel model)
    {
        this.model = model;
        opset = model.GetOpsetVersion() ?? 1;
        var graph = model.Graph;
        foreach (var tensor in graph.Initializer)
        {
            constants[tensor.Name] = tensor;
            ranks[tensor.Name] = tensor.Dims.Count;
        }
        foreach (var info in graph.Input.Concat(graph.ValueInfo).Concat(graph.Output))
            if (info.Type?.TensorType?.Shape is { } shape && !ranks.ContainsKey(info.Name))
                ranks[info.Name] = shape.Dim.Count;
        foreach (var node in graph.Node)
            if (node.OpType == "Constant" && node.Output.Count == 1 && node.Attribute.FirstOrDefault(a => a.Name == "value")?.T is { } value)
            {
                constants[node.Output[0]] = value;
                ranks[node.Output[0]] = value.Dims.Count;
            }
    }

    /// <summary>Batch axis of every value that carries the batch.</summary>
    public Dictionary<string, int> BatchAxes { get; } = new(StringComparer.Ordinal);

    /// <summary>Reshape nodes whose constant shape's first entry is 1 and must become 0.</summary>
    public List<NodeProto> ReshapesToRewrite { get; } = [];

    /// <summary>Why the batch cannot be dynamic, or null.</summary>
    public string? Reason { get; private set; }

    /// <summary>Runs the analysis with the batch on axis 0 of the given graph inputs.</summary>
    public static BatchAxisAnalysis Run(OnnxModel model, IEnumerable<string> batchInputs)
    {
        var analysis = new BatchAxisAnalysis(model);
        foreach (string input in batchInputs) analysis.BatchAxes[input] = 0;
        var graph = model.Graph;
        for (int i = 0; i < graph.Node.Count && analysis.Reason is null; i++)
        {
            var node = graph.Node[i];
            if (!node.Input.Any(analysis.BatchAxes.ContainsKey)) continue; // batch-free (constants, shape arithmetic)
            string? reason = analysis.Visit(node);
            if (reason is not null) analysis.Reason = $"{model.GetNodeDisplayName(node)} ({node.OpType}): {reason}";
        }
        return analysis;
    }

    private string? Visit(NodeProto node)
    {
        if (node.Domain is not ("" or "ai.onnx"))
            return $"op of domain '{node.Domain}' is not known to keep rows independent";
        int? b = Axis(node, 0);
        if (b is null && node.OpType is not ("MatMul" or "Gather") && !Broadcasting.Contains(node.OpType))
            return "the batch enters through an input other than the data";
        switch (node.OpType)
        {
            case var op when Unary.Contains(op):
                if (OtherInputsCarryBatch(node, 0)) return "a parameter input carries the batch";
                foreach (string output in node.Output) Set(output, b!.Value, Rank(node.Input[0]));
                return null;
            case var op when Broadcasting.Contains(op):
                return VisitBroadcasting(node);
            case var op when ChannelsFirst.Contains(op):
                if (b != 0 || OtherInputsCarryBatch(node, 0)) return "the batch must be axis 0 of input 0 only";
                foreach (string output in node.Output) Set(output, 0, Rank(node.Input[0]));
                return null;
            case "Gemm":
                if (b != 0 || OtherInputsCarryBatch(node, 0) || IntAttr(node, "transA", 0) != 0) return "the batch must be the rows of A (transA = 0)";
                return Out(node, 0, 2);
            case "MatMul":
                return VisitMatMul(node);
            case "Flatten":
                {
                    long axis = IntAttr(node, "axis", 1);
                    if (axis < 0 && Rank(node.Input[0]) is { } r) axis += r;
                    return b == 0 && axis == 1 ? Out(node, 0, 2) : $"Flatten at axis {axis} merges the batch (axis {b}) with other axes";
                }
            case "Reshape":
                return VisitReshape(node, b!.Value);
            case "Transpose":
                {
                    int? rank = Rank(node.Input[0]);
                    long[]? perm = IntsAttr(node, "perm") ?? (rank is { } r ? [.. Enumerable.Range(0, r).Reverse().Select(x => (long)x)] : null);
                    if (perm is null) return "no perm and unknown rank";
                    return Out(node, Array.IndexOf(perm, (long)b!.Value), perm.Length);
                }
            case "Softmax" or "LogSoftmax" or "Hardmax":
                {
                    int? rank = Rank(node.Input[0]);
                    long axis = IntAttr(node, "axis", opset < 13 ? 1 : -1);
                    if (axis < 0)
                    {
                        if (rank is null) return "negative axis with unknown rank";
                        axis += rank.Value;
                    }
                    bool rowsIndependent = opset < 13 ? b < axis : b != axis;
                    return rowsIndependent ? Out(node, b!.Value, rank) : $"normalizes across the batch (axis {axis})";
                }
            case "LayerNormalization":
                {
                    int? rank = Rank(node.Input[0]);
                    long axis = IntAttr(node, "axis", -1);
                    if (axis < 0 && rank is { } r) axis += r;
                    if (axis <= b || OtherInputsCarryBatch(node, 0)) return $"normalizes across the batch (axis {axis})";
                    Set(node.Output[0], b!.Value, rank);
                    return null;
                }
            case var op when Reductions.Contains(op) || op is "ArgMax" or "ArgMin":
                return VisitReduction(node, b!.Value);
            case "Concat":
                {
                    long axis = IntAttr(node, "axis", 0);
                    int? rank = Rank(node.Input[0]);
                    if (axis < 0 && rank is { } r) axis += r;
                    if (node.Input.Any(i => Axis(i) != b)) return "an input without the batch (or with it on another axis) is concatenated to batch rows";
                    return axis == b ? "concatenates along the batch" : Out(node, b!.Value, rank);
                }
            case "Split":
                {
                    long axis = IntAttr(node, "axis", 0);
                    int? rank = Rank(node.Input[0]);
                    if (axis < 0 && rank is { } r) axis += r;
                    if (axis == b || OtherInputsCarryBatch(node, 0)) return "splits along the batch";
                    foreach (string output in node.Output) Set(output, b!.Value, rank);
                    return null;
                }
            case "Slice":
                return VisitSlice(node, b!.Value);
            case "Gather":
                return VisitGather(node);
            case "Squeeze":
                {
                    long[]? axes = AxesOf(node, "axes", 1);
                    int? rank = Rank(node.Input[0]);
                    if (axes is null || rank is null) return "squeezes without explicit axes (would drop the batch of 1)";
                    axes = Normalize(axes, rank.Value);
                    if (axes.Contains(b!.Value)) return "squeezes the batch axis";
                    return Out(node, b.Value - axes.Count(a => a < b), rank - axes.Length);
                }
            case "Unsqueeze":
                {
                    long[]? axes = AxesOf(node, "axes", 1);
                    int? rank = Rank(node.Input[0]);
                    if (axes is null || rank is null) return "axes or rank unknown";
                    int outRank = rank.Value + axes.Length;
                    var inserted = new HashSet<long>(Normalize(axes, outRank));
                    int seen = -1;
                    for (int j = 0; j < outRank; j++)
                        if (!inserted.Contains(j) && ++seen == b) return Out(node, j, outRank);
                    return "axes out of range";
                }
            case "Expand" or "Tile":
                {
                    if (OtherInputsCarryBatch(node, 0)) return "the shape depends on the batch";
                    int? rank = Rank(node.Input[0]);
                    long[]? values = ConstantInts(node.Input[1]);
                    if (values is null) return Out(node, b!.Value, rank); // computed from the input's own shape at run time
                    int aligned = b!.Value + Math.Max(0, values.Length - (rank ?? values.Length));
                    if (aligned < values.Length && values[aligned] != 1) return $"{(node.OpType == "Tile" ? "repeats" : "expands")} the batch axis to {values[aligned]}";
                    return Out(node, aligned, Math.Max(values.Length, rank ?? 0));
                }
            case "Shape" or "Size":
                return null; // batch-free layout; its value is computed at run time
            default:
                return "op is not known to keep rows independent";
        }
    }

    private string? VisitBroadcasting(NodeProto node)
    {
        var inputRanks = node.Input.Select(i => i.Length == 0 ? 0 : Rank(i)).ToArray();
        if (inputRanks.Any(r => r is null))
        {
            // Without ranks: accept when every batch input has it on axis 0 and no batch-free input is wider than a vector.
            if (node.Input.Any(i => Axis(i) is { } a && a != 0)) return "ranks unknown";
            Set(node.Output[0], 0, null);
            return null;
        }
        int outRank = inputRanks.Max()!.Value;
        int? aligned = null;
        for (int i = 0; i < node.Input.Count; i++)
        {
            if (Axis(node.Input[i]) is not { } a) continue;
            int at = a + outRank - inputRanks[i]!.Value;
            if (aligned is not null && aligned != at) return "inputs carry the batch on different axes";
            aligned = at;
        }
        for (int i = 0; i < node.Input.Count; i++)
        {
            if (node.Input[i].Length == 0 || Axis(node.Input[i]) is not null) continue;
            int local = aligned!.Value - (outRank - inputRanks[i]!.Value);
            if (local >= 0 && DimOf(node.Input[i], local) is var d && d != 1)
                return $"batch-free input '{node.Input[i]}' has {(d is null ? "an unknown" : d.ToString())} size on the batch axis";
        }
        return Out(node, aligned!.Value, outRank);
    }

    private string? VisitMatMul(NodeProto node)
    {
        int? a = Axis(node.Input[0]), bAxis = Axis(node.Input[1]);
        int? rankA = Rank(node.Input[0]), rankB = Rank(node.Input[1]);
        if (a is null) return "the batch is in the right operand";
        if (rankA is null) return a == 0 && bAxis is null ? Out(node, 0, null) : "rank unknown";
        if (rankA < 2 || a >= rankA - 1) return "the batch is the contracted axis";
        int outRank = Math.Max(rankA.Value, rankB ?? 0);
        int aligned = a.Value + outRank - rankA.Value;
        if (bAxis is { } bb)
        {
            if (rankB is null || bb + outRank - rankB.Value != aligned || bb >= rankB - 2) return "operands carry the batch on different axes";
        }
        else if (rankB is { } rb && aligned - (outRank - rb) is var local && local >= 0 && local < rb - 2 && DimOf(node.Input[1], local) != 1)
        {
            return "the right operand has a size other than 1 on the batch axis";
        }
        return Out(node, aligned, outRank);
    }

    private string? VisitReshape(NodeProto node, int b)
    {
        if (OtherInputsCarryBatch(node, 0)) return "the shape input carries the batch";
        long[]? shape = ConstantInts(node.Input[1]);
        if (shape is null) return b == 0 ? Out(node, 0, null) : "the batch is not axis 0 and the shape is computed"; // Shape → Gather → Concat follows the input
        if (b != 0) return $"the batch is axis {b} of the data";
        if (shape.Length == 0) return "reshapes to a scalar";
        bool allowZero = IntAttr(node, "allowzero", 0) != 0;
        long? rowSize = RowSize(node.Input[0]);
        long? rest = 1;
        for (int i = 1; i < shape.Length && rest is not null; i++)
            rest = shape[i] switch
            {
                -1 => null,
                0 when !allowZero => DimOf(node.Input[0], i) is { } d ? rest * d : null,
                _ => rest * shape[i],
            };
        switch (shape[0])
        {
            case 0 when !allowZero:
                return Out(node, 0, shape.Length);
            case 1 when !allowZero:
                ReshapesToRewrite.Add(node);
                return Out(node, 0, shape.Length);
            case -1:
                if (shape.Length == 1) return "flattens the batch into one axis";
                if (rowSize is { } size && rest is { } r && size != r) return $"folds the batch into the first axis (rows of {size} into {r})";
                return Out(node, 0, shape.Length);
            default:
                return $"the shape hard-codes {shape[0]} as the batch";
        }
    }

    private string? VisitReduction(NodeProto node, int b)
    {
        int? rank = Rank(node.Input[0]);
        bool keepDims = IntAttr(node, "keepdims", 1) != 0;
        long[]? axes = node.OpType is "ArgMax" or "ArgMin" ? [IntAttr(node, "axis", 0)] : AxesOf(node, "axes", 1);
        if (axes is null || axes.Length == 0)
            return IntAttr(node, "noop_with_empty_axes", 0) != 0 ? Out(node, b, rank) : "reduces over every axis, the batch included";
        if (rank is null && axes.Any(a => a < 0)) return "negative axes with unknown rank";
        axes = Normalize(axes, rank ?? 0);
        if (axes.Contains(b)) return "reduces over the batch";
        return Out(node, keepDims ? b : b - axes.Count(a => a < b), rank is null ? null : keepDims ? rank : rank - axes.Length);
    }

    private string? VisitSlice(NodeProto node, int b)
    {
        if (OtherInputsCarryBatch(node, 0)) return "slice bounds depend on the batch";
        int? rank = Rank(node.Input[0]);
        long[]? starts, ends, axes;
        if (opset < 10)
        {
            starts = IntsAttr(node, "starts");
            ends = IntsAttr(node, "ends");
            axes = IntsAttr(node, "axes");
        }
        else
        {
            starts = ConstantInts(node.Input[1]);
            ends = ConstantInts(node.Input[2]);
            axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? ConstantInts(node.Input[3]) : null;
            if (node.Input.Count > 3 && node.Input[3].Length > 0 && axes is null) return "axes are computed";
        }
        if (starts is null || ends is null) return "bounds are computed";
        axes ??= [.. Enumerable.Range(0, starts.Length).Select(x => (long)x)];
        if (rank is null && axes.Any(a => a < 0)) return "negative axes with unknown rank";
        axes = Normalize(axes, rank ?? 0);
        int at = Array.IndexOf(axes, (long)b);
        if (at >= 0 && !(starts[at] == 0 && ends[at] >= int.MaxValue)) return "slices the batch axis";
        return Out(node, b, rank);
    }

    private string? VisitGather(NodeProto node)
    {
        int? dataAxis = Axis(node.Input[0]), indexAxis = Axis(node.Input[1]);
        int? dataRank = Rank(node.Input[0]), indexRank = Rank(node.Input[1]);
        long axis = IntAttr(node, "axis", 0);
        if (axis < 0)
        {
            if (dataRank is null) return "negative axis with unknown rank";
            axis += dataRank.Value;
        }
        int? outRank = dataRank is null || indexRank is null ? null : dataRank + indexRank - 1;
        if (dataAxis is { } b && indexAxis is null)
        {
            if (axis == b) return "gathers along the batch";
            if (axis > b) return Out(node, b, outRank);
            return indexRank is { } r ? Out(node, b + r - 1, outRank) : "index rank unknown";
        }
        if (dataAxis is null && indexAxis is { } ib) return Out(node, (int)axis + ib, outRank); // embedding lookup of batch ids
        return "both data and indices carry the batch";
    }

    private string? Out(NodeProto node, int axis, int? rank)
    {
        if (axis < 0) return "loses the batch axis";
        Set(node.Output[0], axis, rank);
        return null;
    }

    private void Set(string value, int axis, int? rank)
    {
        if (value.Length == 0) return;
        BatchAxes[value] = axis;
        if (rank is { } r && !ranks.ContainsKey(value)) ranks[value] = r;
    }

    private int? Axis(NodeProto node, int input) => input < node.Input.Count ? Axis(node.Input[input]) : null;

    private int? Axis(string value) => BatchAxes.TryGetValue(value, out int axis) ? axis : null;

    private bool OtherInputsCarryBatch(NodeProto node, int batchInput)
    {
        for (int i = 0; i < node.Input.Count; i++)
            if (i != batchInput && BatchAxes.ContainsKey(node.Input[i])) return true;
        return false;
    }

    private int? Rank(string value) => ranks.TryGetValue(value, out int rank) ? rank : null;

    /// <summary>A concrete dim of a value from its initializer or recorded shape, or null.</summary>
    private long? DimOf(string value, int axis)
    {
        if (constants.TryGetValue(value, out var tensor)) return axis < tensor.Dims.Count ? tensor.Dims[axis] : null;
        var shape = model.GetShape(value);
        return shape is not null && axis < shape.Length ? shape[axis] : null;
    }

    /// <summary>Elements per batch row of a value whose batch is axis 0, when its recorded shape is concrete.</summary>
    private long? RowSize(string value)
    {
        var shape = model.GetShape(value);
        if (shape is null || shape.Length == 0) return null;
        long size = 1;
        for (int i = 1; i < shape.Length; i++)
        {
            if (shape[i] is not { } d) return null;
            size *= d;
        }
        return size;
    }

    private long[]? ConstantInts(string value)
    {
        if (!constants.TryGetValue(value, out var tensor)) return null;
        try { return OnnxTensor.ToInt64Array(tensor); }
        catch (Exception ex) when (ex is System.IO.InvalidDataException or NotSupportedException) { return null; }
    }

    /// <summary>Axes from an attribute (older opsets) or a constant input (newer ones); null when absent or computed.</summary>
    private long[]? AxesOf(NodeProto node, string attribute, int input) =>
        IntsAttr(node, attribute) ?? (input < node.Input.Count && node.Input[input].Length > 0 ? ConstantInts(node.Input[input]) : null);

    private static long[] Normalize(long[] axes, int rank) => [.. axes.Select(a => a < 0 ? a + rank : a)];

    private static long IntAttr(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? attribute.I : fallback;

    private static long[]? IntsAttr(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } attribute ? [.. attribute.Ints] : null;
}
