using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// <c>entropy</c>: the Shannon entropy of each unit's activation distribution over the calibration rows (Luo and Wu
/// 2017): the values (spatial means for Conv) are binned into <see cref="Bins"/> equal-width bins between the unit's
/// minimum and maximum. A unit that carries little information (near-constant output) has low entropy and is
/// pruned first.
/// </summary>
public sealed class EntropyCriterion : IPruningCriterion
{
    /// <summary>Histogram bins per unit.</summary>
    public const int Bins = 32;

    /// <inheritdoc />
    public string Name => "entropy";

    /// <inheritdoc />
    public CriterionNeeds Needs => CriterionNeeds.UnitSamples;

    /// <inheritdoc />
    public IReadOnlyList<PruningGranularity> Granularities { get; } = [PruningGranularity.Neuron, PruningGranularity.Channel];

    /// <inheritdoc />
    public float[] Score(LayerContext layer)
    {
        var samples = layer.Statistics?.UnitSamples ?? throw CriterionErrors.Missing(Name, "unit samples", layer.Name);
        var scores = new float[samples.Length];
        var counts = new int[Bins];
        for (int u = 0; u < samples.Length; u++)
        {
            var values = samples[u];
            if (values.Length == 0) continue;
            float min = values[0], max = values[0];
            foreach (float v in values) { min = Math.Min(min, v); max = Math.Max(max, v); }
            if (!(max > min)) continue; // constant: entropy 0
            Array.Clear(counts);
            double width = ((double)max - min) / Bins;
            foreach (float v in values) counts[Math.Min(Bins - 1, (int)((v - min) / width))]++;
            double entropy = 0;
            foreach (int c in counts)
            {
                if (c == 0) continue;
                double p = (double)c / values.Length;
                entropy -= p * Math.Log(p);
            }
            scores[u] = (float)entropy;
        }
        return scores;
    }
}
