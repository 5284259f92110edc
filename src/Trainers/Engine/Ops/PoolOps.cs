using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>MaxPool, AveragePool, GlobalAveragePool and GlobalMaxPool over 1 to 3 spatial axes.</summary>
/// <remarks>
/// Output size per axis is ⌊(in + pads − ((k − 1)·d + 1)) / stride⌋ + 1, or with <c>ceil_mode</c> the ceiling,
/// dropping a last window that would start in the end padding (PyTorch's rule, which ONNX adopted in opset 19).
/// torch pools take only symmetric pads of at most half the kernel; other pads (asymmetric, SAME_*, larger) and
/// ceil-mode overhang become explicit padding of the input, which gives the same windows.
/// </remarks>
internal static class PoolOps
{
    /// <summary>Max over each window; the optional Indices output flattens (n, c, spatial) row-major, or spatial column-major with storage_order 1.</summary>
    public static OpKernel MaxPool(NodeContext ctx)
    {
        var window = SpatialWindow.Read(ctx);
        if (window.Kernel is null) throw ctx.Invalid("attribute 'kernel_shape' is required.");
        bool ceil = ReadCeilMode(ctx);
        long storageOrder = ctx.GetInt("storage_order", 0);
        if (storageOrder is not (0 or 1))
            throw ctx.Unsupported("storage_order", $"= {storageOrder} (ONNX defines 0, row-major, and 1, column-major)");
        int x = ctx.Input(0), y = ctx.Output(0), indices = ctx.Output(1);
        if (indices >= 0 && ctx.Opset < 8)
            throw ctx.Invalid($"has an Indices output, which MaxPool has from opset 8; this model imports opset {ctx.Opset}.");
        string label = ctx.Label;
        return (s, _) =>
        {
            var source = s[x]!;
            var plan = Plan(window, source, ceil, label);
            bool integral = !source.is_floating_point();
            // torch pools floating-point tensors; integers up to 2^53 round-trip exactly through double.
            using var asFloat = integral ? source.to(ScalarType.Float64) : null;
            var input = asFloat ?? source;
            using var padded = plan.Direct ? null : F.pad(input, plan.ExplicitPads(), PaddingModes.Constant, double.NegativeInfinity);
            var pooled = padded ?? input;
            long[] padding = plan.Direct ? plan.Begin : new long[plan.Rank];
            bool torchCeil = plan.Direct && ceil;
            if (indices < 0)
            {
                var result = MaxPoolN(pooled, window.Kernel, plan.Strides, padding, plan.Dilations, torchCeil);
                s[y] = integral ? Restore(result, source.dtype) : result;
                return;
            }
            var (values, positions) = MaxPoolWithIndicesN(pooled, window.Kernel, plan.Strides, padding, plan.Dilations, torchCeil);
            s[y] = integral ? Restore(values, source.dtype) : values;
            using (positions)
                s[indices] = OnnxIndices(positions, source.shape, pooled.shape, plan.Direct ? new long[plan.Rank] : plan.Begin, storageOrder == 1);
        };
    }

    /// <summary>
    /// Mean over each window: over the input elements only (count_include_pad 0), or over the elements and the
    /// pads (1), never over ceil-mode overhang.
    /// </summary>
    public static OpKernel AveragePool(NodeContext ctx)
    {
        var window = SpatialWindow.Read(ctx);
        if (window.Kernel is null) throw ctx.Invalid("attribute 'kernel_shape' is required.");
        if (window.Dilations is { } dilations && Array.Exists(dilations, d => d != 1))
            throw ctx.Unsupported("dilations", $"= [{string.Join(", ", dilations)}] (dilated average pooling)");
        bool ceil = ReadCeilMode(ctx);
        long countIncludePad = ctx.GetInt("count_include_pad", 0);
        if (countIncludePad is not (0 or 1)) throw ctx.Invalid($"attribute 'count_include_pad' is {countIncludePad}; it must be 0 or 1.");
        bool includePad = countIncludePad == 1;
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            var plan = Plan(window, input, ceil, label);
            if (plan.Direct)
            {
                s[y] = AvgPoolN(input, window.Kernel, plan.Strides, plan.Begin, ceil, includePad);
                return;
            }
            // Sum over each window of the zero-padded input, divided by how many of its elements count.
            using var padded = F.pad(input, plan.ExplicitPads());
            using var sums = AvgPoolN(padded, window.Kernel, plan.Strides, new long[plan.Rank], false, true);
            using var counts = CountMask(input, plan, includePad);
            using var denominators = AvgPoolN(counts, window.Kernel, plan.Strides, new long[plan.Rank], false, true);
            s[y] = sums.div(denominators);
        };
    }

    /// <summary>The mean over all spatial axes, kept as size-1 dims.</summary>
    public static OpKernel GlobalAveragePool(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) => s[y] = s[x]!.mean(SpatialAxes(s[x]!, label), keepdim: true);
    }

    /// <summary>The maximum over all spatial axes, kept as size-1 dims.</summary>
    public static OpKernel GlobalMaxPool(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) => s[y] = s[x]!.amax(SpatialAxes(s[x]!, label), keepdim: true);
    }

    private static long[] SpatialAxes(Tensor input, string label)
    {
        long rank = input.dim();
        if (rank < 3)
            throw new InvalidDataException($"{label}: the input has shape [{string.Join(", ", input.shape)}]; it needs [N, C, spatial…].");
        var axes = new long[rank - 2];
        for (int i = 0; i < axes.Length; i++) axes[i] = i + 2;
        return axes;
    }

    private static bool ReadCeilMode(NodeContext ctx)
    {
        long ceil = ctx.GetInt("ceil_mode", 0);
        if (ceil is not (0 or 1)) throw ctx.Invalid($"attribute 'ceil_mode' is {ceil}; it must be 0 or 1.");
        return ceil == 1;
    }

    /// <summary>How one call pools: through torch's own padding (<see cref="Direct"/>) or explicit pads, and the extra end pad ceil mode needs.</summary>
    private sealed record PoolPlan(int Rank, long[] Strides, long[] Dilations, long[] Begin, long[] End, long[] Overhang, bool Direct)
    {
        /// <summary>torch pad argument: the pads plus the ceil-mode overhang at the end.</summary>
        public long[] ExplicitPads()
        {
            var end = new long[Rank];
            for (int i = 0; i < Rank; i++) end[i] = End[i] + Overhang[i];
            return SpatialWindow.TorchPads(Begin, end);
        }
    }

    private static PoolPlan Plan(SpatialWindow window, Tensor input, bool ceil, string label)
    {
        int rank = window.SpatialRank(input);
        var kernel = window.Kernel!;
        var strides = window.StridesFor(rank);
        var dilations = window.DilationsFor(rank);
        var spatial = input.shape.AsSpan(2);
        var (begin, end) = window.PadsFor(spatial, kernel, strides, dilations);
        var overhang = new long[rank];
        bool direct = true;
        for (int i = 0; i < rank; i++)
        {
            long extent = (kernel[i] - 1) * dilations[i] + 1;
            long padded = spatial[i] + begin[i] + end[i];
            if (padded < extent)
                throw new InvalidDataException(
                    $"{label}: the window ({extent} wide with dilation) is larger than spatial axis {i} of the input ({spatial[i]} plus pads {begin[i]} and {end[i]}).");
            long output = ceil ? (padded - extent + strides[i] - 1) / strides[i] + 1 : (padded - extent) / strides[i] + 1;
            if (ceil && (output - 1) * strides[i] >= spatial[i] + begin[i]) output--;
            overhang[i] = Math.Max(0, (output - 1) * strides[i] + extent - padded);
            direct &= begin[i] == end[i] && 2 * begin[i] <= kernel[i];
        }
        return new PoolPlan(rank, strides, dilations, begin, end, overhang, direct);
    }

    /// <summary>1 where an element counts toward a window's mean (the input, and the pads when they count), 0 elsewhere: [1, 1, padded spatial…].</summary>
    private static Tensor CountMask(Tensor input, PoolPlan plan, bool includePad)
    {
        var shape = new long[plan.Rank + 2];
        shape[0] = shape[1] = 1;
        for (int i = 0; i < plan.Rank; i++) shape[i + 2] = input.shape[i + 2] + (includePad ? plan.Begin[i] + plan.End[i] : 0);
        using var ones = torch.ones(shape, input.dtype, input.device);
        if (includePad)
            return F.pad(ones, SpatialWindow.TorchPads(new long[plan.Rank], plan.Overhang));
        return F.pad(ones, plan.ExplicitPads());
    }

    private static Tensor MaxPoolN(Tensor input, long[] kernel, long[] strides, long[] padding, long[] dilations, bool ceil) =>
        kernel.Length switch
        {
            1 => F.max_pool1d(input, kernel[0], strides[0], padding[0], dilations[0], ceil),
            2 => F.max_pool2d(input, kernel, strides, padding, dilations, ceil),
            _ => F.max_pool3d(input, kernel, strides, padding, dilations, ceil),
        };

    private static (Tensor Values, Tensor Indices) MaxPoolWithIndicesN(Tensor input, long[] kernel, long[] strides, long[] padding, long[] dilations, bool ceil) =>
        kernel.Length switch
        {
            1 => F.max_pool1d_with_indices(input, kernel[0], strides[0], padding[0], dilations[0], ceil),
            2 => F.max_pool2d_with_indices(input, kernel, strides, padding, dilations, ceil),
            _ => F.max_pool3d_with_indices(input, kernel, strides, padding, dilations, ceil),
        };

    private static Tensor AvgPoolN(Tensor input, long[] kernel, long[] strides, long[] padding, bool ceil, bool countIncludePad) =>
        kernel.Length switch
        {
            1 => F.avg_pool1d(input, kernel[0], strides[0], padding[0], ceil, countIncludePad),
            2 => F.avg_pool2d(input, kernel, strides, padding, ceil, countIncludePad),
            _ => F.avg_pool3d(input, kernel, strides, padding, ceil, countIncludePad),
        };

    private static Tensor Restore(Tensor pooled, ScalarType type)
    {
        using (pooled) return pooled.to(type);
    }

    /// <summary>
    /// torch's indices (flat within each (n, c) plane of the tensor it pooled, possibly padded) as ONNX's: flat over
    /// the whole unpadded input, the spatial part row-major or, with <paramref name="columnMajor"/>, column-major.
    /// </summary>
    private static Tensor OnnxIndices(Tensor positions, long[] inputShape, long[] pooledShape, long[] begin, bool columnMajor)
    {
        using var scope = NewDisposeScope();
        int rank = inputShape.Length - 2;
        long plane = 1;
        for (int i = 0; i < rank; i++) plane *= inputShape[i + 2];
        Tensor flat;
        if (!columnMajor && SpatialWindow.AllZero(begin) && pooledShape.AsSpan(2).SequenceEqual(inputShape.AsSpan(2)))
        {
            flat = positions;
        }
        else
        {
            // Decode coordinates in the pooled tensor, shift out the begin pads, encode in the input's layout.
            var remaining = positions;
            var coordinates = new Tensor[rank];
            for (int i = rank - 1; i >= 0; i--)
            {
                var size = pooledShape[i + 2].ToScalar();
                coordinates[i] = remaining.remainder(size).sub(begin[i].ToScalar());
                remaining = remaining.div(size, RoundingMode.floor);
                GC.KeepAlive(size);
            }
            flat = torch.zeros_like(positions);
            long weight = 1;
            for (int step = 0; step < rank; step++)
            {
                int i = columnMajor ? step : rank - 1 - step;
                flat = flat.add(coordinates[i].mul(weight.ToScalar()));
                weight *= inputShape[i + 2];
            }
        }
        var offsets = torch.arange(0L, inputShape[0] * inputShape[1], 1L, ScalarType.Int64, positions.device).mul(plane.ToScalar());
        var shape = new long[rank + 2];
        Array.Fill(shape, 1L);
        shape[0] = inputShape[0];
        shape[1] = inputShape[1];
        return flat.add(offsets.reshape(shape)).MoveToOuterDisposeScope();
    }
}
