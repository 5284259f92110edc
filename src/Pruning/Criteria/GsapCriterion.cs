using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>gsap</c>: gradient-sensitive activation pruning, |a·∂L/∂a| per unit: the first-order change of the loss if the
/// unit's activation were zeroed, accumulated over calibration batches as Σ_batches |Σ_rows a·∂L/∂a| (the
/// activation-gate form of Molchanov et al. 2017). Needs a label column and gradients (Microsoft.ML.Pruning.Trainers).
/// </summary>
public sealed class GsapCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "gsap";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.ActivationGradients;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } = [PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var gradients = layer.ActivationGradients ?? throw CriterionErrors.Missing(Name, "activation gradients", layer.Name);
        return (float[])gradients.AbsWeightTimesGradient.Clone();
    }
}
