using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// The <em>select</em> step of structured pruning: which channels of each dependency group survive. A channel's score is
/// the sum over the group's producers of the criterion's score of the units it spans, each producer's scores divided by
/// their mean (so a residual group of several convolutions weighs each of them alike, whatever its scale). Counts follow
/// the sparsity (per group, or one threshold over all groups for the global scope), then the per-group bounds: at most
/// <see cref="StructuredOptions.MaxGroupSparsity"/> removed, at least one kept, kept counts rounded up to a multiple of
/// <see cref="StructuredOptions.RoundTo"/>. Ties go to the lower channel index, so the choice is deterministic.
/// </summary>
internal static class StructuredSelection
{
    /// <summary>What was chosen: per group id the kept flags (true = kept), and one note per group whose count a bound changed.</summary>
    public sealed record Result(IReadOnlyDictionary<string, bool[]> Keep, IReadOnlyList<string> Notes);

    /// <param name="groups">The groups to prune (prunable ones of one kind).</param>
    /// <param name="unitScores">Per producer weight name, the criterion's score of each of its output units (non-negative).</param>
    /// <param name="sparsity">The fraction of channels to remove.</param>
    /// <param name="groupSparsity">Overrides of <paramref name="sparsity"/> by group id or by the name of any producer weight in the group.</param>
    /// <param name="scope">Layer: each group on its own; Global: one threshold over the normalized scores of all groups.</param>
    /// <param name="options">Rounding and bounds.</param>
    public static Result Select(IReadOnlyList<ChannelGroup> groups, IReadOnlyDictionary<string, float[]> unitScores, double sparsity,
        IReadOnlyDictionary<string, double> groupSparsity, PruningScope scope, StructuredOptions options)
    {
        var scores = groups.Select(g => ChannelScores(g, unitScores)).ToList();
        var removeCounts = new int[groups.Count];
        bool[] overridden = new bool[groups.Count];
        for (int i = 0; i < groups.Count; i++)
        {
            double target = TargetOf(groups[i], groupSparsity, sparsity, out overridden[i]);
            removeCounts[i] = (int)Math.Round(target * groups[i].Width, MidpointRounding.AwayFromZero);
        }
        if (scope == PruningScope.Global)
        {
            // One threshold over every channel not under an override; the overrides keep their own counts.
            var pooled = new List<(double Score, int Group, int Channel)>();
            for (int i = 0; i < groups.Count; i++)
                if (!overridden[i])
                    for (int c = 0; c < groups[i].Width; c++) pooled.Add((scores[i][c], i, c));
            int total = (int)Math.Round(sparsity * pooled.Count, MidpointRounding.AwayFromZero);
            var lowest = pooled.OrderBy(p => p.Score).ThenBy(p => p.Group).ThenBy(p => p.Channel).Take(total);
            for (int i = 0; i < groups.Count; i++) if (!overridden[i]) removeCounts[i] = 0;
            foreach (var p in lowest) removeCounts[p.Group]++;
        }

        var keep = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        var notes = new List<string>();
        for (int i = 0; i < groups.Count; i++)
        {
            var group = groups[i];
            int width = group.Width;
            int wanted = width - removeCounts[i];
            int kept = Bounded(width, wanted, options);
            if (kept != wanted)
                notes.Add($"Group '{group.Id}' ({width} {Unit(group.Kind)}): {wanted} kept asked, {kept} kept " +
                          $"({(wanted < 1 ? "at least one unit is kept" : kept < wanted ? "" : $"bounds: RoundTo {options.RoundTo}, MaxGroupSparsity {options.MaxGroupSparsity}")}).".Replace(" ()", ""));
            keep[group.Id] = Top(scores[i], kept);
        }
        return new Result(keep, notes);
    }

    /// <summary>Each channel's score: the producers' unit scores over the units it spans, each producer divided by its mean.</summary>
    public static double[] ChannelScores(ChannelGroup group, IReadOnlyDictionary<string, float[]> unitScores)
    {
        var total = new double[group.Width];
        foreach (var slice in group.Slices)
        {
            if (slice.Role != ChannelRole.Producer || !unitScores.TryGetValue(slice.Tensor, out var units)) continue;
            var channel = new double[slice.Count];
            double sum = 0;
            for (int c = 0; c < slice.Count; c++)
            {
                long start = slice.Offset + c * slice.Block;
                for (long u = start; u < start + slice.Block; u++) channel[c] += units[u];
                sum += channel[c];
            }
            double mean = sum / slice.Count;
            for (int c = 0; c < slice.Count; c++) total[slice.First + c] += mean > 0 ? channel[c] / mean : channel[c];
        }
        return total;
    }

    /// <summary>The kept count after the bounds: at most MaxGroupSparsity removed, at least one kept, rounded up to RoundTo.</summary>
    public static int Bounded(int width, int wanted, StructuredOptions options)
    {
        int minimum = Math.Max(1, width - (int)Math.Floor(options.MaxGroupSparsity * width + 1e-9));
        int kept = Math.Clamp(wanted, minimum, width);
        if (options.RoundTo > 1) kept = Math.Min(width, (kept + options.RoundTo - 1) / options.RoundTo * options.RoundTo);
        return kept;
    }

    /// <summary>Flags of the <paramref name="kept"/> highest scores; ties kept by the lower index.</summary>
    public static bool[] Top(double[] scores, int kept)
    {
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(c => scores[c]).ThenBy(c => c).Take(kept);
        var flags = new bool[scores.Length];
        foreach (int c in order) flags[c] = true;
        return flags;
    }

    private static double TargetOf(ChannelGroup group, IReadOnlyDictionary<string, double> overrides, double sparsity, out bool overridden)
    {
        overridden = true;
        if (overrides.TryGetValue(group.Id, out double value)) return value;
        foreach (var slice in group.Slices)
            if (slice.Role == ChannelRole.Producer && overrides.TryGetValue(slice.Tensor, out value)) return value;
        overridden = false;
        return sparsity;
    }

    private static string Unit(ChannelGroupKind kind) => kind switch
    {
        ChannelGroupKind.Neuron => "neurons",
        ChannelGroupKind.Channel => "channels",
        _ => "heads",
    };
}
