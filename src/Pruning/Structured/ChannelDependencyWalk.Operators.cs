using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

// The op rules: how each operator passes the channels of its inputs to its outputs, or reads them as a consumer.
internal sealed partial class ChannelDependencyWalk
{
    /// <summary>Element-wise ops with f(0) = 0: a removed channel stays 0.</summary>
    private static readonly HashSet<string> ZeroPreserving = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "Tanh", "Erf", "Identity", "Dropout", "Neg", "Abs", "Sign", "Sin", "Tan", "Asin", "Atan", "Sinh",
        "Asinh", "Atanh", "Elu", "Selu", "Celu", "HardSwish", "Gelu", "Mish", "Softsign", "Sqrt", "Round", "Floor", "Ceil",
        "ThresholdedRelu", "Cast",
    };

    /// <summary>Element-wise ops with a finite f(0) ≠ 0: the channels stay apart, but a removed channel is no longer 0.</summary>
    private static readonly HashSet<string> ZeroBreaking = new(StringComparer.Ordinal)
    {
        "Sigmoid", "HardSigmoid", "Exp", "Cos", "Cosh", "Softplus", "Acos",
    };

    private static readonly HashSet<string> Pools = new(StringComparer.Ordinal)
    {
        "MaxPool", "AveragePool", "LpPool", "GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool",
    };

    /// <summary>Reductions with reduce(0, …, 0) = 0.</summary>
    private static readonly HashSet<string> Reductions = new(StringComparer.Ordinal)
    {
        "ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceL1", "ReduceL2", "ReduceSumSquare",
    };

    private enum BroadcastKind { Broadcast, PerChannel, Mismatch, Unknown }

    private void Visit(NodeProto node, int index, string name)
    {
        string op = node.OpType;
        if (!GraphConstants.IsDefaultDomain(node.Domain))
        {
            FailAll(node, $"{name}: {node.Domain}.{op} is not analysed");
            return;
        }
        if (ZeroPreserving.Contains(op) || ZeroBreaking.Contains(op) || op == "Clip") Unary(node, index, name);
        else if (op is "Add" or "Sub" or "Mul" or "Div" or "Sum" or "Max" or "Min" or "Mean" or "PRelu") ElementWise(node, index, name);
        else if (op is "BatchNormalization" or "InstanceNormalization") Normalization(node, index, name);
        else if (op == "Pow") Power(node, index, name);
        else if (Pools.Contains(op)) Pool(node, index, name);
        else if (op is "Pad" or "Slice" or "Resize" or "Upsample") Spatial(node, index, name);
        else if (op is "Flatten" or "Reshape" or "Squeeze" or "Unsqueeze") Reshape(node, index, name);
        else if (op == "Transpose") Transpose(node, index, name);
        else if (op == "Concat") Concat(node, index, name);
        else if (op == "Split") Split(node, index, name);
        else if (op == "Gather") Gather(node, index, name);
        else if (Reductions.Contains(op)) Reduce(node, index, name);
        else if (op == "Gemm") Gemm(node, index, name);
        else if (op == "MatMul") MatMul(node, index, name);
        else if (op is "Conv" or "ConvTranspose") Conv(node, index, name);
        else if (op is "Shape" or "Size") { } // reads only the shape, computed at run time from the pruned value
        else if (op is "LayerNormalization" or "Softmax" or "LogSoftmax" or "LpNormalization" or "MeanVarianceNormalization")
            FailAll(node, $"{name} ({op}) reduces over the channels");
        else FailAll(node, $"{name} ({op}) is not known to keep channels apart");
    }

    // ---- element-wise --------------------------------------------------------------------------------------------

    private void Unary(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name) || !OnlyFirstOutputRead(node, name)) return;
        bool breaks = ZeroBreaking.Contains(node.OpType) || (node.OpType == "Clip" && !ClipKeepsZero(node));
        Emit(node.Output[0], index, TagsOf(node.Input[0]).Select(t => breaks && t.BrokenBy is null ? t with { BrokenBy = name } : t).ToList());
    }

    private bool ClipKeepsZero(NodeProto node)
    {
        float min = FloatAttribute(node, "min") ?? (node.Input.Count > 1 && node.Input[1].Length > 0 ? Scalar(node.Input[1]) : float.NegativeInfinity) ?? float.NaN;
        float max = FloatAttribute(node, "max") ?? (node.Input.Count > 2 && node.Input[2].Length > 0 ? Scalar(node.Input[2]) : float.PositiveInfinity) ?? float.NaN;
        return min <= 0 && max >= 0; // NaN (a computed bound) compares false: treated as breaking
    }

    /// <summary>Pow with a constant positive exponent maps 0 to 0 (LayerNorm's square); anything else is not followed.</summary>
    private void Power(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        if (Scalar(node.Input[1]) is > 0) Emit(node.Output[0], index, TagsOf(node.Input[0]));
        else FailAll(node, $"{name} (Pow) has no constant positive exponent");
    }

    private float? Scalar(string value) => _constants.Floats(value) is [var v] ? v : null;

    private bool IsZeroConstant(string value) =>
        _shapes.TryGetValue(value, out var shape) && shape.Aggregate(1L, (a, b) => a * b) <= 4096
        && _constants.Floats(value) is { } values && values.All(v => v == 0);

    /// <summary>
    /// Add/Sub/Mul/Div/Sum/Max/Min/Mean/PRelu: inputs carrying channels must carry them at the same layout (their
    /// producers merge: residual connections); other inputs must broadcast along the channels or be per-channel
    /// initializers (biases and scales: Parameter slices; a divisor: a Statistic, never zeroed).
    /// </summary>
    private void ElementWise(NodeProto node, int index, string name)
    {
        string op = node.OpType;
        if (!_shapes.TryGetValue(node.Output[0], out var outShape))
        {
            FailAll(node, $"{name}: no shape is known for its output");
            return;
        }
        int rank = outShape.Length;
        var inputs = new List<(int Index, string Value, List<ChannelTag> Tags)>();
        for (int k = 0; k < node.Input.Count; k++)
        {
            string value = node.Input[k];
            if (value.Length == 0) continue;
            var tags = TagsOf(value);
            int shift = rank - (_shapes.TryGetValue(value, out var s) ? s.Length : rank);
            inputs.Add((k, value, tags.Select(t => t with { Axis = t.Axis + shift }).OrderBy(t => t.Axis).ThenBy(t => t.Offset).ToList()));
        }
        var tagged = inputs.Where(i => i.Tags.Count > 0).ToList();
        if ((op is "Div" or "PRelu") && tagged.Any(i => i.Index > 0))
        {
            FailAll(node, $"{name} ({op}) reads the channels as its {(op == "Div" ? "divisor" : "slope")}");
            return;
        }
        var reference = tagged[0].Tags;
        foreach (var other in tagged.Skip(1))
            if (other.Tags.Count != reference.Count || other.Tags.Zip(reference).Any(p => !p.First.SameLayout(p.Second)))
            {
                FailAll(node, $"{name} ({op}) combines values whose channels are laid out differently");
                return;
            }
        var output = new List<ChannelTag>();
        for (int j = 0; j < reference.Count; j++)
        {
            var coupled = tagged.Select(i => i.Tags[j]).ToList();
            foreach (var partner in coupled.Skip(1)) Union(coupled[0].Producer, partner.Producer);
            // Mul is 0 when any operand is 0; sums and extrema only when all are.
            string? brokenBy = op == "Mul" && coupled.Any(t => t.BrokenBy is null) ? null : coupled.Select(t => t.BrokenBy).FirstOrDefault(b => b is not null);
            var tag = coupled[0] with { BrokenBy = brokenBy };
            foreach (var input in inputs.Where(i => i.Tags.Count == 0))
            {
                switch (Broadcast(input.Value, rank, tag, outShape))
                {
                    case BroadcastKind.Broadcast:
                        if (op is not ("Mul" or "Div" or "PRelu") && !IsZeroConstant(input.Value)) tag = tag with { BrokenBy = tag.BrokenBy ?? name };
                        break;
                    case BroadcastKind.PerChannel when _constants.IsInitializer(input.Value):
                        int axis = tag.Axis - (rank - _shapes[input.Value].Length);
                        var role = op == "Div" ? ChannelRole.Statistic : ChannelRole.Parameter;
                        PerChannelParameter(tag, input.Value, axis, role, name);
                        if (op == "Mul") tag = tag with { BrokenBy = null }; // a zeroed scale makes the channel 0
                        break;
                    case BroadcastKind.PerChannel:
                        Fail(tag, $"{name} ({op}) combines the channels with {input.Value}, which no analysed layer produces and is not an initializer");
                        break;
                    default:
                        Fail(tag, $"{name} ({op}): {input.Value} does not broadcast along the channels");
                        break;
                }
            }
            // A failed group still flows on: the values it reaches couple other producers to it, and later reasons are reported too.
            output.Add(tag);
        }
        if (OnlyFirstOutputRead(node, name)) Emit(node.Output[0], index, output);
    }

    private BroadcastKind Broadcast(string input, int outputRank, ChannelTag tag, long[] outputShape)
    {
        if (!_shapes.TryGetValue(input, out var shape)) return BroadcastKind.Unknown;
        int axis = tag.Axis - (outputRank - shape.Length);
        if (axis < 0 || shape[axis] == 1) return BroadcastKind.Broadcast;
        return shape[axis] == outputShape[tag.Axis] ? BroadcastKind.PerChannel : BroadcastKind.Mismatch;
    }

    private void Normalization(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name) || !OnlyFirstOutputRead(node, name)) return;
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (tag.Axis != 1)
            {
                Fail(tag, $"{name} ({node.OpType}) normalizes axis 1, not the channel axis {tag.Axis}");
                continue;
            }
            bool ok = true;
            for (int k = 1; k < node.Input.Count && ok; k++)
                ok = PerChannelParameter(tag, node.Input[k], 0, k <= 2 ? ChannelRole.Parameter : ChannelRole.Statistic, name);
            // With its scale and bias zeroed the normalization writes 0 for a removed channel, whatever it read.
            if (ok) output.Add(tag with { BrokenBy = null });
        }
        Emit(node.Output[0], index, output);
    }

    // ---- layout ----------------------------------------------------------------------------------------------------

    private void Pool(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name) || !OnlyFirstOutputRead(node, name)) return;
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, node.OpType)) continue;
            if (tag.Axis != 1) Fail(tag, $"{name} ({node.OpType}) pools over the channel axis {tag.Axis}");
            else output.Add(tag);
        }
        Emit(node.Output[0], index, output);
    }

    /// <summary>
    /// Pad, Slice, Resize and Upsample act on each channel alone as long as they leave the channel axis as it is (same
    /// size in and out, no pads or slicing on it) and pad with 0: a removed channel stays 0.
    /// </summary>
    private void Spatial(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        if (!_shapes.TryGetValue(node.Input[0], out var inShape) || !_shapes.TryGetValue(node.Output[0], out var outShape) || inShape.Length != outShape.Length)
        {
            FailAll(node, $"{name} ({node.OpType}): no shapes of equal rank are known for its input and output");
            return;
        }
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, node.OpType)) continue;
            string? problem = node.OpType == "Pad" ? PadProblem(node, tag.Axis, inShape.Length)
                : node.OpType == "Slice" ? SliceProblem(node, tag.Axis, inShape.Length)
                : null;
            if (problem is null && inShape[tag.Axis] != outShape[tag.Axis]) problem = "changes the channel axis";
            if (problem is null) output.Add(tag);
            else Fail(tag, $"{name} ({node.OpType}) {problem}");
        }
        Emit(node.Output[0], index, output);
    }

    private string? PadProblem(NodeProto node, int axis, int rank)
    {
        string mode = node.Attribute.FirstOrDefault(a => a.Name == "mode")?.S.ToStringUtf8() ?? "constant";
        long[]? pads = IntsAttribute(node, "pads") ?? (node.Input.Count > 1 && node.Input[1].Length > 0 ? _constants.Int64s(node.Input[1]) : null);
        long[]? axes = node.Input.Count > 3 && node.Input[3].Length > 0 ? _constants.Int64s(node.Input[3]) : Enumerable.Range(0, rank).Select(i => (long)i).ToArray();
        if (pads is null || axes is null || pads.Length != 2 * axes.Length) return "has pads computed at run time";
        for (int i = 0; i < axes.Length; i++)
            if ((axes[i] < 0 ? axes[i] + rank : axes[i]) == axis && (pads[i] != 0 || pads[i + axes.Length] != 0)) return "pads the channel axis";
        if (mode != "constant") return null;
        float value = FloatAttribute(node, "value") ?? (node.Input.Count > 2 && node.Input[2].Length > 0 ? Scalar(node.Input[2]) ?? float.NaN : 0f);
        return value == 0 ? null : "pads with a non-zero value";
    }

    private string? SliceProblem(NodeProto node, int axis, int rank)
    {
        // Opset 10+: starts, ends, axes, steps inputs; before: attributes.
        long[]? starts = IntsAttribute(node, "starts") ?? (node.Input.Count > 1 ? _constants.Int64s(node.Input[1]) : null);
        long[]? axes = IntsAttribute(node, "axes") ?? (node.Input.Count > 3 && node.Input[3].Length > 0 ? _constants.Int64s(node.Input[3]) : null);
        if (starts is null) return "slices with bounds computed at run time";
        axes ??= Enumerable.Range(0, starts.Length).Select(i => (long)i).ToArray();
        if (node.Input.Count > 3 && node.Input[3].Length > 0 && _constants.Int64s(node.Input[3]) is null) return "slices axes computed at run time";
        return axes.Any(a => (a < 0 ? a + rank : a) == axis) ? "slices the channel axis" : null;
    }

    /// <summary>
    /// Flatten/Reshape/Squeeze/Unsqueeze keep the element order, so the channel axis maps to the output axis whose
    /// leading dims hold the same number of elements; the dims it absorbs make each channel a block of features.
    /// </summary>
    private void Reshape(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        if (!_shapes.TryGetValue(node.Input[0], out var inShape) || !_shapes.TryGetValue(node.Output[0], out var outShape))
        {
            FailAll(node, $"{name}: no shape is known for its input or output");
            return;
        }
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, node.OpType)) continue;
            var mapped = MapReshape(inShape, outShape, tag.Axis, out bool splits);
            if (mapped is not { } m)
            {
                Fail(tag, splits
                    ? $"{name} ({node.OpType}) splits features into heads: use Granularity Head"
                    : $"{name} ({node.OpType}) mixes the channel axis with others ([{string.Join(", ", inShape)}] → [{string.Join(", ", outShape)}])");
                continue;
            }
            var moved = tag with { Axis = m.Axis, Offset = tag.Offset * m.Factor, Block = tag.Block * m.Factor };
            if (node.OpType == "Reshape" && !ReshapeTarget(node, name, tag, moved, m.Factor)) continue;
            output.Add(moved);
        }
        Emit(node.Output[0], index, output);
    }

    private static (int Axis, long Factor)? MapReshape(long[] input, long[] output, int axis, out bool splits)
    {
        splits = false;
        long before = 1;
        for (int i = 0; i < axis; i++) before *= input[i];
        long width = input[axis];
        long prefix = 1;
        for (int j = 0; j < output.Length && prefix <= before; prefix *= output[j], j++)
        {
            if (prefix != before) continue;
            if (output[j] >= width && output[j] % width == 0)
            {
                long factor = output[j] / width, trailing = 1;
                for (int t = axis + 1; trailing < factor && t < input.Length; t++) trailing *= input[t];
                if (trailing == factor) return (j, factor);
            }
            else if (output[j] < width)
            {
                long product = 1;
                for (int k = j; k < output.Length && product < width; k++) product *= output[k];
                splits |= product == width;
            }
        }
        return null;
    }

    /// <summary>
    /// Checks the Reshape's target entry for the channel axis: −1 (inferred) needs nothing, 0 copies the pruned input
    /// dim, a count becomes a <see cref="ShapeConstant"/>; an entry computed at run time cannot be proven.
    /// </summary>
    private bool ReshapeTarget(NodeProto node, string name, ChannelTag tag, ChannelTag moved, long factor)
    {
        if (node.Input.Count < 2)
        {
            Fail(tag, $"{name}: a Reshape with a shape attribute (opset 1) is not supported");
            return false;
        }
        int j = moved.Axis;
        string tensor = node.Input[1];
        int entry = j;
        if (_constants.Int64s(tensor) is null && _nodeOfOutput.TryGetValue(tensor, out int producer)
            && _graph.Node[producer] is { OpType: "Concat" } concat)
        {
            // A target assembled at run time from pieces (torch's x.view(x.size(0), -1)): only the piece of the channel entry must be constant.
            int start = 0;
            foreach (string piece in concat.Input)
            {
                long length = _shapes.TryGetValue(piece, out var s) && s.Length == 1 ? s[0] : -1;
                if (length < 0) break;
                if (j < start + length)
                {
                    tensor = piece;
                    entry = j - start;
                    break;
                }
                start += (int)length;
            }
        }
        if (_constants.Int64s(tensor) is not { } values || entry >= values.Length)
        {
            Fail(tag, $"{name}: the Reshape target's entry {j} (the channels) is computed at run time");
            return false;
        }
        long value = values[entry];
        if (value == -1) return true;
        if (value == 0 && IntAttribute(node, "allowzero", 0) == 0 && j == tag.Axis && factor == 1) return true;
        if (value <= 0)
        {
            Fail(tag, $"{name}: the Reshape target's entry {j} is {value}");
            return false;
        }
        long perChannel = moved.Block;
        _producers[tag.Producer].ShapeConstants.Add(new ShapeConstant(tensor, entry, perChannel, value - moved.Count * perChannel, name));
        return true;
    }

    private void Transpose(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, node.OpType)) continue;
            int rank = _shapes.TryGetValue(node.Input[0], out var s) ? s.Length : 0;
            long[] perm = IntsAttribute(node, "perm") ?? Enumerable.Range(0, rank).Reverse().Select(i => (long)i).ToArray();
            int axis = Array.IndexOf(perm, (long)tag.Axis);
            if (axis < 0) Fail(tag, $"{name} (Transpose): its perm does not name the channel axis");
            else output.Add(tag with { Axis = axis });
        }
        Emit(node.Output[0], index, output);
    }

    /// <summary>Concat along the channel axis puts the inputs' channels after one another (offsets); along another axis the inputs couple.</summary>
    private void Concat(NodeProto node, int index, string name)
    {
        if (!_shapes.TryGetValue(node.Output[0], out var outShape))
        {
            FailAll(node, $"{name}: no shape is known for its output");
            return;
        }
        int axis = (int)IntAttribute(node, "axis", 0);
        if (axis < 0) axis += outShape.Length;
        var all = AllTags(node).ToList();
        if (all.Any(t => t.Axis != axis))
        {
            if (all.Any(t => t.Axis == axis)) FailAll(node, $"{name} (Concat) joins values whose channels lie on different axes");
            else ElementWise(node, index, name); // every input must carry the same channels: they couple like an Add
            return;
        }
        var output = new List<ChannelTag>();
        long offset = 0;
        foreach (string input in node.Input)
        {
            foreach (var tag in TagsOf(input))
                if (IsZero(tag, name, "Concat")) output.Add(tag with { Offset = tag.Offset + offset });
            offset += _shapes.TryGetValue(input, out var s) ? s[axis] : 0;
        }
        Emit(node.Output[0], index, output);
    }

    /// <summary>Split along the channel axis hands each output the channels inside its range (First/Count); a channel cut in two fails.</summary>
    private void Split(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        if (!_shapes.TryGetValue(node.Input[0], out var inShape) || node.Output.Any(o => !_shapes.ContainsKey(o)))
        {
            FailAll(node, $"{name}: no shape is known for its input or outputs");
            return;
        }
        int axis = (int)IntAttribute(node, "axis", 0);
        if (axis < 0) axis += inShape.Length;
        var tags = TagsOf(node.Input[0]).Where(t => IsZero(t, name, "Split")).ToList();
        long start = 0;
        foreach (string output in node.Output)
        {
            long length = _shapes[output][axis];
            var parts = new List<ChannelTag>();
            foreach (var tag in tags)
            {
                if (tag.Axis != axis)
                {
                    parts.Add(tag);
                    continue;
                }
                long end = start + length;
                if (end <= tag.Offset || start >= tag.End) continue;
                long first = Math.Max(0, (start - tag.Offset + tag.Block - 1) / tag.Block);
                long last = Math.Min(tag.Count, (end - tag.Offset) / tag.Block); // exclusive
                bool cut = (start > tag.Offset && (start - tag.Offset) % tag.Block != 0) || (end < tag.End && (end - tag.Offset) % tag.Block != 0);
                if (cut)
                {
                    Fail(tag, $"{name} (Split) cuts a channel's block of {tag.Block} elements");
                    continue;
                }
                if (last > first)
                    parts.Add(tag with { Offset = tag.Offset + first * tag.Block - start, First = tag.First + (int)first, Count = (int)(last - first) });
            }
            if (_constants.IsRead(output)) Emit(output, index, parts);
            start += length;
        }
    }

    private void Gather(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        int rank = _shapes.TryGetValue(node.Input[0], out var s) ? s.Length : 0;
        int indicesRank = _shapes.TryGetValue(node.Input[1], out var i) ? i.Length : -1;
        int axis = (int)IntAttribute(node, "axis", 0);
        if (axis < 0) axis += rank;
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, "Gather")) continue;
            if (tag.Axis == axis || indicesRank < 0) Fail(tag, $"{name} (Gather) gathers along the channel axis");
            else output.Add(tag.Axis < axis ? tag : tag with { Axis = tag.Axis - 1 + indicesRank });
        }
        Emit(node.Output[0], index, output);
    }

    private void Reduce(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        int rank = _shapes.TryGetValue(node.Input[0], out var s) ? s.Length : 0;
        // Axes from the attribute (before opset 18) or the input; none: every axis (or none with noop_with_empty_axes).
        // Axes computed at run time count as every axis.
        long[]? axes = IntsAttribute(node, "axes");
        bool computed = false;
        if (axes is null && node.Input.Count > 1 && node.Input[1].Length > 0)
        {
            axes = _constants.Int64s(node.Input[1]);
            computed = axes is null;
        }
        if (!computed && (axes is null || axes.Length == 0)) axes = IntAttribute(node, "noop_with_empty_axes", 0) != 0 ? [] : null;
        bool keep = IntAttribute(node, "keepdims", 1) != 0;
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, node.OpType)) continue;
            var normalized = axes?.Select(a => a < 0 ? a + rank : a).ToArray();
            if (normalized is null || normalized.Contains(tag.Axis)) Fail(tag, $"{name} ({node.OpType}) reduces over the channels");
            else output.Add(keep ? tag : tag with { Axis = tag.Axis - normalized.Count(a => a < tag.Axis) });
        }
        Emit(node.Output[0], index, output);
    }

    // ---- consumers -------------------------------------------------------------------------------------------------

    private void Gemm(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        string b = node.Input[1];
        int aAxis = IntAttribute(node, "transA", 0) == 0 ? 1 : 0;
        int bAxis = IntAttribute(node, "transB", 0) == 0 ? 0 : 1;
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, "Gemm")) continue;
            if (tag.Axis != aAxis) Fail(tag, $"{name} (Gemm) reads the channels along the rows of A");
            else if (!_constants.IsInitializer(b)) Fail(tag, $"{name} (Gemm): its B input {b} is not an initializer");
            else AddConsumer(tag, b, bAxis, name, index);
        }
    }

    /// <summary>
    /// MatMul with the channels on the contracted axis and an initializer on the other side is a consumer (either
    /// side); with the channels on a kept axis (rows of the left operand, columns of the right one) the channels pass
    /// through (each output element is a sum of products with one channel's elements).
    /// </summary>
    private void MatMul(NodeProto node, int index, string name)
    {
        string a = node.Input[0], b = node.Input[1];
        var aTags = TagsOf(a);
        var bTags = TagsOf(b);
        if (aTags.Count > 0 && bTags.Count > 0)
        {
            FailAll(node, $"{name} (MatMul) multiplies two values that both carry channels");
            return;
        }
        if (!_shapes.TryGetValue(a, out var aShape) || !_shapes.TryGetValue(b, out var bShape) || !_shapes.TryGetValue(node.Output[0], out var outShape)
            || aShape.Length < 2 || bShape.Length < 2)
        {
            FailAll(node, $"{name} (MatMul): operands of rank 2 or more with known shapes are needed");
            return;
        }
        var output = new List<ChannelTag>();
        foreach (var tag in aTags)
        {
            if (!IsZero(tag, name, "MatMul")) continue;
            if (tag.Axis == aShape.Length - 1)
            {
                if (_constants.IsInitializer(b)) AddConsumer(tag, b, bShape.Length - 2, name, index);
                else Fail(tag, $"{name} (MatMul) contracts the channels with {b}, which is not an initializer");
            }
            else if (tag.Axis == aShape.Length - 2) output.Add(tag with { Axis = outShape.Length - 2 });
            else Fail(tag, $"{name} (MatMul) broadcasts over the channel axis");
        }
        foreach (var tag in bTags)
        {
            if (!IsZero(tag, name, "MatMul")) continue;
            if (tag.Axis == bShape.Length - 2)
            {
                if (_constants.IsInitializer(a)) AddConsumer(tag, a, aShape.Length - 1, name, index);
                else Fail(tag, $"{name} (MatMul) contracts the channels with {a}, which is not an initializer");
            }
            else if (tag.Axis == bShape.Length - 1) output.Add(tag with { Axis = outShape.Length - 1 });
            else Fail(tag, $"{name} (MatMul) broadcasts over the channel axis");
        }
        if (output.Count > 0) Emit(node.Output[0], index, output);
    }

    /// <summary>Conv/ConvTranspose read the channels on axis 1 of X; a depthwise Conv passes them through with its filters and bias as Parameters.</summary>
    private void Conv(NodeProto node, int index, string name)
    {
        if (!OnlyInputZeroTagged(node, name)) return;
        string w = node.Input[1];
        long group = IntAttribute(node, "group", 1);
        long channels = _shapes.TryGetValue(node.Input[0], out var x) && x.Length > 1 ? x[1] : -1;
        bool depthwise = node.OpType == "Conv" && group > 1 && group == channels && _shapes.TryGetValue(w, out var ws) && ws[0] == group && ws[1] == 1;
        var output = new List<ChannelTag>();
        foreach (var tag in TagsOf(node.Input[0]))
        {
            if (!IsZero(tag, name, node.OpType)) continue;
            if (tag.Axis != 1) Fail(tag, $"{name} ({node.OpType}) reads channels on axis {tag.Axis}, not 1");
            else if (!_constants.IsInitializer(w)) Fail(tag, $"{name} ({node.OpType}): its weight {w} is not an initializer");
            else if (depthwise)
            {
                if (!PerChannelParameter(tag, w, 0, ChannelRole.Parameter, name)) continue;
                if (node.Input.Count > 2 && node.Input[2].Length > 0 && !PerChannelParameter(tag, node.Input[2], 0, ChannelRole.Parameter, name)) continue;
                if (_depthwise.TryGetValue(w, out var layer)) _producers[tag.Producer].Carried.Add(layer);
                output.Add(tag); // zeroed filter and bias: the channel stays 0
            }
            else if (group != 1) Fail(tag, $"{name} ({node.OpType}): grouped convolution (group={group}) reads the channels");
            else AddConsumer(tag, w, node.OpType == "Conv" ? 1 : 0, name, index);
        }
        if (depthwise) Emit(node.Output[0], index, output);
    }

    private void AddConsumer(ChannelTag tag, string tensor, int axis, string name, int index)
    {
        _producers[tag.Producer].Slices.Add(new ChannelSlice(tensor, axis, tag.Offset, tag.Block, tag.First, tag.Count, ChannelRole.Consumer, name));
        Touch(tag, index);
    }

    // ---- checks ----------------------------------------------------------------------------------------------------

    /// <summary>Only input 0 may carry channels (the others are weights, shapes, bounds); otherwise the node's groups fail.</summary>
    private bool OnlyInputZeroTagged(NodeProto node, string name)
    {
        for (int k = 1; k < node.Input.Count; k++)
            if (node.Input[k] != node.Input[0] && TagsOf(node.Input[k]).Count > 0)
            {
                FailAll(node, $"{name} ({node.OpType}) reads the channels as its input {k}");
                return false;
            }
        return true;
    }

    /// <summary>Outputs past the first (Dropout's mask, MaxPool's indices, BatchNormalization's running statistics) must be unread.</summary>
    private bool OnlyFirstOutputRead(NodeProto node, string name)
    {
        for (int k = 1; k < node.Output.Count; k++)
            if (node.Output[k].Length > 0 && _constants.IsRead(node.Output[k]))
            {
                FailAll(node, $"{name} ({node.OpType}): its output {node.Output[k]} is read");
                return false;
            }
        return true;
    }

    /// <summary>Whether a removed channel is still 0 where a non-element-wise op reads it; otherwise the group fails naming the node that broke it.</summary>
    private bool IsZero(ChannelTag tag, string name, string op)
    {
        if (tag.BrokenBy is null) return true;
        Fail(tag, $"{tag.BrokenBy} makes removed channels non-zero before {name} ({op})");
        return false;
    }
}
