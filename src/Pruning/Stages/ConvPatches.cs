using System;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// im2col: the input patches a convolution multiplies with its weight. For group g, the patch of output position p is
/// the row of (C/group)·Π kernel input values (channel-major, then kernel axes in order, zero where the window reads
/// padding) such that the convolution's output at p for every output channel m of the group is
/// <c>row · W[m]</c>, W[m] being that channel's weights [C/group, kernel…] flattened. So a Conv layer is, per group, a
/// matrix [M/group, (C/group)·Π kernel] acting on these rows, and it is reconstructed like a Gemm layer on them.
/// </summary>
internal static class ConvPatches
{
    /// <summary>
    /// Writes the patch rows of group <paramref name="group"/> at <paramref name="positions"/> (each
    /// image · <see cref="ConvWindow.PositionsPerImage"/> + output position, output positions row-major over the output
    /// axes) into <paramref name="rows"/> ([positions, <see cref="ConvWindow.PatchLength"/>] row-major).
    /// </summary>
    /// <param name="x">One batch of the layer's input, [N, C, spatial…] row-major.</param>
    /// <param name="window">The window resolved for that input's shape.</param>
    /// <param name="group">The group whose input channels are read.</param>
    /// <param name="positions">Which patches, in any order.</param>
    /// <param name="rows">The patch rows, in the order of <paramref name="positions"/>.</param>
    public static void Unfold(ReadOnlySpan<float> x, ConvWindow window, int group, ReadOnlySpan<long> positions, Span<float> rows)
    {
        long patch = window.PatchLength;
        long channels = window.ChannelsPerGroup;
        long kernelSize = window.KernelSize;
        long perImage = window.PositionsPerImage;
        long depth = window.Input[0], height = window.Input[1], width = window.Input[2];
        long plane = depth * height * width;
        if (x.Length != window.Images * window.Channels * plane)
            throw new ArgumentException($"The input has {x.Length} values; the window describes {window.Images * window.Channels * plane}.", nameof(x));
        if (rows.Length < positions.Length * patch)
            throw new ArgumentException($"{positions.Length} patch rows of {patch} values need {positions.Length * patch} values; the buffer has {rows.Length}.", nameof(rows));
        if (group < 0 || group >= window.Groups) throw new ArgumentOutOfRangeException(nameof(group), group, $"The layer has {window.Groups} group(s).");

        long outHeight = window.Output[1], outWidth = window.Output[2];
        long kd = window.Kernel[0], kh = window.Kernel[1], kw = window.Kernel[2];
        long dd = window.Dilations[0], dh = window.Dilations[1], dw = window.Dilations[2];
        for (int r = 0; r < positions.Length; r++)
        {
            long flat = positions[r];
            long image = flat / perImage, position = flat % perImage;
            if (image < 0 || image >= window.Images) throw new ArgumentOutOfRangeException(nameof(positions), flat, $"Position {flat} is outside the batch's {window.Images} image(s).");
            long oz = position / (outHeight * outWidth), oy = position / outWidth % outHeight, ox = position % outWidth;
            long z0 = oz * window.Strides[0] - window.PadBegin[0];
            long y0 = oy * window.Strides[1] - window.PadBegin[1];
            long x0 = ox * window.Strides[2] - window.PadBegin[2];
            var row = rows.Slice((int)(r * patch), (int)patch);
            for (long c = 0; c < channels; c++)
            {
                long channelStart = ((image * window.Channels) + (group * channels) + c) * plane;
                int k = (int)(c * kernelSize);
                for (long i = 0; i < kd; i++)
                {
                    long z = z0 + i * dd;
                    bool zInside = (ulong)z < (ulong)depth;
                    for (long j = 0; j < kh; j++)
                    {
                        long y = y0 + j * dh;
                        bool inside = zInside && (ulong)y < (ulong)height;
                        long lineStart = channelStart + ((z * height) + y) * width;
                        for (long l = 0; l < kw; l++)
                        {
                            long xi = x0 + l * dw;
                            row[k++] = inside && (ulong)xi < (ulong)width ? x[(int)(lineStart + xi)] : 0f;
                        }
                    }
                }
            }
        }
    }
}
