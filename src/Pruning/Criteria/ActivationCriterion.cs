using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>activation</c>: a unit's score is the mean |activation| over the calibration rows (after its bias and
/// activation function): units that stay near zero contribute little downstream.
/// </summary>
public sealed class ActivationCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "activation";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.UnitActivations;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } = [PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var means = layer.Statistics?.UnitAbsoluteMeans ?? throw CriterionErrors.Missing(Name, "unit activations", layer.Name);
        var scores = new float[means.Length];
        for (int u = 0; u < scores.Length; u++) scores[u] = (float)means[u];
        return scores;
    }
}
