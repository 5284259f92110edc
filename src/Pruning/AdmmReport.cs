using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>
/// What ADMM pruning (<c>Admm</c>) did: the training run (loss per epoch, divergence), every round with its ρ and primal and
/// dual residuals overall and per layer, and per layer what hard pruning to Z's support removed. Part of
/// <see cref="PruningReport.Admm"/>.
/// </summary>
public sealed class AdmmReport
{
    internal AdmmReport(AdmmTrainingResult result, IReadOnlyList<AdmmLayerPruning> layers, string? note)
    {
        Training = result.Training;
        Rounds = result.Rounds;
        SkippedRounds = result.SkippedRounds;
        Layers = layers;
        Note = note;
    }

    /// <summary>The ADMM training run: its epochs (<see cref="EpochResult.MeanLoss"/> is the loss curve, without the ADMM term), early stop, divergence.</summary>
    public TrainingResult Training { get; }

    /// <summary>Every round, in order: ρ, primal residual ‖W − Z‖/‖W‖ and dual residual ρ‖Z − Z_prev‖/‖W‖, overall and per layer, kept counts, support changes.</summary>
    public IReadOnlyList<AdmmRound> Rounds { get; }

    /// <summary>Rounds skipped because the weights were not finite (the run diverged).</summary>
    public int SkippedRounds { get; }

    /// <summary>One row per constrained layer.</summary>
    public IReadOnlyList<AdmmLayerPruning> Layers { get; }

    /// <summary>Whether the ADMM training diverged (the loop restored the last good weights; see <see cref="Note"/>).</summary>
    public bool Diverged => Training.Diverged;

    /// <summary>A divergence (what was restored, which round's support was used), or null.</summary>
    public string? Note { get; }

    /// <summary>The rounds and the per-layer table, for <see cref="PruningReport.ToString"/>.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        string losses = string.Join(" ", Training.Epochs.Select(e => e.MeanLoss.ToString("F4", c)));
        sb.AppendLine(c, $"ADMM training, {Training.Epochs.Count} epoch{(Training.Epochs.Count == 1 ? "" : "s")}, {Rounds.Count} round{(Rounds.Count == 1 ? "" : "s")}; loss per epoch {losses}");
        foreach (var round in Rounds)
        {
            string layers = string.Join(", ", round.Layers.Select(l => string.Create(c, $"{l.Name} {l.PrimalResidual:G3}/{l.DualResidual:G3}, {l.SupportChanges:N0} changed")));
            sb.AppendLine(c, $"  {round.Round,2} step {round.Steps,6:N0} ρ {round.Rho:G4}: primal {round.PrimalResidual:G4}, dual {round.DualResidual:G4} ({layers})");
        }
        if (SkippedRounds > 0) sb.AppendLine(c, $"  {SkippedRounds} round{(SkippedRounds == 1 ? "" : "s")} skipped (weights not finite)");
        string[] header = ["layer", "parameters", "kept", "non-zeros before", "cut by hard pruning", "cut norm", "units kept"];
        var rows = Layers.Select(l => new[]
        {
            l.Name, l.Parameters.ToString("N0", c), l.Kept.ToString("N0", c), l.NonZerosBeforePruning.ToString("N0", c),
            l.CutByPruning.ToString("N0", c), l.CutNorm.ToString("G3", c), l.Units is long u ? $"{l.KeptUnits:N0}/{u:N0}" : "-",
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))));
        Line(header);
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows) Line(row);
        if (Note is not null) sb.AppendLine(Note);
        return sb.ToString();
    }
}
