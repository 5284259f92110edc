using System;
using System.Numerics;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// Magnitude importance: a weight's score is |w|. The simplest pruning criterion and a strong baseline
/// (Han et al. 2015).
/// </summary>
/// <remarks>
/// <see cref="MaskSelector.SelectByMagnitude(System.Collections.Generic.IReadOnlyList{LayerValues}, MaskSelectionOptions)"/>
/// computes these scores on the fly; use <see cref="Score(ReadOnlySpan{float}, Span{float})"/> to combine
/// magnitudes with other criteria before <see cref="MaskSelector.Select(System.Collections.Generic.IReadOnlyList{LayerValues}, MaskSelectionOptions)"/>.
/// </remarks>
/// <example>
/// <code>
/// float[] scores = MagnitudeCriterion.Score(weights);
/// var masks = MaskSelector.Select([new LayerValues("fc1.weight", scores)], sparsity: 0.5);
/// </code>
/// </example>
public static class MagnitudeCriterion
{
    /// <summary>Writes |w| of each weight into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="weights"/>.</exception>
    public static void Score(ReadOnlySpan<float> weights, Span<float> destination)
    {
        if (destination.Length < weights.Length)
            throw new ArgumentException($"Destination has {destination.Length} elements; {weights.Length} are needed.", nameof(destination));
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= weights.Length - Vector<float>.Count; i += Vector<float>.Count)
                Vector.Abs(new Vector<float>(weights.Slice(i))).CopyTo(destination.Slice(i));
        }
        for (; i < weights.Length; i++)
            destination[i] = Math.Abs(weights[i]);
    }

    /// <summary>Returns |w| of each weight as a new array.</summary>
    public static float[] Score(ReadOnlySpan<float> weights)
    {
        var scores = new float[weights.Length];
        Score(weights, scores);
        return scores;
    }
}
