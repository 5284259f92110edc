using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Streams a Conv layer's input into one <see cref="GramAccumulator"/> per group: each batch [N, C, spatial…] is
/// unfolded (<see cref="ConvPatches"/>) at the positions <see cref="ConvPositionSampler"/> chooses, a bounded chunk of
/// patch rows at a time, so memory is the groups' G plus at most <see cref="ChunkBytes"/> of patches, whatever the
/// batch and image sizes.
/// </summary>
internal sealed class ConvGramAccumulator
{
    /// <summary>Patch rows are unfolded and added in chunks of about this many bytes (floats here, doubles in the accumulators).</summary>
    internal const long ChunkBytes = 64L << 20;

    private readonly ConvGeometry _geometry;
    private readonly ConvPositionSampler _sampler;
    private readonly GramAccumulator[] _groups;
    private readonly List<long> _positions = [];
    private float[] _rows = [];
    private readonly long _chunkBytes;
    private long _available;

    /// <param name="geometry">The layer's window.</param>
    /// <param name="sampler">Which output positions give patch rows.</param>
    /// <param name="chunkBytes">About this many bytes of patches at a time (<see cref="ChunkBytes"/>; smaller in tests).</param>
    public ConvGramAccumulator(ConvGeometry geometry, ConvPositionSampler sampler, long chunkBytes = ChunkBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        _geometry = geometry;
        _sampler = sampler;
        _chunkBytes = chunkBytes;
        _groups = [.. Enumerable.Range(0, geometry.Groups).Select(_ => new GramAccumulator(geometry.Layer))];
    }

    /// <summary>Patch rows added to each group so far.</summary>
    public long PatchRows => _groups[0].Rows;

    /// <summary>Adds one batch of the layer's input; <paramref name="firstRow"/> is the index of its first calibration row.</summary>
    /// <exception cref="InvalidDataException">A NaN or infinite activation (naming layer, tensor and calibration row), or a shape that does not fit the weight.</exception>
    public void Add(ReadOnlySpan<float> x, long[] shape, string tensor, int firstRow)
    {
        if (!TensorPrimitives.IsFiniteAll(x))
        {
            int bad = 0;
            while (float.IsFinite(x[bad])) bad++;
            long perRow = Math.Max(1, x.Length / Math.Max(1, shape[0]));
            throw new InvalidDataException(
                $"Layer '{_geometry.Layer}': its input '{tensor}' (shape [{string.Join(", ", shape)}]) has {x[bad].ToString(CultureInfo.InvariantCulture)} " +
                $"on calibration row {firstRow + bad / perRow}; the layer cannot be reconstructed from non-finite activations. Check the model and the input data.");
        }
        var window = _geometry.For(shape);
        _positions.Clear();
        for (long image = 0; image < window.Images; image++)
            _sampler.Sample(_geometry.Layer, firstRow + image, image, window.PositionsPerImage, _positions);
        _available += window.Images * window.PositionsPerImage;
        if (_positions.Count == 0) return;

        long patch = window.PatchLength;
        // Each group's accumulator keeps a chunk of its patches as doubles, and the unfold buffer holds one group's as floats.
        int chunk = (int)Math.Clamp(_chunkBytes / ((patch * window.Groups * sizeof(double)) + (patch * sizeof(float))), 1, _positions.Count);
        long needed = chunk * patch;
        if (_rows.Length < needed) _rows = new float[needed];
        var all = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_positions);
        long[] rowShape = [0, patch];
        for (int start = 0; start < all.Length; start += chunk)
        {
            int count = Math.Min(chunk, all.Length - start);
            var positions = all.Slice(start, count);
            var rows = _rows.AsSpan(0, (int)(count * patch));
            rowShape[0] = count;
            for (int g = 0; g < window.Groups; g++)
            {
                ConvPatches.Unfold(x, window, g, positions, rows);
                _groups[g].Add(rows, rowShape, 1, tensor, firstRow);
            }
        }
    }

    /// <summary>G per group of everything added, or null when nothing was.</summary>
    public ConvGram? Build()
    {
        var grams = _groups.Select(g => g.Build()).ToList();
        if (grams.Any(g => g is null)) return null;
        return new ConvGram([.. grams.Select(g => g!)], PatchRows, _available, _sampler.MaxPerRow);
    }
}
