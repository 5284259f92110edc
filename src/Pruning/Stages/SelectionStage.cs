using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Criteria;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>select</em> stage: masks from scores, with <see cref="MaskSelector"/>'s exact counts, scope and per-layer
/// targets. Unit scores select whole output units and expand to every weight of a unit. What earlier rounds pruned
/// stays pruned: it is ranked below everything else.
/// </summary>
internal static class SelectionStage
{
    /// <param name="layers">The candidate layers, as scored.</param>
    /// <param name="scores">One score array per layer (per weight or per unit, as <paramref name="granularity"/> says).</param>
    /// <param name="granularity">Whether the scores are per weight or per unit.</param>
    /// <param name="selection">Target sparsity (of weights or of units), scope and per-layer targets.</param>
    /// <param name="previous">Masks of earlier rounds, in the order of <paramref name="layers"/>; null for none.</param>
    public static PruningMask[] Select(IReadOnlyList<LayerContext> layers, IReadOnlyList<float[]> scores, PruningGranularity granularity,
        MaskSelectionOptions selection, IReadOnlyList<PruningMask>? previous)
    {
        var ranked = new LayerValues[layers.Count];
        for (int l = 0; l < layers.Count; l++)
        {
            float[] s = scores[l];
            if (previous?[l] is { PrunedCount: > 0 } earlier)
                s = KeepEarlierPruning(layers[l], s, earlier, granularity);
            ranked[l] = new LayerValues(layers[l].Name, s);
        }
        var masks = MaskSelector.Select(ranked, selection);
        if (granularity == PruningGranularity.Unstructured) return [.. masks];
        var expanded = new PruningMask[layers.Count];
        for (int l = 0; l < layers.Count; l++) expanded[l] = Expand(layers[l], masks[l]);
        return expanded;
    }

    /// <summary>
    /// N:M masks from per-weight scores: in every group of <see cref="NMPattern.M"/> consecutive weights along each layer's
    /// input dimension (<see cref="NMPattern.GroupAxis"/>), the <paramref name="kept"/> highest scores survive. What earlier
    /// rounds pruned is ranked below everything else, so with a count that never grows the masks are nested.
    /// </summary>
    /// <param name="layers">The candidate layers, as scored (M divides each one's input dimension).</param>
    /// <param name="scores">One score array per layer, one score per weight.</param>
    /// <param name="pattern">The pattern; its M is the group size.</param>
    /// <param name="kept">Weights kept per group this time: <see cref="NMPattern.N"/> at the end, more part-way (<see cref="NMPattern.KeptAt"/>).</param>
    /// <param name="previous">Masks of earlier rounds, in the order of <paramref name="layers"/>; null for none.</param>
    public static PruningMask[] SelectNM(IReadOnlyList<LayerContext> layers, IReadOnlyList<float[]> scores, NMPattern pattern, int kept,
        IReadOnlyList<PruningMask>? previous)
    {
        var masks = new PruningMask[layers.Count];
        for (int l = 0; l < layers.Count; l++)
        {
            float[] s = scores[l];
            if (previous?[l] is { PrunedCount: > 0 } earlier)
                s = KeepEarlierPruning(layers[l], s, earlier, PruningGranularity.Unstructured);
            var weight = layers[l].Weight;
            masks[l] = MaskSelector.SelectNM(new LayerValues(layers[l].Name, s), weight.Shape, NMPattern.GroupAxis(weight), kept, pattern.M);
        }
        return masks;
    }

    /// <summary>Scores with what <paramref name="earlier"/> pruned at 0 and everything else above it.</summary>
    private static float[] KeepEarlierPruning(LayerContext layer, float[] scores, PruningMask earlier, PruningGranularity granularity)
    {
        var result = new float[scores.Length];
        bool[] pruned = new bool[scores.Length];
        if (granularity == PruningGranularity.Unstructured)
        {
            for (int i = 0; i < pruned.Length; i++) pruned[i] = !earlier.IsKept(i);
        }
        else
        {
            var kept = new int[scores.Length];
            for (int i = 0; i < earlier.Length; i++) kept[layer.UnitOf(i)] += earlier.IsKept(i) ? 1 : 0;
            for (int u = 0; u < pruned.Length; u++) pruned[u] = kept[u] == 0;
        }
        for (int i = 0; i < result.Length; i++)
            result[i] = pruned[i] ? 0f : Math.Max(scores[i], float.Epsilon); // NaN stays NaN: the selector names the layer
        return result;
    }

    private static PruningMask Expand(LayerContext layer, PruningMask units)
    {
        var keep = new bool[layer.Weights.Length];
        int pruned = 0;
        for (int i = 0; i < keep.Length; i++)
        {
            keep[i] = units.IsKept(layer.UnitOf(i));
            pruned += keep[i] ? 0 : 1;
        }
        return new PruningMask(layer.Name, keep, pruned);
    }
}
