using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>magnitude-l2</c>: a unit's score is the L2 norm of its weights (as <c>torch.nn.utils.prune.ln_structured(n=2)</c>);
/// a single weight's is |w|, the same ranking as <c>magnitude</c>.
/// </summary>
public sealed class MagnitudeL2Criterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "magnitude-l2";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.None;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } =
        [PruningGranularity.Unstructured, PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var weights = layer.Weights;
        if (layer.Granularity == PruningGranularity.Unstructured)
            return MagnitudeCriterion.Score(weights);
        var squares = new float[weights.Length];
        for (int i = 0; i < squares.Length; i++) squares[i] = weights[i] * weights[i];
        var sums = layer.SumPerUnit(squares);
        for (int u = 0; u < sums.Length; u++) sums[u] = System.MathF.Sqrt(sums[u]);
        return sums;
    }
}
