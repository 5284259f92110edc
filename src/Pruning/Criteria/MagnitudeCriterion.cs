using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>magnitude</c>: a weight's score is |w|, a unit's the L1 norm of its weights (Han et al. 2015; Li et al. 2017
/// for filters). The simplest criterion and a strong baseline.
/// </summary>
public sealed class MagnitudeCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "magnitude";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.None;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } =
        [PruningGranularity.Unstructured, PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer) => layer.ForGranularity(Score(layer.Weights));

    /// <summary>Writes |w| of each weight into <paramref name="destination"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="weights"/>.</exception>
    public static void Score(ReadOnlySpan<float> weights, Span<float> destination)
    {
        if (destination.Length < weights.Length)
            throw new ArgumentException($"Destination has {destination.Length} elements; {weights.Length} are needed.", nameof(destination));
        TensorPrimitives.Abs(weights, destination[..weights.Length]);
    }

    /// <summary>Returns |w| of each weight as a new array.</summary>
    public static float[] Score(ReadOnlySpan<float> weights)
    {
        var scores = new float[weights.Length];
        Score(weights, scores);
        return scores;
    }
}
