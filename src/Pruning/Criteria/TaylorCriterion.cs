using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>taylor</c>: first-order Taylor importance |w·∂L/∂w| summed over calibration batches (Molchanov et al. 2019):
/// the first-order change of the loss if the weight were removed. A unit's score sums its weights'. Needs a label
/// column and gradients (Microsoft.ML.Pruning.Trainers).
/// </summary>
public sealed class TaylorCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "taylor";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.WeightGradients;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } =
        [PruningGranularity.Unstructured, PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var gradients = layer.WeightGradients ?? throw CriterionErrors.Missing(Name, "weight gradients", layer.Name);
        return layer.ForGranularity((float[])gradients.AbsWeightTimesGradient.Clone());
    }
}
