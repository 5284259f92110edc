using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// Pad: the <c>pads</c> (<c>paddings</c> in opset 1) and <c>value</c> attributes before opset 11, the pads,
/// constant_value and (opset 18) axes inputs from 11. Modes constant, reflect, edge and wrap (opset 19), on any
/// axes and element type; negative pads crop.
/// </summary>
internal static class PadOp
{
    private enum Mode
    {
        Constant,
        Reflect,
        Edge,
        Wrap,
    }

    public static OpKernel Compile(NodeContext ctx)
    {
        string modeText = ctx.GetString("mode", "constant");
        var mode = modeText switch
        {
            "constant" => Mode.Constant,
            "reflect" => Mode.Reflect,
            "edge" => Mode.Edge,
            "wrap" => Mode.Wrap,
            _ => throw ctx.Unsupported("mode", $"= '{modeText}' (ONNX defines constant, reflect, edge and wrap)"),
        };
        int x = ctx.Input(0), y = ctx.Output(0);
        long[]? constantPads;
        int padsSlot = -1, valueSlot = -1, axesSlot = -1;
        double attributeValue = 0;
        long[]? constantAxes = null;
        if (ctx.Opset < 11)
        {
            if (ctx.OptionalInput(1) >= 0)
                throw ctx.Invalid($"takes one input before opset 11 (pads are an attribute); this model imports opset {ctx.Opset}.");
            string attribute = ctx.Opset < 2 ? "paddings" : "pads";
            constantPads = ctx.GetInts(attribute) ?? throw ctx.Invalid($"attribute '{attribute}' is required before opset 11.");
            attributeValue = ctx.GetFloat("value", 0f);
        }
        else
        {
            padsSlot = ctx.OptionalInput(1);
            if (padsSlot < 0) throw ctx.Invalid("input 1 (pads) is required from opset 11.");
            constantPads = ctx.ConstantInt64s(1);
            valueSlot = ctx.OptionalInput(2);
            axesSlot = ctx.OptionalInput(3);
            if (axesSlot >= 0 && ctx.Opset < 18)
                throw ctx.Invalid($"has an axes input, which Pad has from opset 18; this model imports opset {ctx.Opset}.");
            if (axesSlot >= 0) constantAxes = ctx.ConstantInt64s(3);
        }
        string label = ctx.Label;

        return (s, _) =>
        {
            var input = s[x]!;
            long[] pads = constantPads ?? ReadInt64s(s[padsSlot]!, "pads", label);
            long[]? axes = axesSlot < 0 ? null : constantAxes ?? ReadInt64s(s[axesSlot]!, "axes", label);
            var (begin, end) = PerAxis(pads, axes, input.dim(), label);
            double value = attributeValue;
            if (valueSlot >= 0)
            {
                var valueTensor = s[valueSlot]!;
                if (valueTensor.numel() != 1)
                    throw new InvalidDataException($"{label}: constant_value has {valueTensor.numel()} elements; it must be a scalar.");
                using var asDouble = valueTensor.to(ScalarType.Float64);
                value = asDouble.item<double>();
            }
            s[y] = Pad(input, begin, end, mode, value, label);
        };
    }

    private static Tensor Pad(Tensor input, long[] begin, long[] end, Mode mode, double value, string label)
    {
        using var scope = NewDisposeScope();
        int rank = begin.Length;
        var result = input;
        // Negative pads remove elements first, in every mode.
        for (int d = 0; d < rank; d++)
        {
            if (begin[d] >= 0 && end[d] >= 0) continue;
            long start = Math.Max(0, -begin[d]);
            long length = result.shape[d] - start - Math.Max(0, -end[d]);
            if (length < 0)
                throw new InvalidDataException($"{label}: pads {begin[d]} and {end[d]} remove more than the {input.shape[d]} elements of axis {d}.");
            result = result.narrow(d, start, length);
        }
        var positiveBegin = new long[rank];
        var positiveEnd = new long[rank];
        for (int d = 0; d < rank; d++)
        {
            positiveBegin[d] = Math.Max(0, begin[d]);
            positiveEnd[d] = Math.Max(0, end[d]);
        }
        if (SpatialWindow.AllZero(positiveBegin) && SpatialWindow.AllZero(positiveEnd))
            return (ReferenceEquals(result, input) ? input.alias() : result.contiguous()).MoveToOuterDisposeScope();

        if (mode == Mode.Constant)
            return F.pad(result, SpatialWindow.TorchPads(positiveBegin, positiveEnd), PaddingModes.Constant, value).MoveToOuterDisposeScope();

        // Reflect, edge and wrap pick existing elements: an index_select per padded axis works for every type and axis.
        for (int d = 0; d < rank; d++)
        {
            if (positiveBegin[d] == 0 && positiveEnd[d] == 0) continue;
            long size = result.shape[d];
            if (size == 0)
                throw new InvalidDataException($"{label}: axis {d} is empty; {mode.ToString().ToLowerInvariant()} padding needs elements to copy.");
            if (mode == Mode.Reflect && (positiveBegin[d] >= size || positiveEnd[d] >= size))
                throw new InvalidDataException(
                    $"{label}: reflect pads {positiveBegin[d]} and {positiveEnd[d]} on axis {d} must be smaller than its size {size}.");
            var source = new long[positiveBegin[d] + size + positiveEnd[d]];
            for (long i = 0; i < source.Length; i++) source[i] = SourceIndex(i - positiveBegin[d], size, mode);
            using var index = torch.tensor(source, device: result.device);
            result = result.index_select(d, index);
        }
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>Which element of an axis of <paramref name="size"/> position <paramref name="i"/> (may be outside it) copies.</summary>
    private static long SourceIndex(long i, long size, Mode mode)
    {
        if (i >= 0 && i < size) return i;
        switch (mode)
        {
            case Mode.Edge:
                return i < 0 ? 0 : size - 1;
            case Mode.Wrap:
                return ((i % size) + size) % size;
            default: // reflect about the first and last element, without repeating them
                if (size == 1) return 0;
                long period = 2 * (size - 1);
                long m = ((i % period) + period) % period;
                return m < size ? m : period - m;
        }
    }

    /// <summary>pads [b1, b2, …, e1, e2, …] for <paramref name="axes"/> (all axes when null) as begin/end per input axis.</summary>
    private static (long[] Begin, long[] End) PerAxis(long[] pads, long[]? axes, long rank, string label)
    {
        int count = axes?.Length ?? (int)rank;
        if (pads.Length != 2 * count)
            throw new InvalidDataException(
                $"{label}: pads has {pads.Length} entries; {(axes is null ? $"an input of rank {rank}" : $"{count} axes")} need {2 * count}.");
        var begin = new long[rank];
        var end = new long[rank];
        var seen = new bool[rank];
        for (int k = 0; k < count; k++)
        {
            long axis = axes is null ? k : axes[k] < 0 ? axes[k] + rank : axes[k];
            if (axis < 0 || axis >= rank || seen[axis])
                throw new InvalidDataException($"{label}: axes [{string.Join(", ", axes!)}] must name distinct axes of an input of rank {rank}.");
            seen[axis] = true;
            begin[axis] = pads[k];
            end[axis] = pads[k + count];
        }
        return (begin, end);
    }

    private static long[] ReadInt64s(Tensor tensor, string what, string label)
    {
        if (tensor.dtype is not (ScalarType.Int64 or ScalarType.Int32))
            throw new InvalidDataException($"{label}: the {what} input must be INT64, not {tensor.dtype}.");
        using var asLong = tensor.to(ScalarType.Int64);
        return TensorValues.ToArray<long>(asLong);
    }
}
