using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Gather and Slice: picking elements by index. Both are differentiable with respect to the data.</summary>
internal static class IndexingOps
{
    /// <summary>
    /// Gather: entries of the data along <c>axis</c> (default 0) at the indices (INT32/INT64, negative counting from
    /// the end); the output's shape is data[:axis] + indices + data[axis+1:]. On a FLOAT initializer (a parameter)
    /// this is an embedding lookup, and its gradient is dense: a zero tensor the size of the table with the rows
    /// that were looked up filled in.
    /// </summary>
    public static OpKernel Gather(NodeContext ctx)
    {
        long axis = ctx.GetInt("axis", 0);
        int data = ctx.Input(0), indices = ctx.Input(1), y = ctx.Output(0);
        string label = ctx.Label;

        // A constant scalar index (Gather of one dim out of a Shape): one select, which takes negative indices itself.
        if (ctx.ConstantInput(1) is { } constant && constant.dim() == 0)
        {
            long index = OpArguments.ReadIntegers(constant, label, "input 1 (indices)")[0];
            return (s, _) =>
            {
                var input = s[data]!;
                long dim = OpArguments.Axis(axis, input.dim(), label);
                long size = input.shape[dim];
                if (index < -size || index >= size)
                    throw new InvalidDataException($"{label}: index {index} is out of range for axis {dim} of size {size}.");
                s[y] = input.select(dim, index);
            };
        }
        bool mayBeNegative = ctx.ConstantInput(1) is not { } known || HasNegative(known, label);
        string indexName = ctx.Node.Input[1];

        return (s, _) =>
        {
            var input = s[data]!;
            var index = s[indices]!;
            if (index.dtype is not (ScalarType.Int64 or ScalarType.Int32))
                throw new InvalidDataException($"{label}: indices must be INT32 or INT64, not {index.dtype}.");
            long[] dataShape = input.shape;
            long dim = OpArguments.Axis(axis, dataShape.Length, label);
            long[] indexShape = index.shape;
            using var scope = NewDisposeScope();
            var flat = (OpArguments.OnDeviceOf(index, input) ?? index).reshape(-1);
            if (mayBeNegative)
            {
                var zero = 0L.ToScalar();
                var size = dataShape[dim].ToScalar();
                var one = 1L.ToScalar();
                flat = torch.where(flat.lt(zero), flat.add(size, one), flat);
                GC.KeepAlive(zero);
                GC.KeepAlive(size);
                GC.KeepAlive(one);
            }
            if (flat.numel() > 0)
            {
                // libtorch would fail with native frames; a token id past the vocabulary (or a sequence longer than the
                // position table) is the user's data, so say which node and which range.
                long lowest = flat.min().to(ScalarType.Int64).item<long>(), highest = flat.max().to(ScalarType.Int64).item<long>();
                if (lowest < 0 || highest >= dataShape[dim])
                    throw new InvalidDataException(
                        $"{label}: index {(lowest < 0 ? lowest - dataShape[dim] : highest)} is out of range for axis {dim} of size {dataShape[dim]} " +
                        $"(input '{indexName}'; e.g. a token id past the vocabulary or a sequence longer than the model's positions).");
            }
            var picked = input.index_select(dim, flat);
            var shape = new long[dataShape.Length - 1 + indexShape.Length];
            Array.Copy(dataShape, shape, dim);
            Array.Copy(indexShape, 0, shape, dim, indexShape.Length);
            Array.Copy(dataShape, dim + 1, shape, dim + indexShape.Length, dataShape.Length - dim - 1);
            s[y] = picked.reshape(shape).MoveToOuterDisposeScope();
        };
    }

    /// <summary>
    /// Slice: for each listed axis, elements start, start+step, … up to but excluding end. Before opset 10 starts,
    /// ends and axes are attributes; from 10 they are inputs, with optional axes (default all) and steps (default
    /// 1). Negative starts and ends count from the end and are clamped to the axis as ONNX specifies, so
    /// out-of-range values (INT64_MAX for "to the end") select what exists.
    /// </summary>
    public static OpKernel Slice(NodeContext ctx)
    {
        IntegerListInput starts, ends, axes, steps;
        if (ctx.Opset < 10)
        {
            if (ctx.OptionalInput(1) >= 0) throw ctx.Invalid($"takes one input before opset 10; starts, ends and axes are attributes there (the model imports opset {ctx.Opset}).");
            starts = IntegerListInput.FromAttribute(ctx.GetInts("starts") ?? throw ctx.Invalid("attribute 'starts' is required before opset 10."));
            ends = IntegerListInput.FromAttribute(ctx.GetInts("ends") ?? throw ctx.Invalid("attribute 'ends' is required before opset 10."));
            axes = IntegerListInput.FromAttribute(ctx.GetInts("axes"));
            steps = IntegerListInput.FromAttribute(null);
        }
        else
        {
            if (ctx.OptionalInput(1) < 0 || ctx.OptionalInput(2) < 0) throw ctx.Invalid("inputs 1 (starts) and 2 (ends) are required from opset 10.");
            starts = IntegerListInput.FromInput(ctx, 1, "starts");
            ends = IntegerListInput.FromInput(ctx, 2, "ends");
            axes = IntegerListInput.FromInput(ctx, 3, "axes");
            steps = IntegerListInput.FromInput(ctx, 4, "steps");
        }
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long[] shape = input.shape;
            long[] first = starts.Read(s)!, last = ends.Read(s)!;
            long[]? along = axes.Read(s), stride = steps.Read(s);
            if (first.Length != last.Length || (along is not null && along.Length != first.Length) || (stride is not null && stride.Length != first.Length))
                throw new InvalidDataException(
                    $"{label}: starts, ends, axes and steps must have the same length; they have {first.Length}, {last.Length}, {along?.Length.ToString() ?? "-"}, {stride?.Length.ToString() ?? "-"}.");
            var seen = new bool[shape.Length];
            using var scope = NewDisposeScope();
            var result = input;
            for (int i = 0; i < first.Length; i++)
            {
                long dim = OpArguments.Axis(along?[i] ?? i, shape.Length, label, "axes entry");
                if (seen[dim]) throw new InvalidDataException($"{label}: axis {dim} is sliced more than once.");
                seen[dim] = true;
                long step = stride?[i] ?? 1;
                if (step == 0) throw new InvalidDataException($"{label}: steps must not be 0 (axis {dim}).");
                long size = shape[dim];
                if (size == 0) continue; // nothing to select along an empty axis
                long start = first[i] < 0 ? first[i] + size : first[i];
                long end = last[i] < 0 ? last[i] + size : last[i];
                if (step > 0)
                {
                    start = Math.Clamp(start, 0, size);
                    end = Math.Clamp(end, 0, size);
                    if (start == 0 && end == size && step == 1) continue;
                    result = result.slice(dim, start, Math.Max(start, end), step);
                }
                else
                {
                    start = Math.Clamp(start, 0, size - 1);
                    end = Math.Clamp(end, -1, size - 1);
                    long count = start > end ? (start - end - step - 1) / -step : 0;
                    var picked = new long[count];
                    for (long k = 0; k < count; k++) picked[k] = start + k * step;
                    result = result.index_select(dim, torch.tensor(picked, device: input.device));
                }
            }
            s[y] = (ReferenceEquals(result, input) ? input.alias() : result).MoveToOuterDisposeScope();
        };
    }

    private static bool HasNegative(Tensor indices, string label)
    {
        foreach (long index in OpArguments.ReadIntegers(indices, label, "input 1 (indices)"))
            if (index < 0) return true;
        return false;
    }
}
