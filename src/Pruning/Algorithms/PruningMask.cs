using System;
using System.Runtime.InteropServices;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// Which weights of one layer survive pruning: one flag per weight, in the layer's flattened order.
/// </summary>
/// <remarks>
/// Stored as one byte per weight (a quarter of a float mask). <see cref="CopyTo(Span{float})"/> produces the
/// 0/1 float form a training engine multiplies weights by; <see cref="ApplyTo(Span{float})"/> zeroes pruned
/// weights in place.
/// </remarks>
/// <example>
/// <code>
/// PruningMask mask = MaskSelector.SelectByMagnitude(layers, options)[0];
/// mask.ApplyTo(weights);               // pruned weights become exactly 0
/// Console.WriteLine(mask.Sparsity);    // e.g. 0.9
/// </code>
/// </example>
public sealed class PruningMask
{
    private readonly bool[] _keep;

    /// <summary>Creates a mask from keep flags (true = the weight survives); the array is owned by the mask afterwards.</summary>
    internal PruningMask(string name, bool[] keep, int prunedCount)
    {
        Name = name;
        _keep = keep;
        PrunedCount = prunedCount;
    }

    /// <summary>The layer this mask belongs to.</summary>
    public string Name { get; }

    /// <summary>Number of weights the mask covers.</summary>
    public int Length => _keep.Length;

    /// <summary>Number of weights pruned.</summary>
    public int PrunedCount { get; }

    /// <summary>Number of weights kept.</summary>
    public int KeptCount => _keep.Length - PrunedCount;

    /// <summary>Fraction of weights pruned (0 for an empty layer).</summary>
    public double Sparsity => _keep.Length == 0 ? 0 : (double)PrunedCount / _keep.Length;

    /// <summary>One flag per weight: true where the weight is kept, false where it is pruned.</summary>
    public ReadOnlySpan<bool> Keep => _keep;

    /// <summary>Whether the weight at <paramref name="index"/> is kept.</summary>
    public bool IsKept(int index) => _keep[index];

    /// <summary>Sets every pruned weight of <paramref name="weights"/> to exactly 0; kept weights are untouched.</summary>
    /// <exception cref="ArgumentException">The span's length differs from <see cref="Length"/>.</exception>
    public void ApplyTo(Span<float> weights)
    {
        CheckLength(weights.Length, nameof(weights));
        ReadOnlySpan<byte> keep = MemoryMarshal.AsBytes(_keep.AsSpan());
        for (int i = 0; i < weights.Length; i++)
        {
            if (keep[i] == 0)
                weights[i] = 0f;
        }
    }

    /// <summary>Writes the mask as floats: 1 where the weight is kept, 0 where it is pruned.</summary>
    /// <exception cref="ArgumentException">The span's length differs from <see cref="Length"/>.</exception>
    public void CopyTo(Span<float> destination)
    {
        CheckLength(destination.Length, nameof(destination));
        ReadOnlySpan<byte> keep = MemoryMarshal.AsBytes(_keep.AsSpan());
        for (int i = 0; i < destination.Length; i++)
            destination[i] = keep[i];
    }

    /// <summary>The mask as a new float array: 1 where the weight is kept, 0 where it is pruned.</summary>
    public float[] ToFloatArray()
    {
        var result = new float[_keep.Length];
        CopyTo(result);
        return result;
    }

    private void CheckLength(int length, string paramName)
    {
        if (length != _keep.Length)
            throw new ArgumentException($"Mask of layer '{Name}' covers {_keep.Length} weights; the span has {length}.", paramName);
    }
}
