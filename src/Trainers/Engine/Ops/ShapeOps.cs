using System;
using System.IO;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Ops that only rearrange elements: Flatten, Reshape, Transpose, Identity.</summary>
internal static class ShapeOps
{
    /// <summary>The input as a matrix: dims before <c>axis</c> (default 1) become rows, the rest columns.</summary>
    public static OpKernel Flatten(NodeContext ctx)
    {
        long axis = ctx.GetInt("axis", 1);
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            var (outer, inner) = CoerceTo2D(input.shape, axis, label);
            s[y] = input.reshape(outer, inner);
        };
    }

    /// <summary>
    /// Reshape to the shape input (the <c>shape</c> attribute before opset 5): −1 infers a dim, 0 copies the
    /// input's dim at that position unless <c>allowzero</c> is 1.
    /// </summary>
    public static OpKernel Reshape(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        bool allowZero = ctx.GetInt("allowzero", 0) != 0;
        long[]? constant;
        int shapeSlot = -1;
        if (ctx.Opset < 5)
        {
            constant = ctx.GetInts("shape") ?? throw ctx.Invalid("attribute 'shape' is required before opset 5.");
        }
        else
        {
            shapeSlot = ctx.OptionalInput(1);
            if (shapeSlot < 0) throw ctx.Invalid("input 1 (shape) is required.");
            constant = ctx.ConstantInt64s(1);
        }
        string label = ctx.Label;

        if (constant is not null)
        {
            if (allowZero || Array.IndexOf(constant, 0L) < 0)
                return (s, _) => s[y] = s[x]!.reshape(constant);
            return (s, _) => s[y] = s[x]!.reshape(CopyZeroDims(constant, s[x]!.shape, label));
        }
        return (s, _) =>
        {
            var shapeTensor = s[shapeSlot]!;
            if (shapeTensor.dtype != ScalarType.Int64)
                throw new InvalidDataException($"{label}: the shape input must be INT64, not {shapeTensor.dtype}.");
            long[] target = TensorValues.ToArray<long>(shapeTensor);
            s[y] = s[x]!.reshape(allowZero ? target : CopyZeroDims(target, s[x]!.shape, label));
        };
    }

    /// <summary>Permutes the dims by <c>perm</c>, which defaults to reversing them.</summary>
    public static OpKernel Transpose(NodeContext ctx)
    {
        long[]? perm = ctx.GetInts("perm");
        if (perm is not null)
        {
            var seen = new bool[perm.Length];
            foreach (long p in perm)
            {
                if (p < 0 || p >= perm.Length || seen[p])
                    throw ctx.Invalid($"attribute 'perm' [{string.Join(", ", perm)}] is not a permutation of 0..{perm.Length - 1}.");
                seen[p] = true;
            }
        }
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long rank = input.dim();
            if (perm is null)
            {
                var reversed = new long[rank];
                for (long i = 0; i < rank; i++) reversed[i] = rank - 1 - i;
                s[y] = input.permute(reversed);
                return;
            }
            if (perm.Length != rank)
                throw new InvalidDataException($"{label}: 'perm' has {perm.Length} entries; the input has rank {rank}.");
            s[y] = input.permute(perm);
        };
    }

    /// <summary>The input itself, as a fresh alias.</summary>
    public static OpKernel Identity(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.alias();
    }

    /// <summary>Rows and columns of <paramref name="shape"/> split at <paramref name="axis"/> (negative counts from the end).</summary>
    internal static (long Outer, long Inner) CoerceTo2D(long[] shape, long axis, string label)
    {
        long rank = shape.Length;
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a > rank)
            throw new InvalidDataException($"{label}: axis {axis} is out of range for an input of rank {rank}.");
        long outer = 1, inner = 1;
        for (long i = 0; i < a; i++) outer *= shape[i];
        for (long i = a; i < rank; i++) inner *= shape[i];
        return (outer, inner);
    }

    private static long[] CopyZeroDims(long[] target, long[] inputShape, string label)
    {
        var dims = (long[])target.Clone();
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] != 0) continue;
            if (i >= inputShape.Length)
                throw new InvalidDataException($"{label}: shape entry {i} is 0 (copy the input's dim) but the input has rank {inputShape.Length}.");
            dims[i] = inputShape[i];
        }
        return dims;
    }
}
