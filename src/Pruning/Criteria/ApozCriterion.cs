using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>apoz</c>: Average Percentage of Zeros (Hu et al. 2016). A unit whose activation is zero on most calibration
/// rows (and positions) is pruned first; the score is 1 − APoZ. Meaningful after ReLU-like activations.
/// </summary>
public sealed class ApozCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "apoz";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.UnitActivations;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } = [PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var zeros = layer.Statistics?.UnitZeroFractions ?? throw CriterionErrors.Missing(Name, "unit activations", layer.Name);
        var scores = new float[zeros.Length];
        for (int u = 0; u < scores.Length; u++) scores[u] = (float)(1 - zeros[u]);
        return scores;
    }
}
