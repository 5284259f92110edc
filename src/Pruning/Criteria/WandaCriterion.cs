using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>wanda</c>: |W_ij|·‖X_j‖, the weight's magnitude times the L2 norm of the input feature it reads over the
/// calibration rows (Sun et al. 2023, "Pruning by Weights and activations"). For Conv, ‖X_j‖ is the input
/// channel's norm over all positions. Wanda's paper compares weights within each output row; use
/// <see cref="PruningScope.Layer"/> for the closest match. A unit's score sums its weights'.
/// </summary>
public sealed class WandaCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "wanda";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.InputNorms;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } =
        [PruningGranularity.Unstructured, PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var sums = layer.Statistics?.InputSquaredSums ?? throw CriterionErrors.Missing(Name, "input norms", layer.Name);
        var norms = new float[sums.Length];
        for (int j = 0; j < norms.Length; j++) norms[j] = (float)Math.Sqrt(sums[j]);
        var weights = layer.Weights;
        var scores = new float[weights.Length];
        for (int i = 0; i < scores.Length; i++) scores[i] = Math.Abs(weights[i]) * norms[layer.InputOf(i)];
        return layer.ForGranularity(scores);
    }
}
