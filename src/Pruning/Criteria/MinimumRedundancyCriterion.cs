using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>min-redundancy</c>: greedy minimum-redundancy selection of units (in the spirit of mRMR, Peng et al. 2005):
/// starting from the most important unit (mean |activation|, scaled to [0, 1]), repeatedly keep the unit that
/// maximises importance minus its mean |correlation| with the units already kept. A unit's score is its place in
/// that order (first kept = highest), so pruning to any count keeps the greedy prefix. A unit that is constant over
/// the calibration rows carries no information (the next layer's bias can absorb it): it comes after every other
/// unit. Scores rank units within a layer; prefer <see cref="PruningScope.Layer"/>.
/// </summary>
public sealed class MinimumRedundancyCriterion : IPruningCriterion
{
    /// <inheritdoc />
    public string Name => "min-redundancy";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.UnitActivations | CriterionNeeds.UnitCorrelation;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } = [PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var statistics = layer.Statistics;
        var means = statistics?.UnitAbsoluteMeans ?? throw CriterionErrors.Missing(Name, "unit activations", layer.Name);
        var correlation = statistics.UnitCorrelation ?? throw CriterionErrors.Missing(Name, "unit correlations", layer.Name);
        int n = means.Length;
        double max = 0;
        foreach (double m in means) max = Math.Max(max, m);
        var importance = new double[n];
        for (int i = 0; i < n; i++) importance[i] = max > 0 ? means[i] / max : 0;

        var redundancySum = new double[n];
        var kept = new bool[n];
        var scores = new float[n];
        for (int rank = 0; rank < n; rank++)
        {
            int best = -1;
            double bestValue = double.NegativeInfinity;
            for (int i = 0; i < n; i++)
            {
                if (kept[i]) continue;
                // The diagonal is 0 only for a constant unit (see LayerStatistics.UnitCorrelation).
                bool constant = correlation[(long)i * n + i] == 0;
                double value = constant ? importance[i] - 2 : importance[i] - (rank == 0 ? 0 : redundancySum[i] / rank);
                if (value > bestValue) (best, bestValue) = (i, value);
            }
            kept[best] = true;
            scores[best] = (float)(n - rank) / n;
            for (int i = 0; i < n; i++)
                if (!kept[i]) redundancySum[i] += Math.Abs(correlation[(long)i * n + best]);
        }
        return scores;
    }
}
