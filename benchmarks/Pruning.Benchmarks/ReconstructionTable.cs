using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>The rows of <see cref="PruningReport.Reconstruction"/> as a markdown table (coordinate-descent-lenet5 and -minilm).</summary>
internal static class ReconstructionTable
{
    /// <summary>
    /// One row per solved layer: λ (per calibration position), ‖X(W − Ŵ)ᵀ‖/‖XWᵀ‖, the largest relative duality gap, coordinate
    /// passes, calibration positions, damping, time (calibration in sequential mode + solve) and the report's note.
    /// </summary>
    /// <param name="rows">The report's rows.</param>
    /// <param name="label">What to call a layer (default: its weight's name).</param>
    public static string Of(IReadOnlyList<LayerReconstruction> rows, Func<string, string>? label = null)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new MarkdownTable("layer", "λ", "rel. error", "max gap", "passes", "positions", "damping", "time", "note");
        foreach (var r in rows)
            table.Add(label is null ? r.Name : label(r.Name), r.Lambda is double l ? l.ToString("G4", c) : "–", r.RelativeError.ToString("F4", c),
                r.MaxDualityGap is double g ? g.ToString("G3", c) : "–", r.Iterations.ToString("N0", c), r.CalibrationPositions.ToString("N0", c),
                r.Damping.ToString("G3", c), Format.Seconds(r.Elapsed.TotalSeconds), r.Note ?? "");
        return table.ToString();
    }

    /// <summary>Forwards the library's per-layer log lines ("Layer 'x': kept …, … s.") of <paramref name="ml"/> to the progress output.</summary>
    public static void ShowLayerProgress(MLContext ml) =>
        ml.Log += (_, e) =>
        {
            if (e.RawMessage.StartsWith("Layer '", StringComparison.Ordinal)) Format.Progress(e.RawMessage);
        };
}
