using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning;

/// <summary>
/// What sparsity learned during training did (<c>Lasso</c>): the regularizer, every trial of the λ search with the
/// sparsity it reached, the trial kept, and per layer λ, zeros made by training and weights cut by rounding. Part of
/// <see cref="PruningReport.SparseTraining"/>.
/// </summary>
public sealed class SparseTrainingReport
{
    internal SparseTrainingReport(string regularizer, IReadOnlyList<LambdaTrial> trials, int keptTrial, IReadOnlyList<SparseTrainingLayer> layers, bool targetReached, string? note)
    {
        Regularizer = regularizer;
        Trials = trials;
        KeptTrial = keptTrial;
        Layers = layers;
        TargetReached = targetReached;
        Note = note;
    }

    /// <summary>"L1" (single weights) or "GroupL1" (ℓ2,1 over output units).</summary>
    public string Regularizer { get; }

    /// <summary>Every regularized training run, in order: the λ path, then the bisection (or the one run of a fixed λ).</summary>
    public IReadOnlyList<LambdaTrial> Trials { get; }

    /// <summary>The 1-based trial whose weights the model kept (closest to the target from below, else closest).</summary>
    public int KeptTrial { get; }

    /// <summary>The trial the model kept.</summary>
    public LambdaTrial Kept => Trials[KeptTrial - 1];

    /// <summary>Epochs of regularized training over all trials: what the search cost.</summary>
    public int TrainedEpochs => Trials.Sum(t => t.Training.Epochs.Count);

    /// <summary>
    /// Epochs the kept weights went through: the kept trial's and those of the trials it was warm-started from, back to the
    /// dense model (the fair count when comparing with a dense model trained as long).
    /// </summary>
    public int KeptEpochs
    {
        get
        {
            int epochs = 0;
            for (int trial = KeptTrial; trial > 0; trial = Trials[trial - 1].StartedFrom) epochs += Trials[trial - 1].Training.Epochs.Count;
            return epochs;
        }
    }

    /// <summary>One row per regularized layer.</summary>
    public IReadOnlyList<SparseTrainingLayer> Layers { get; }

    /// <summary>
    /// Whether the kept trial's zeros are within the tolerance below the target (always true for a fixed λ). False when the
    /// search's budget ran out first: the closest sparsity is reported and rounding cut or kept the difference.
    /// </summary>
    public bool TargetReached { get; }

    /// <summary>An unreachable target, a divergence (the loop restored the last good weights), or null.</summary>
    public string? Note { get; }

    /// <summary>The λ search and the per-layer table, for <see cref="PruningReport.ToString"/>.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"{Regularizer} training, {Trials.Count} trial{(Trials.Count == 1 ? "" : "s")} ({TrainedEpochs} epochs), kept trial {KeptTrial} ({KeptEpochs} epochs from the dense model):");
        foreach (var t in Trials)
        {
            string lambdas = string.Join(", ", t.Lambdas.Select(l => t.Lambdas.Count == 1 ? l.Value.ToString("G4", c) : $"{l.Key} {l.Value.ToString("G4", c)}"));
            string target = t.Target is long g ? $" (target {g:N0})" : "";
            string losses = string.Join(" ", t.Training.Epochs.Select(e => e.MeanLoss.ToString("F4", c)));
            sb.AppendLine(c, $"  {t.Trial,2} {t.Phase,-9} λ {lambdas}: {t.Sparsity:P2} zero, {t.Pruned:N0}/{t.Total:N0}{target}, from {(t.StartedFrom == 0 ? "dense" : $"trial {t.StartedFrom}")}, loss per epoch {losses}{(t.Training.Diverged ? " (diverged)" : "")}");
        }
        string[] header = ["layer", "lambda", "non-zeros", "zero by training", "cut by rounding", "zeros kept", "units zeroed"];
        var rows = Layers.Select(l => new[]
        {
            l.Name, l.Lambda.ToString("G4", c), l.NonZerosBeforePruning.ToString("N0", c), l.ZerosByTraining.ToString("N0", c),
            l.CutByRounding.ToString("N0", c), l.ZerosKept.ToString("N0", c), l.Units is long u ? $"{l.ZeroUnitsByTraining:N0}/{u:N0}" : "-",
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
