using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>What pruning did, per layer and in total, with the sizes of the dense and the compact ONNX file.</summary>
public sealed class PruningReport
{
    internal PruningReport(IReadOnlyList<LayerSparsity> layers, long denseBytes, long compactBytes, TimeSpan elapsed, string? method = null,
        IReadOnlyList<TrainingResult>? fineTuning = null, IReadOnlyList<LayerReconstruction>? reconstruction = null, SparseTrainingReport? sparseTraining = null,
        AdmmReport? admm = null, StructuredReport? structured = null)
    {
        Structured = structured;
        SparseTraining = sparseTraining;
        Admm = admm;
        Method = method;
        Reconstruction = reconstruction?.ToArray() ?? [];
        FineTuning = fineTuning?.ToArray() ?? [];
        Layers = layers;
        DenseBytes = denseBytes;
        CompactBytes = compactBytes;
        Elapsed = elapsed;
    }

    /// <summary>How the model was pruned (criterion, granularity, scope, schedule, calibration, fine-tuning), or null.</summary>
    public string? Method { get; }

    /// <summary>
    /// How each fine-tuning run went (one per round of the Iterative schedule, else at most one): epochs with their
    /// training and validation losses, the best epoch, early stopping, divergence and restored weights. Empty without fine-tuning.
    /// </summary>
    public IReadOnlyList<TrainingResult> FineTuning { get; }

    /// <summary>The best epoch (lowest validation loss) of the last fine-tuning run; null without validation data.</summary>
    public int? BestEpoch => FineTuning.Count == 0 ? null : FineTuning[^1].BestEpoch;

    /// <summary>Whether early stopping ended a fine-tuning run.</summary>
    public bool StoppedEarly => FineTuning.Any(r => r.StoppedEarly);

    /// <summary>Whether a fine-tuning run diverged (and ended with earlier weights, see <see cref="TrainingResult.Divergence"/>).</summary>
    public bool Diverged => FineTuning.Any(r => r.Diverged);

    /// <summary>
    /// Per pruned layer, for methods that reconstruct layers from calibration data (<c>CoordinateDescent</c>): λ, relative
    /// reconstruction error, duality gap, passes, time, damping and notes. Empty for other methods.
    /// </summary>
    public IReadOnlyList<LayerReconstruction> Reconstruction { get; }

    /// <summary>
    /// For methods that learn sparsity during training (<c>Lasso</c>): the λ search with the sparsity each trial reached, the
    /// λ used, and per layer the zeros made by training and the weights cut by rounding. Null for other methods.
    /// </summary>
    public SparseTrainingReport? SparseTraining { get; }

    /// <summary>
    /// For ADMM pruning (<c>Admm</c>): ρ and the primal and dual residuals of every round, overall and per layer, the loss per
    /// epoch, and per layer the non-zeros before hard pruning to Z's support. Null for other methods.
    /// </summary>
    public AdmmReport? Admm { get; }

    /// <summary>
    /// For structured pruning (Neuron, Channel, Head): units kept per dependency group, layers left whole and why, parameters
    /// and MACs per layer before and after removal, the check of the written file, latency when asked. Null otherwise.
    /// </summary>
    public StructuredReport? Structured { get; }

    /// <summary>One row per prunable weight (pruned or excluded), in graph order.</summary>
    public IReadOnlyList<LayerSparsity> Layers { get; }

    /// <summary>Parameters in all prunable weights.</summary>
    public long TotalParameters => Layers.Sum(l => l.Parameters);

    /// <summary>Non-zero parameters in all prunable weights.</summary>
    public long TotalNonZeros => Layers.Sum(l => l.NonZeros);

    /// <summary>Zero fraction over all prunable weights.</summary>
    public double Sparsity => TotalParameters == 0 ? 0 : 1.0 - (double)TotalNonZeros / TotalParameters;

    /// <summary>Bytes of the model written with every initializer dense.</summary>
    public long DenseBytes { get; }

    /// <summary>Bytes of the compact model (sparse initializers where smaller), as <c>SaveOnnx</c> writes it.</summary>
    public long CompactBytes { get; }

    /// <summary>Wall time of pruning (selection, masking, fine-tuning, compaction).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>A readable table.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var rows = Layers.Select(l => new[]
        {
            l.Name, string.Join("x", l.Shape), l.Parameters.ToString("N0", c), l.NonZeros.ToString("N0", c), l.Sparsity.ToString("P1", c),
        }).ToList();
        rows.Add(["total", "", TotalParameters.ToString("N0", c), TotalNonZeros.ToString("N0", c), Sparsity.ToString("P1", c)]);
        string[] header = ["layer", "shape", "parameters", "non-zeros", "sparsity"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        if (Method is not null) sb.AppendLine(Method);
        for (int i = 0; i < FineTuning.Count; i++)
            sb.AppendLine(FineTuning.Count == 1 ? $"fine-tune: {FineTuning[i]}" : $"fine-tune {i + 1}/{FineTuning.Count}: {FineTuning[i]}");
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))));
        Line(header);
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        for (int i = 0; i < rows.Count; i++)
        {
            if (i == rows.Count - 1) sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
            Line(rows[i]);
        }
        if (Reconstruction.Count > 0) AppendReconstruction(sb, c);
        if (SparseTraining is not null) sb.Append(SparseTraining);
        if (Admm is not null) sb.Append(Admm);
        if (Structured is not null) sb.AppendLine().Append(Structured);
        sb.Append(c, $"ONNX bytes: dense {DenseBytes:N0}, compact {CompactBytes:N0} ({(DenseBytes == 0 ? 0 : (double)CompactBytes / DenseBytes):P1}); pruned in {Elapsed.TotalSeconds:F2} s");
        return sb.ToString();
    }

    private void AppendReconstruction(StringBuilder sb, CultureInfo c)
    {
        string[] header = ["layer", "lambda", "rel. error", "max gap", "passes", "positions", "damping", "seconds"];
        var rows = Reconstruction.Select(r => new[]
        {
            r.Name, r.Lambda is double l ? l.ToString("G4", c) : "-", r.RelativeError.ToString("G4", c),
            r.MaxDualityGap is double g ? g.ToString("G3", c) : "-", r.Iterations.ToString("N0", c), r.CalibrationPositions.ToString("N0", c),
            r.Damping.ToString("G3", c), r.Elapsed.TotalSeconds.ToString("F2", c),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        void Line(string[] cells) => sb.AppendLine(string.Join("  ", cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))));
        sb.AppendLine("reconstruction (relative error ‖X(W−Ŵ)ᵀ‖/‖XWᵀ‖ on the calibration inputs):");
        Line(header);
        sb.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows) Line(row);
        foreach (var r in Reconstruction.Where(r => r.Note is not null)) sb.AppendLine(c, $"{r.Name}: {r.Note}");
    }
}
