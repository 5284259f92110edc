using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Which output positions of a Conv layer give patch rows: every position when an image has at most
/// <see cref="MaxPerRow"/>, otherwise that many drawn without replacement. The draw depends only on the seed, the layer
/// and the calibration row's index, so two passes over the same rows (the dense and the pruned model, or parallel and
/// sequential mode) draw the same positions.
/// </summary>
internal sealed class ConvPositionSampler
{
    private int[] _scratch = [];

    /// <param name="maxPerRow">At most this many positions per calibration row (≥ 1).</param>
    /// <param name="seed">The run's seed.</param>
    public ConvPositionSampler(int maxPerRow, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPerRow, 1);
        MaxPerRow = maxPerRow;
        Seed = seed;
    }

    /// <summary>Every position of every row.</summary>
    public static ConvPositionSampler All { get; } = new(int.MaxValue, 0);

    /// <summary>At most this many positions per calibration row.</summary>
    public int MaxPerRow { get; }

    /// <summary>The seed the draws derive from.</summary>
    public int Seed { get; }

    /// <summary>
    /// Appends to <paramref name="positions"/> the chosen positions of calibration row <paramref name="row"/> (image
    /// <paramref name="image"/> of its batch), as image · <paramref name="perImage"/> + position, in increasing order.
    /// </summary>
    public void Sample(string layer, long row, long image, long perImage, List<long> positions)
    {
        long start = image * perImage;
        if (perImage <= MaxPerRow)
        {
            for (long p = 0; p < perImage; p++) positions.Add(start + p);
            return;
        }
        // Partial Fisher–Yates over 0..perImage−1 (perImage < 2³¹: one image's output positions).
        int count = (int)perImage;
        if (_scratch.Length < count) _scratch = new int[count];
        var scratch = _scratch.AsSpan(0, count);
        for (int i = 0; i < count; i++) scratch[i] = i;
        var random = new Random(unchecked((int)Mix(Seed, StableHash(layer), row)));
        for (int i = 0; i < MaxPerRow; i++)
        {
            int j = random.Next(i, count);
            (scratch[i], scratch[j]) = (scratch[j], scratch[i]);
        }
        var chosen = scratch[..MaxPerRow];
        chosen.Sort();
        foreach (int p in chosen) positions.Add(start + p);
    }

    private static ulong Mix(int seed, uint layer, long row)
    {
        // SplitMix64's finalizer over the three values: neighbouring rows and layers get unrelated streams.
        ulong z = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ ((ulong)layer << 32) ^ (ulong)row);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        return z ^ (z >> 31);
    }

    /// <summary>FNV-1a of the name: string.GetHashCode differs between processes.</summary>
    private static uint StableHash(string text)
    {
        uint hash = 2166136261;
        foreach (char c in text) hash = unchecked((hash ^ c) * 16777619);
        return hash;
    }
}
