using System;
using System.IO;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Conv and ConvTranspose over 1 to 3 spatial axes, with groups, dilations, strides and any padding.</summary>
internal static class ConvOps
{
    /// <summary>
    /// Y = X ⋆ W (+ B), W of shape [M, C/group, k…]. Pads that differ before and after an axis (asymmetric, or
    /// SAME_UPPER/SAME_LOWER with an odd total) are applied to X explicitly, the symmetric part by the convolution.
    /// </summary>
    public static OpKernel Conv(NodeContext ctx)
    {
        var window = SpatialWindow.Read(ctx);
        long group = ReadGroup(ctx);
        int x = ctx.Input(0), w = ctx.Input(1), b = ctx.OptionalInput(2), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            var weight = s[w]!;
            int rank = window.SpatialRank(input);
            CheckWeight(label, input, weight, "[M, C/group, kernel…]");
            var kernel = weight.shape.AsSpan(2);
            window.CheckKernel(kernel);
            var strides = window.StridesFor(rank);
            var dilations = window.DilationsFor(rank);
            var (begin, end) = window.PadsFor(input.shape.AsSpan(2), kernel, strides, dilations);
            var symmetric = SpatialWindow.Symmetric(begin, end);
            if (begin.AsSpan().SequenceEqual(end))
            {
                s[y] = Convolve(input, weight, b >= 0 ? s[b] : null, strides, symmetric, dilations, group);
                return;
            }
            for (int i = 0; i < rank; i++)
            {
                begin[i] -= symmetric[i];
                end[i] -= symmetric[i];
            }
            using var padded = F.pad(input, SpatialWindow.TorchPads(begin, end));
            s[y] = Convolve(padded, weight, b >= 0 ? s[b] : null, strides, symmetric, dilations, group);
        };
    }

    /// <summary>
    /// The transpose (gradient) of Conv, W of shape [C, M/group, k…]. Output size per axis is
    /// stride·(in − 1) + output_padding + (k − 1)·dilation + 1 − pad_begin − pad_end; with <c>output_shape</c> or
    /// SAME_UPPER/SAME_LOWER the pads are derived as ONNX specifies (the odd one at the end for SAME_UPPER, at the
    /// beginning otherwise), and an output larger than the natural size is extended at the end.
    /// </summary>
    public static OpKernel ConvTranspose(NodeContext ctx)
    {
        var window = SpatialWindow.Read(ctx);
        long group = ReadGroup(ctx);
        long[]? outputPaddingAttribute = ctx.GetInts("output_padding");
        long[]? outputShape = ctx.GetInts("output_shape");
        if (outputPaddingAttribute is not null && Array.Exists(outputPaddingAttribute, p => p < 0))
            throw ctx.Invalid($"attribute 'output_padding' [{string.Join(", ", outputPaddingAttribute)}] has a negative entry.");
        if (outputShape is not null && Array.Exists(outputShape, p => p < 1))
            throw ctx.Invalid($"attribute 'output_shape' [{string.Join(", ", outputShape)}] must hold positive values.");
        int x = ctx.Input(0), w = ctx.Input(1), b = ctx.OptionalInput(2), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            var weight = s[w]!;
            var bias = b >= 0 ? s[b] : null;
            int rank = window.SpatialRank(input);
            CheckWeight(label, input, weight, "[C, M/group, kernel…]", transposed: true);
            var kernel = weight.shape.AsSpan(2);
            window.CheckKernel(kernel);
            var strides = window.StridesFor(rank);
            var dilations = window.DilationsFor(rank);
            var outputPadding = outputPaddingAttribute ?? new long[rank];
            if (outputPadding.Length != rank)
                throw new InvalidDataException($"{label}: attribute 'output_padding' has {outputPadding.Length} entries; the input has {rank} spatial axes.");
            var spatial = input.shape.AsSpan(2);

            var begin = new long[rank];
            var end = new long[rank];
            var natural = new long[rank]; // the transposed convolution's size without pads or output padding
            for (int i = 0; i < rank; i++) natural[i] = strides[i] * (spatial[i] - 1) + (kernel[i] - 1) * dilations[i] + 1;
            long[]? target = outputShape is null ? null : SpatialOutputShape(label, outputShape, rank);
            if (target is null && window.AutoPad is AutoPad.SameUpper or AutoPad.SameLower)
            {
                target = new long[rank];
                for (int i = 0; i < rank; i++) target[i] = spatial[i] * strides[i];
            }
            if (target is not null)
            {
                for (int i = 0; i < rank; i++)
                {
                    long total = natural[i] + outputPadding[i] - target[i];
                    if (total < 0)
                    {
                        end[i] = total; // a larger output than the natural one: extended at the end (zeros, then bias)
                        continue;
                    }
                    begin[i] = window.AutoPad == AutoPad.SameUpper ? total / 2 : total - total / 2;
                    end[i] = total - begin[i];
                }
            }
            else if (window.AutoPad == AutoPad.NotSet)
            {
                (begin, end) = window.PadsFor(spatial, kernel, strides, dilations);
            }

            bool direct = begin.AsSpan().SequenceEqual(end);
            for (int i = 0; direct && i < rank; i++)
                direct = begin[i] >= 0 && outputPadding[i] < Math.Max(strides[i], dilations[i]);
            if (direct)
            {
                s[y] = ConvolveTransposed(input, weight, bias, strides, begin, outputPadding, dilations, group);
                return;
            }
            // General case: the full transposed convolution, then crop (negative pad) or extend each axis.
            using var full = ConvolveTransposed(input, weight, null, strides, new long[rank], new long[rank], dilations, group);
            var cropBegin = new long[rank];
            var cropEnd = new long[rank];
            for (int i = 0; i < rank; i++)
            {
                cropBegin[i] = -begin[i];
                cropEnd[i] = outputPadding[i] - end[i];
            }
            if (bias is null)
            {
                s[y] = F.pad(full, SpatialWindow.TorchPads(cropBegin, cropEnd));
                return;
            }
            using var shaped = F.pad(full, SpatialWindow.TorchPads(cropBegin, cropEnd));
            using var channelBias = bias.reshape(ChannelShape(bias.shape[0], rank));
            s[y] = shaped.add(channelBias);
        };
    }

    /// <summary>[count, 1, …, 1]: a per-channel vector shaped to broadcast over [N, C, spatial…].</summary>
    internal static long[] ChannelShape(long count, int spatialRank)
    {
        var shape = new long[spatialRank + 1];
        Array.Fill(shape, 1L);
        shape[0] = count;
        return shape;
    }

    private static Tensor Convolve(Tensor input, Tensor weight, Tensor? bias, long[] strides, long[] pads, long[] dilations, long group) =>
        strides.Length switch
        {
            1 => F.conv1d(input, weight, bias, strides[0], pads[0], dilations[0], group),
            2 => F.conv2d(input, weight, bias, strides, pads, dilations, group),
            _ => F.conv3d(input, weight, bias, strides, pads, dilations, group),
        };

    private static Tensor ConvolveTransposed(
        Tensor input, Tensor weight, Tensor? bias, long[] strides, long[] pads, long[] outputPadding, long[] dilations, long group) =>
        strides.Length switch
        {
            1 => F.conv_transpose1d(input, weight, bias, strides[0], pads[0], outputPadding[0], dilations[0], group),
            2 => F.conv_transpose2d(input, weight, bias, strides, pads, outputPadding, dilations, group),
            _ => F.conv_transpose3d(input, weight, bias, strides, pads, outputPadding, dilations, group),
        };

    private static long ReadGroup(NodeContext ctx)
    {
        long group = ctx.GetInt("group", 1);
        if (group < 1) throw ctx.Invalid($"attribute 'group' is {group}; it must be at least 1.");
        return group;
    }

    private static void CheckWeight(string label, Tensor input, Tensor weight, string layout, bool transposed = false)
    {
        if (weight.dim() != input.dim())
            throw new InvalidDataException(
                $"{label}: the weight has shape [{string.Join(", ", weight.shape)}]; for an input of shape [{string.Join(", ", input.shape)}] it must be {layout} of rank {input.dim()}.");
        if (transposed && weight.shape[0] != input.shape[1])
            throw new InvalidDataException(
                $"{label}: the weight has shape [{string.Join(", ", weight.shape)}] ({layout}); its first dim must equal the input's {input.shape[1]} channels.");
    }

    /// <summary><c>output_shape</c> may list only the spatial dims or the whole shape; the spatial dims either way.</summary>
    private static long[] SpatialOutputShape(string label, long[] outputShape, int rank)
    {
        if (outputShape.Length == rank) return outputShape;
        if (outputShape.Length == rank + 2) return outputShape[2..];
        throw new InvalidDataException($"{label}: attribute 'output_shape' has {outputShape.Length} entries; the input has {rank} spatial axes.");
    }
}
