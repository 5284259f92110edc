using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// Ops that add, remove, read or join dims: Unsqueeze, Squeeze, Shape, Size, Expand, Concat, Split. They keep the
/// element type, so they serve both float activations and the INT64 shape arithmetic of exported transformers.
/// </summary>
internal static class TensorShapeOps
{
    /// <summary>Inserts dims of size 1 at <c>axes</c> (of the output): an attribute before opset 13, input 1 from 13.</summary>
    public static OpKernel Unsqueeze(NodeContext ctx)
    {
        var axes = AxesArgument(ctx, required: true);
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long[] given = axes.Read(s)!;
            if (given.Length == 1)
            {
                s[y] = input.unsqueeze(OpArguments.Axis(given[0], input.dim() + 1, label, "axes"));
                return;
            }
            long[] inputShape = input.shape;
            long rank = inputShape.Length + given.Length;
            long[] inserted = OpArguments.SortedAxes(given, rank, label);
            var shape = new long[rank];
            for (int i = 0, j = 0, k = 0; i < rank; i++)
            {
                if (k < inserted.Length && inserted[k] == i)
                {
                    shape[i] = 1;
                    k++;
                }
                else shape[i] = inputShape[j++];
            }
            s[y] = input.reshape(shape);
        };
    }

    /// <summary>Removes dims of size 1: those at <c>axes</c> (attribute before opset 13, optional input 1 from 13), else all.</summary>
    public static OpKernel Squeeze(NodeContext ctx)
    {
        var axes = AxesArgument(ctx, required: false);
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long[] inputShape = input.shape;
            long[]? given = axes.Read(s);
            if (given is null || given.Length == 0)
            {
                s[y] = input.reshape(Array.FindAll(inputShape, d => d != 1));
                return;
            }
            long[] removed = OpArguments.SortedAxes(given, inputShape.Length, label);
            var shape = new long[inputShape.Length - removed.Length];
            for (int i = 0, j = 0, k = 0; i < inputShape.Length; i++)
            {
                if (k < removed.Length && removed[k] == i)
                {
                    if (inputShape[i] != 1)
                        throw new InvalidDataException($"{label}: axis {i} has size {inputShape[i]}; only dims of size 1 can be squeezed (input shape {OpArguments.Format(inputShape)}).");
                    k++;
                    continue;
                }
                shape[j++] = inputShape[i];
            }
            s[y] = input.reshape(shape);
        };
    }

    /// <summary>
    /// The input's shape as a 1-D INT64 CPU tensor, from opset 15 limited to dims [start, end) (negative counts from
    /// the end; both clamped to [0, rank]).
    /// </summary>
    public static OpKernel Shape(NodeContext ctx)
    {
        long start = 0;
        long? end = null;
        if (ctx.Opset >= 15)
        {
            start = ctx.GetInt("start", 0);
            if (ctx.HasAttribute("end")) end = ctx.GetInt("end", 0);
        }
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) =>
        {
            long[] shape = s[x]!.shape;
            long rank = shape.Length;
            long first = Clamp(start < 0 ? start + rank : start, rank);
            long last = end is { } e ? Clamp(e < 0 ? e + rank : e, rank) : rank;
            s[y] = first == 0 && last == rank
                ? torch.tensor(shape)
                : torch.tensor(first < last ? shape[(int)first..(int)last] : []);
        };

        static long Clamp(long value, long rank) => Math.Clamp(value, 0, rank);
    }

    /// <summary>The input's element count as a scalar INT64 CPU tensor.</summary>
    public static OpKernel Size(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = torch.tensor(s[x]!.numel());
    }

    /// <summary>Broadcasts the input to the numpy broadcast of its shape and the shape input (INT64).</summary>
    public static OpKernel Expand(NodeContext ctx)
    {
        var shapeArgument = IntegerListInput.FromInput(ctx, 1, "shape");
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long[] target = OpArguments.Broadcast(input.shape, shapeArgument.Read(s)!, label);
            s[y] = input.expand(target);
        };
    }

    /// <summary>Joins the inputs along <c>axis</c> (required from opset 4; default 1 before).</summary>
    public static OpKernel Concat(NodeContext ctx)
    {
        if (ctx.Opset >= 4 && !ctx.HasAttribute("axis")) throw ctx.Invalid("attribute 'axis' is required.");
        long axis = ctx.GetInt("axis", 1);
        var inputs = new int[ctx.Node.Input.Count];
        for (int i = 0; i < inputs.Length; i++) inputs[i] = ctx.Input(i);
        int y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var first = s[inputs[0]]!;
            long dim = OpArguments.Axis(axis, first.dim(), label);
            if (inputs.Length == 1)
            {
                s[y] = first.alias();
                return;
            }
            var parts = new Tensor[inputs.Length];
            using var scope = NewDisposeScope();
            for (int i = 0; i < parts.Length; i++)
                parts[i] = OpArguments.OnDeviceOf(s[inputs[i]]!, first) ?? s[inputs[i]]!;
            s[y] = torch.cat(parts, dim).MoveToOuterDisposeScope();
        };
    }

    /// <summary>
    /// Splits the input along <c>axis</c> (default 0) into one part per output: sizes from <c>split</c> (attribute
    /// before opset 13, input 1 from 13), else equal parts; from opset 18 <c>num_outputs</c> parts of ceil(dim / n),
    /// the last one smaller.
    /// </summary>
    public static OpKernel Split(NodeContext ctx)
    {
        long axis = ctx.GetInt("axis", 0);
        IntegerListInput split;
        if (ctx.Opset >= 13)
        {
            if (ctx.HasAttribute("split")) throw ctx.Invalid($"takes 'split' as input 1 from opset 13, not as an attribute (the model imports opset {ctx.Opset}).");
            split = IntegerListInput.FromInput(ctx, 1, "split");
        }
        else
        {
            if (ctx.OptionalInput(1) >= 0) throw ctx.Invalid($"takes one input before opset 13; 'split' is an attribute there (the model imports opset {ctx.Opset}).");
            split = IntegerListInput.FromAttribute(ctx.GetInts("split"));
        }
        int outputs = ctx.Node.Output.Count;
        long? numOutputs = null;
        if (ctx.Opset >= 18 && ctx.HasAttribute("num_outputs"))
        {
            numOutputs = ctx.GetInt("num_outputs", 0);
            if (split.IsPresent) throw ctx.Invalid("gives both the 'split' input and the 'num_outputs' attribute; ONNX allows one.");
            if (numOutputs != outputs) throw ctx.Invalid($"attribute 'num_outputs' is {numOutputs} but the node has {outputs} outputs.");
        }
        int x = ctx.Input(0);
        var writes = new int[outputs];
        for (int i = 0; i < outputs; i++) writes[i] = ctx.Output(i);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long dim = OpArguments.Axis(axis, input.dim(), label);
            long length = input.shape[dim];
            long[] sizes = split.Read(s) ?? EqualParts(length, outputs, numOutputs is not null, label);
            if (sizes.Length != outputs)
                throw new InvalidDataException($"{label}: 'split' has {sizes.Length} entries but the node has {outputs} outputs.");
            long total = 0;
            foreach (long size in sizes)
            {
                if (size < 0) throw new InvalidDataException($"{label}: 'split' [{string.Join(", ", sizes)}] has a negative size.");
                total += size;
            }
            if (total != length)
                throw new InvalidDataException($"{label}: 'split' [{string.Join(", ", sizes)}] sums to {total}; axis {dim} has size {length}.");
            var parts = input.split(sizes, dim);
            for (int i = 0; i < outputs; i++)
            {
                if (writes[i] >= 0) s[writes[i]] = parts[i];
                else parts[i].Dispose();
            }
        };
    }

    private static long[] EqualParts(long length, int parts, bool lastMayBeSmaller, string label)
    {
        var sizes = new long[parts];
        if (lastMayBeSmaller)
        {
            long chunk = (length + parts - 1) / parts;
            long left = length;
            for (int i = 0; i < parts; i++)
            {
                sizes[i] = Math.Min(chunk, left);
                left -= sizes[i];
            }
            return sizes;
        }
        if (length % parts != 0)
            throw new InvalidDataException($"{label}: axis of size {length} does not split into {parts} equal parts; give 'split'.");
        Array.Fill(sizes, length / parts);
        return sizes;
    }

    /// <summary>The <c>axes</c> of Unsqueeze/Squeeze: attribute before opset 13, input 1 from 13.</summary>
    private static IntegerListInput AxesArgument(NodeContext ctx, bool required)
    {
        if (ctx.Opset >= 13)
        {
            if (ctx.HasAttribute("axes")) throw ctx.Invalid($"takes 'axes' as input 1 from opset 13, not as an attribute (the model imports opset {ctx.Opset}).");
            var axes = IntegerListInput.FromInput(ctx, 1, "axes");
            if (required && !axes.IsPresent) throw ctx.Invalid("input 1 (axes) is required.");
            return axes;
        }
        if (ctx.OptionalInput(1) >= 0) throw ctx.Invalid($"takes one input before opset 13; 'axes' is an attribute there (the model imports opset {ctx.Opset}).");
        long[]? values = ctx.GetInts("axes");
        if (required && values is null) throw ctx.Invalid("attribute 'axes' is required.");
        return IntegerListInput.FromAttribute(values);
    }
}
