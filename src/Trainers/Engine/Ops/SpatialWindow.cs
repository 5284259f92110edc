using System;
using System.IO;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>ONNX's <c>auto_pad</c>: explicit pads, none, or pads that make the output ceil(input / stride).</summary>
internal enum AutoPad
{
    NotSet,
    Valid,
    SameUpper,
    SameLower,
}

/// <summary>
/// The sliding-window attributes Conv, ConvTranspose, MaxPool and AveragePool share (<c>kernel_shape</c>,
/// <c>strides</c>, <c>dilations</c>, <c>pads</c>, <c>auto_pad</c>), read and checked once when the node is
/// compiled; the number of spatial dims is known only from the input at run time, so lengths are checked
/// again there. Absent lists default to ones (strides, dilations) and zeros (pads).
/// </summary>
internal sealed class SpatialWindow
{
    private SpatialWindow(string label, long[]? kernel, long[]? strides, long[]? dilations, long[]? pads, AutoPad autoPad)
    {
        Label = label;
        Kernel = kernel;
        Strides = strides;
        Dilations = dilations;
        Pads = pads;
        AutoPad = autoPad;
    }

    public string Label { get; }

    /// <summary>The <c>kernel_shape</c> attribute, or null when absent.</summary>
    public long[]? Kernel { get; }

    public long[]? Strides { get; }

    public long[]? Dilations { get; }

    /// <summary>The <c>pads</c> attribute, [x1_begin, x2_begin, …, x1_end, x2_end, …], or null when absent.</summary>
    public long[]? Pads { get; }

    public AutoPad AutoPad { get; }

    /// <summary>Reads and checks the attributes; <paramref name="hasDilations"/> is false for ops without the attribute.</summary>
    public static SpatialWindow Read(NodeContext ctx, bool hasDilations = true)
    {
        long[]? kernel = ctx.GetInts("kernel_shape");
        long[]? strides = ctx.GetInts("strides");
        long[]? dilations = hasDilations ? ctx.GetInts("dilations") : null;
        long[]? pads = ctx.GetInts("pads");
        string autoPadText = ctx.GetString("auto_pad", "NOTSET");
        var autoPad = autoPadText switch
        {
            "NOTSET" or "" => AutoPad.NotSet,
            "VALID" => AutoPad.Valid,
            "SAME_UPPER" => AutoPad.SameUpper,
            "SAME_LOWER" => AutoPad.SameLower,
            _ => throw ctx.Unsupported("auto_pad", $"= '{autoPadText}' (ONNX defines NOTSET, VALID, SAME_UPPER and SAME_LOWER)"),
        };
        if (autoPad != AutoPad.NotSet && pads is not null && Array.Exists(pads, p => p != 0))
            throw ctx.Invalid($"has both auto_pad {autoPadText} and explicit pads [{string.Join(", ", pads)}]; ONNX allows only one.");
        if (pads is not null && pads.Length % 2 != 0)
            throw ctx.Invalid($"attribute 'pads' has {pads.Length} entries; it needs a begin and an end per spatial axis.");
        CheckPositive(ctx, "kernel_shape", kernel);
        CheckPositive(ctx, "strides", strides);
        CheckPositive(ctx, "dilations", dilations);
        if (pads is not null && Array.Exists(pads, p => p < 0))
            throw ctx.Invalid($"attribute 'pads' [{string.Join(", ", pads)}] has a negative entry.");
        int? rank = null;
        foreach (var (name, length) in new[] { ("kernel_shape", kernel?.Length), ("strides", strides?.Length), ("dilations", dilations?.Length), ("pads", pads?.Length / 2) })
        {
            if (length is not { } n) continue;
            if (rank is { } r && r != n)
                throw ctx.Invalid($"attribute '{name}' describes {n} spatial axes; the other window attributes describe {r}.");
            rank = n;
        }
        return new SpatialWindow(ctx.Label, kernel, strides, dilations, pads, autoPad);
    }

    /// <summary>Strides for <paramref name="rank"/> spatial axes (ones when absent).</summary>
    public long[] StridesFor(int rank) => OrDefault(Strides, rank, 1, "strides");

    /// <summary>Dilations for <paramref name="rank"/> spatial axes (ones when absent).</summary>
    public long[] DilationsFor(int rank) => OrDefault(Dilations, rank, 1, "dilations");

    /// <summary>Checks that <c>kernel_shape</c>, when given, equals the weight's spatial dims.</summary>
    public void CheckKernel(ReadOnlySpan<long> weightSpatial)
    {
        if (Kernel is null || weightSpatial.SequenceEqual(Kernel)) return;
        throw new InvalidDataException(
            $"{Label}: attribute 'kernel_shape' [{string.Join(", ", Kernel)}] differs from the weight's spatial dims [{string.Join(", ", weightSpatial.ToArray())}].");
    }

    /// <summary>
    /// The pads before and after each spatial axis for an input of spatial dims <paramref name="input"/>: explicit
    /// pads, none for VALID, or SAME_UPPER/SAME_LOWER's (output = ceil(input / stride), the odd pad at the end or
    /// the beginning).
    /// </summary>
    public (long[] Begin, long[] End) PadsFor(ReadOnlySpan<long> input, ReadOnlySpan<long> kernel, long[] strides, long[] dilations)
    {
        int rank = input.Length;
        var begin = new long[rank];
        var end = new long[rank];
        switch (AutoPad)
        {
            case AutoPad.NotSet when Pads is not null:
                if (Pads.Length != 2 * rank)
                    throw new InvalidDataException($"{Label}: attribute 'pads' has {Pads.Length} entries; an input with {rank} spatial axes needs {2 * rank}.");
                Array.Copy(Pads, 0, begin, 0, rank);
                Array.Copy(Pads, rank, end, 0, rank);
                break;
            case AutoPad.SameUpper:
            case AutoPad.SameLower:
                for (int i = 0; i < rank; i++)
                {
                    long output = (input[i] + strides[i] - 1) / strides[i];
                    long total = Math.Max(0, (output - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - input[i]);
                    begin[i] = AutoPad == AutoPad.SameUpper ? total / 2 : total - total / 2;
                    end[i] = total - begin[i];
                }
                break;
        }
        return (begin, end);
    }

    /// <summary>The spatial rank of <paramref name="input"/> ([N, C, spatial…]); fails unless it is 1 to 3 and matches the attributes.</summary>
    public int SpatialRank(Tensor input)
    {
        long rank = input.dim() - 2;
        if (rank < 1 || rank > 3)
            throw new InvalidDataException(
                $"{Label}: the input has shape [{string.Join(", ", input.shape)}]; the Torch engine runs this op on [N, C, D1 (, D2 (, D3))] inputs (1 to 3 spatial axes).");
        int? declared = Kernel?.Length ?? Strides?.Length ?? Dilations?.Length ?? Pads?.Length / 2;
        if (declared is { } d && d != rank)
            throw new InvalidDataException(
                $"{Label}: the window attributes describe {d} spatial axes; the input has shape [{string.Join(", ", input.shape)}] ({rank}).");
        return (int)rank;
    }

    /// <summary>
    /// torch's <c>pad</c> argument for begin/end pads per spatial axis: pairs from the last axis backwards.
    /// </summary>
    public static long[] TorchPads(ReadOnlySpan<long> begin, ReadOnlySpan<long> end)
    {
        int rank = begin.Length;
        var result = new long[2 * rank];
        for (int i = 0; i < rank; i++)
        {
            result[2 * i] = begin[rank - 1 - i];
            result[2 * i + 1] = end[rank - 1 - i];
        }
        return result;
    }

    /// <summary>Whether every pad is zero.</summary>
    public static bool AllZero(ReadOnlySpan<long> values)
    {
        foreach (long v in values)
            if (v != 0) return false;
        return true;
    }

    /// <summary>The element-wise minimum of the pads: the symmetric part a torch op can apply itself.</summary>
    public static long[] Symmetric(long[] begin, long[] end)
    {
        var result = new long[begin.Length];
        for (int i = 0; i < result.Length; i++) result[i] = Math.Min(begin[i], end[i]);
        return result;
    }

    private long[] OrDefault(long[]? values, int rank, long fill, string name)
    {
        if (values is null)
        {
            var result = new long[rank];
            Array.Fill(result, fill);
            return result;
        }
        if (values.Length != rank)
            throw new InvalidDataException($"{Label}: attribute '{name}' has {values.Length} entries; the input has {rank} spatial axes.");
        return values;
    }

    private static void CheckPositive(NodeContext ctx, string name, long[]? values)
    {
        if (values is not null && Array.Exists(values, v => v < 1))
            throw ctx.Invalid($"attribute '{name}' [{string.Join(", ", values)}] must hold positive values.");
    }
}
