using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// What structured pruning (Neuron, Channel, Head) works on, found when the estimator is built: every value's shape (one
/// ONNX Runtime run on zeros), the dependency groups of the asked kind that can be pruned, and the layers left whole with
/// the reason. The groups' producer weights are the layers the criterion scores.
/// </summary>
/// <param name="Groups">Prunable groups of the granularity's kind, none touching an excluded layer.</param>
/// <param name="Unprunable">Layers of that kind left whole, with the reason (unknown op, output, excluded, …).</param>
/// <param name="Shapes">Every value's shape on the dense model.</param>
/// <param name="Producers">The groups' producer weights, in graph order: the layers the criterion scores.</param>
internal sealed record StructuredPlan(
    IReadOnlyList<ChannelGroup> Groups, IReadOnlyList<UnprunableLayer> Unprunable, IReadOnlyDictionary<string, long[]> Shapes, IReadOnlyList<PrunableWeight> Producers)
{
    /// <summary>Whether <paramref name="granularity"/> prunes dependency groups.</summary>
    public static bool IsStructured(PruningGranularity granularity) =>
        granularity is PruningGranularity.Neuron or PruningGranularity.Channel or PruningGranularity.Head;

    /// <summary>
    /// The granularity the criterion scores at: a head is scored from its Q/K/V columns as neurons, an N:M pattern from
    /// single weights.
    /// </summary>
    public static PruningGranularity ScoringGranularity(PruningGranularity granularity) => granularity switch
    {
        PruningGranularity.Head => PruningGranularity.Neuron,
        PruningGranularity.NM => PruningGranularity.Unstructured,
        _ => granularity,
    };

    /// <exception cref="InvalidOperationException">No group of the asked kind can be pruned; the message lists why, layer by layer.</exception>
    public static StructuredPlan Analyze(OnnxModel model, PruningOptions options, IReadOnlyList<PrunableWeight> prunable)
    {
        var shapes = ValueShapes.Infer(model, BatchOfOne(options.InputShapes));
        var kind = options.Granularity switch
        {
            PruningGranularity.Neuron => ChannelGroupKind.Neuron,
            PruningGranularity.Channel => ChannelGroupKind.Channel,
            _ => ChannelGroupKind.Head,
        };
        IReadOnlyList<ChannelGroup> found;
        IReadOnlyList<UnprunableLayer> unprunable;
        if (kind == ChannelGroupKind.Head)
            (found, unprunable) = AttentionHeads.Find(model, shapes);
        else
        {
            var graph = ChannelDependencies.Analyze(model, shapes, options.Structured.PruneOutputs);
            (found, unprunable) = (graph.Groups, graph.Unprunable);
        }
        var byName = prunable.ToDictionary(w => w.Name, StringComparer.Ordinal);
        bool OfKind(string layer) => byName.TryGetValue(layer, out var w) && kind switch
        {
            ChannelGroupKind.Channel => w.Role == PrunableWeightRole.ConvWeight,
            ChannelGroupKind.Neuron => w.Role != PrunableWeightRole.ConvWeight,
            _ => true,
        };
        var groups = new List<ChannelGroup>();
        var left = unprunable.Where(u => OfKind(u.Layer)).ToList();
        foreach (var group in found.Where(g => g.Kind == kind))
        {
            var producers = group.Slices.Where(s => s.Role == ChannelRole.Producer).Select(s => s.Tensor).Distinct().ToList();
            var excluded = producers.Where(options.ExcludedLayers.Contains).ToList();
            if (excluded.Count == 0)
            {
                groups.Add(group);
                continue;
            }
            foreach (string layer in producers)
                left.Add(new UnprunableLayer(layer, byName.TryGetValue(layer, out var w) ? w.NodeName : layer,
                    $"in group '{group.Id}' with {string.Join(", ", excluded)} (ExcludedLayers): coupled units are pruned together or not at all"));
        }
        if (groups.Count == 0)
            throw new InvalidOperationException(
                $"Granularity {options.Granularity}: no {kind.ToString().ToLowerInvariant()} group of the model can be pruned. " +
                (left.Count == 0 ? $"The model has no {Layers(kind)}." : string.Join(" ", left.Take(8).Select(u => $"'{u.Layer}' ({u.Node}): {u.Reason}."))) +
                (left.Count > 8 ? $" … and {left.Count - 8} more." : "") +
                (!options.Structured.PruneOutputs && left.Any(u => u.Reason.Contains("output", StringComparison.OrdinalIgnoreCase))
                    ? $" Set {nameof(PruningOptions.Structured)}.{nameof(StructuredOptions.PruneOutputs)} to let a model output's width change." : ""));
        var producerNames = groups.SelectMany(g => g.Slices).Where(s => s.Role == ChannelRole.Producer).Select(s => s.Tensor).ToHashSet(StringComparer.Ordinal);
        return new StructuredPlan(groups, left, shapes, [.. prunable.Where(w => producerNames.Contains(w.Name))]);
    }

    /// <summary>The given input shapes with batch 1 (<see cref="PruningOptions.InputShapes"/> allows −1 for it); null for none.</summary>
    public static IReadOnlyDictionary<string, int[]>? BatchOfOne(IDictionary<string, int[]>? shapes) =>
        shapes?.ToDictionary(p => p.Key, p => (int[])[1, .. p.Value.Skip(1)], StringComparer.Ordinal);

    private static string Layers(ChannelGroupKind kind) => kind switch
    {
        ChannelGroupKind.Channel => "Conv layers",
        ChannelGroupKind.Neuron => "Gemm or MatMul layers",
        _ => "attention blocks",
    };
}
