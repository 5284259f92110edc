using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>random</c>: uniform random scores from the options' seed, the baseline every criterion should beat. The same
/// seed prunes the same weights.
/// </summary>
public sealed class RandomCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "random";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.None;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } =
        [PruningGranularity.Unstructured, PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var random = new Random(layer.Seed);
        var scores = new float[layer.ScoreCount];
        for (int i = 0; i < scores.Length; i++) scores[i] = random.NextSingle();
        return scores;
    }
}
