using System;
using System.Collections.Generic;
using System.Numerics.Tensors;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>fpgm</c>: Filter Pruning via Geometric Median (He et al. 2019). A unit's score is the sum of Euclidean
/// distances from its weight vector to every other unit's of the layer: units near the geometric median are the
/// most replaceable by the others and are pruned first. Needs no data.
/// </summary>
public sealed class FpgmCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "fpgm";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.None;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } = [PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var vectors = UnitVectors.Of(layer);
        int n = vectors.Length;
        var norms = new double[n];
        for (int i = 0; i < n; i++) norms[i] = TensorPrimitives.Dot(vectors[i], vectors[i]);
        var sums = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = i + 1; j < n; j++)
            {
                double d = Math.Sqrt(Math.Max(0, norms[i] + norms[j] - 2.0 * TensorPrimitives.Dot(vectors[i], vectors[j])));
                sums[i] += d;
                sums[j] += d;
            }
        }
        var scores = new float[n];
        for (int i = 0; i < n; i++) scores[i] = (float)sums[i];
        return scores;
    }
}
