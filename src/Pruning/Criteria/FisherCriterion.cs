using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>fisher</c>: Optimal Brain Damage saliency with the diagonal empirical Fisher as the Hessian, ½·F·w² with F the
/// mean of (∂L/∂w)² over calibration batches (LeCun et al. 1990; Theis et al. 2018). A unit's score sums its
/// weights'. Needs a label column and gradients (Microsoft.ML.Pruning.Trainers).
/// </summary>
public sealed class FisherCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "fisher";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.WeightGradients;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } =
        [PruningGranularity.Unstructured, PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var gradients = layer.WeightGradients ?? throw CriterionErrors.Missing(Name, "weight gradients", layer.Name);
        var weights = layer.Weights;
        var scores = new float[weights.Length];
        float half = 0.5f / System.Math.Max(1, gradients.Batches);
        for (int i = 0; i < scores.Length; i++)
            scores[i] = half * gradients.SquaredGradient[i] * weights[i] * weights[i];
        return layer.ForGranularity(scores);
    }
}
