using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// The one-paragraph summary of a sweep (<see cref="SweepResult.Summary"/>): trials run, failed and resumed, the objective, the
/// chosen trial against the dense model, or, when no trial met the constraints, that fact and the closest trials.
/// </summary>
internal static class SweepSummary
{
    public static string Write(SweepOptions options, TrialMeasurement dense, IReadOnlyList<SweepTrial> trials, SweepTrial? best, bool constraintsMet,
        IReadOnlyList<SweepTrial> closest, SweepRanking ranking, int resumed)
    {
        var text = new StringBuilder();
        int failed = trials.Count(t => t.Status == TrialStatus.Failed);
        text.Append(Invariant($"{trials.Count} trial{(trials.Count == 1 ? "" : "s")} ({failed} failed"));
        if (resumed > 0) text.Append(Invariant($", {resumed} resumed from the log"));
        text.Append(Invariant($"), strategy {options.Strategy}; objective: {(ranking.Maximize ? "maximize" : "minimize")} {QuantityName(options.Objective.Optimize, options.Metric)}"));
        var constraints = options.Objective.Constraints;
        if (constraints.Count > 0) text.Append(" subject to ").Append(string.Join(", ", constraints.Select(c => c.ToString())));
        text.Append(". ");
        if (trials.Count == 0)
        {
            text.Append("No trial ran (the budget ended first); no model was chosen.");
            return text.ToString();
        }
        if (best is null)
        {
            text.Append("Every trial failed; no model was chosen. First error: ").Append(trials.First(t => t.Error is not null).Error).Append('.');
            return text.ToString();
        }
        if (!constraintsMet)
        {
            text.Append("No trial met the constraints. The closest: ")
                .Append(string.Join("; ", closest.Select(t => Invariant($"trial {t.Id} (violation {t.ConstraintViolation:G3}: {Describe(t, dense, options.Metric)})"))))
                .Append(Invariant($". Chosen: the closest, trial {best.Id}, which does not meet them."));
            return text.ToString();
        }
        text.Append(Invariant($"Chosen: trial {best.Id} ({Describe(best, dense, options.Metric)})"));
        text.Append(constraints.Count > 0 ? ", which meets every constraint." : ".");
        return text.ToString();
    }

    /// <summary>E.g. "Method = wanda, Sparsity = 0.8: accuracy 0.9512 (dense 0.9700), 12345 bytes (14.2 % of dense), 1.23 ms at batch 32 (dense 2.10 ms), 80.0 % sparse".</summary>
    public static string Describe(SweepTrial trial, TrialMeasurement dense, SweepMetric metric)
    {
        string parameters = string.Join(", ", trial.Parameters.Select(kv => $"{kv.Key} = {Shown(kv.Value)}"));
        if (trial.Measurement is not { } m) return parameters;
        string latency = m.LatencyMilliseconds is { } ms && dense.LatencyMilliseconds is { } denseMs
            ? Invariant($"{ms:F2} ms at batch {m.LatencyBatchSize} (dense {denseMs:F2} ms)")
            : Invariant($"{m.LatencyBatch1Milliseconds:F2} ms at batch 1 (dense {dense.LatencyBatch1Milliseconds:F2} ms)");
        string bytes = dense.Bytes > 0 ? Invariant($"{m.Bytes} bytes ({100.0 * m.Bytes / dense.Bytes:F1} % of dense)") : Invariant($"{m.Bytes} bytes");
        return Invariant($"{(parameters.Length > 0 ? parameters + ": " : "")}{metric.DisplayName} {m.Metric:F4} (dense {dense.Metric:F4}), {bytes}, {latency}, {100 * m.Sparsity:F1} % sparse");
    }

    /// <summary>A parameter value for reading: numbers to 4 significant digits (the log keeps them exact).</summary>
    private static string Shown(string value) =>
        SearchDimension.TryParse(value, out double number) && number != Math.Round(number) ? number.ToString("G4", CultureInfo.InvariantCulture) : value;

    private static string QuantityName(SweepQuantity quantity, SweepMetric metric) => quantity switch
    {
        SweepQuantity.Metric => metric.DisplayName,
        SweepQuantity.Bytes => "bytes",
        SweepQuantity.NonZeroParameters => "non-zero parameters",
        SweepQuantity.Macs => "MACs",
        SweepQuantity.LatencyBatch1 => "latency at batch 1",
        SweepQuantity.Latency => "latency",
        _ => quantity.ToString(),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
