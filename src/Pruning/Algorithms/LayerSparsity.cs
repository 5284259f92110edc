using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>How sparse one layer's weights are: the data behind one row of a pruning report.</summary>
/// <param name="Name">The layer's name.</param>
/// <param name="Shape">The weight tensor's dimensions.</param>
/// <param name="Parameters">Number of weights.</param>
/// <param name="NonZeros">Number of weights that are not exactly zero (NaN counts as non-zero).</param>
/// <example>
/// <code>
/// LayerSparsity row = LayerSparsity.Compute("fc1.weight", [256, 784], weights);
/// Console.WriteLine($"{row.Name}: {row.Sparsity:P1} zeros");
/// </code>
/// </example>
public sealed record LayerSparsity(string Name, long[] Shape, long Parameters, long NonZeros)
{
    /// <summary>Fraction of weights that are zero: 1 − <see cref="NonZeros"/>/<see cref="Parameters"/> (0 for an empty layer).</summary>
    public double Sparsity => Parameters == 0 ? 0 : 1.0 - (double)NonZeros / Parameters;

    /// <summary>Counts the non-zero weights of one layer.</summary>
    /// <param name="name">The layer's name.</param>
    /// <param name="shape">The weight tensor's dimensions; their product must equal the number of weights. Copied.</param>
    /// <param name="weights">The layer's weights.</param>
    /// <exception cref="ArgumentException">The shape does not describe <paramref name="weights"/>.</exception>
    public static LayerSparsity Compute(string name, ReadOnlySpan<long> shape, ReadOnlySpan<float> weights)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        long elements = 1;
        foreach (long d in shape)
        {
            if (d < 0)
                throw new ArgumentException($"Layer '{name}' has negative dimension {d}.", nameof(shape));
            elements = d == 0 ? 0 : (elements > long.MaxValue / d ? long.MaxValue : elements * d);
        }
        if (elements != weights.Length)
            throw new ArgumentException($"Layer '{name}' has shape [{string.Join(", ", shape.ToArray())}] ({elements} elements) but {weights.Length} weights.", nameof(shape));
        return new LayerSparsity(name, shape.ToArray(), weights.Length, CountNonZeros(weights));
    }

    /// <summary>Sums the rows of a report.</summary>
    public static SparsityTotals Total(IEnumerable<LayerSparsity> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        long parameters = 0, nonZeros = 0;
        foreach (LayerSparsity layer in layers)
        {
            parameters += layer.Parameters;
            nonZeros += layer.NonZeros;
        }
        return new SparsityTotals(parameters, nonZeros);
    }

    /// <summary>Equal when every field is equal, comparing <see cref="Shape"/> element by element.</summary>
    public bool Equals(LayerSparsity? other) =>
        other is not null
        && Name == other.Name
        && Parameters == other.Parameters
        && NonZeros == other.NonZeros
        && Shape.AsSpan().SequenceEqual(other.Shape);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        hash.Add(Parameters);
        hash.Add(NonZeros);
        foreach (long d in Shape)
            hash.Add(d);
        return hash.ToHashCode();
    }

    private static long CountNonZeros(ReadOnlySpan<float> weights)
    {
        long zeros = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Equals yields -1 per zero lane; summing lanes per block and negating counts them.
            var acc = Vector<int>.Zero;
            int block = 0;
            for (; i <= weights.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                acc += Vector.Equals(new Vector<float>(weights.Slice(i)), Vector<float>.Zero);
                if (++block == int.MaxValue / 2)
                {
                    zeros -= Vector.Sum(acc);
                    acc = Vector<int>.Zero;
                    block = 0;
                }
            }
            zeros -= Vector.Sum(acc);
        }
        for (; i < weights.Length; i++)
        {
            if (weights[i] == 0f)
                zeros++;
        }
        return weights.Length - zeros;
    }
}
