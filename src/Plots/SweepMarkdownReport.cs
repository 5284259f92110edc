using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>
/// Writes a sweep as Markdown: <c>summary.md</c> with the summary paragraph, the objective and constraints, the dense model, a table
/// of every trial in the sweep's ranking (parameters, metric, sparsity, bytes, MACs, latency at batch 1 and at the sweep's batch,
/// feasible), the Pareto fronts, the failures, and the plots, each written beside it as PNG and SVG: metric vs sparsity, the Pareto
/// fronts of latency, bytes and MACs (those measured), the chosen model's sparsity per layer, and the sensitivity curves when given.
/// </summary>
/// <example>
/// <code>
/// SweepResult sweep = await mlContext.Pruning().Sweep(options, train, validation);
/// string markdown = SweepMarkdownReport.Write(sweep, "reports/lenet-sweep", sensitivity);
/// </code>
/// </example>
public static class SweepMarkdownReport
{
    /// <summary>The Markdown file's name.</summary>
    public const string FileName = "summary.md";

    /// <summary>
    /// Writes <c>summary.md</c> and the plots into <paramref name="directory"/> (created; files replaced atomically). A sweep whose
    /// every trial failed still gets its summary and table (with the errors), without plots.
    /// </summary>
    /// <param name="result">The sweep.</param>
    /// <param name="directory">Where to write; may be the sweep's own folder.</param>
    /// <param name="sensitivity">A sensitivity analysis to include (table and curves), e.g. the one the sweep allotted layers from.</param>
    /// <returns>The Markdown file's path.</returns>
    public static string Write(SweepResult result, string directory, SensitivityResult? sensitivity = null)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("# Pruning sweep").AppendLine();
        sb.AppendLine(result.Summary).AppendLine();
        AppendSettings(sb, result, c);
        AppendDense(sb, result, c);
        AppendTrials(sb, result, c);
        AppendFronts(sb, result);
        AppendPlots(sb, result, directory);
        if (sensitivity is not null && sensitivity.Points.Count > 0)
        {
            const string plotName = "sensitivity";
            var plot = PruningPlots.Sensitivity(sensitivity);
            plot.SavePng(Path.Combine(directory, plotName + ".png"));
            plot.SaveSvg(Path.Combine(directory, plotName + ".svg"));
            sb.AppendLine("## Sensitivity").AppendLine();
            SensitivityMarkdownReport.AppendSection(sb, sensitivity, plotName);
        }
        string path = Path.Combine(directory, FileName);
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(sb.ToString()));
        return path;
    }

    private static void AppendSettings(StringBuilder sb, SweepResult result, CultureInfo c)
    {
        var options = result.Options;
        var objective = options.Objective;
        string metric = options.Metric.DisplayName;
        bool maximize = objective.IsMaximized(options.Metric);
        string optimized = PlotQuantities.Short(objective.Optimize, result);
        var table = new MarkdownTable(("setting", false), ("value", false));
        table.Add("objective", $"{(maximize ? "maximize" : "minimize")} {optimized}");
        table.Add("constraints", objective.Constraints.Count == 0 ? "none"
            : string.Join("; ", objective.Constraints.Select(k => $"{PruningPlots.ConstraintText(k, result)}{ThresholdText(k, result)}")));
        table.Add("metric", $"{metric} ({(options.Metric.HigherIsBetter ? "higher" : "lower")} is better)");
        table.Add("search space", options.Parameters.Count == 0 ? "–" : string.Join("; ", options.Parameters.Select(p => p.ToString())));
        table.Add("strategy", string.Create(c, $"{options.Strategy}, {result.Trials.Count} trials run of {options.MaxTrials}, seed {options.Seed}"));
        table.Add("latency", string.Create(c, $"ONNX Runtime on this machine, median of {options.LatencyRepeats} runs at batch 1 and {options.LatencyBatchSize}"));
        table.Add("elapsed", string.Create(c, $"{result.Elapsed.TotalSeconds:F1} s (this run)"));
        table.Add("trial log", result.LogPath);
        table.AppendTo(sb);
    }

    private static string ThresholdText(SweepConstraint constraint, SweepResult result)
    {
        if (constraint.Reference == SweepReference.Absolute) return "";
        return result.Dense.Value(constraint.Quantity) is double dense ? $" (= {PruningPlots.Format(constraint.Threshold(dense))})" : "";
    }

    private static void AppendDense(StringBuilder sb, SweepResult result, CultureInfo c)
    {
        var d = result.Dense;
        sb.AppendLine("## Dense model").AppendLine();
        var table = new MarkdownTable((result.Options.Metric.DisplayName, true), ("parameters", true), ("bytes", true), ("MACs", true),
            (PlotQuantities.Short(SweepQuantity.LatencyBatch1, result), true), (PlotQuantities.Short(SweepQuantity.Latency, result), true));
        table.Add(PruningPlots.Format(d.Metric), d.Parameters.ToString("N0", c), d.Bytes.ToString("N0", c), Count(d.Macs, c),
            Milliseconds(d.LatencyBatch1Milliseconds, c), Milliseconds(d.LatencyMilliseconds, c));
        table.AppendTo(sb);
    }

    private static void AppendTrials(StringBuilder sb, SweepResult result, CultureInfo c)
    {
        var ranked = result.Ranked;
        var parameterNames = result.Options.Parameters.Select(p => p.Name)
            .Concat(result.Trials.SelectMany(t => t.Parameters.Keys).Order(StringComparer.Ordinal)).Distinct(StringComparer.Ordinal).ToList();
        bool methodSwept = parameterNames.Contains(SweepParameter.Method);
        var columns = new List<(string, bool)> { ("rank", true), ("trial", true) };
        if (!methodSwept) columns.Add(("method", false));
        columns.AddRange(parameterNames.Select(n => (n, false)));
        columns.AddRange([(result.Options.Metric.DisplayName, true), ("sparsity (measured)", true), ("bytes", true), ("MACs", true),
            (PlotQuantities.Short(SweepQuantity.LatencyBatch1, result), true), (PlotQuantities.Short(SweepQuantity.Latency, result), true), ("feasible", false)]);
        var table = new MarkdownTable([.. columns]);
        for (int i = 0; i < ranked.Count; i++)
        {
            var t = ranked[i];
            var cells = new List<string>
            {
                t.Status == TrialStatus.Succeeded ? (i + 1).ToString(c) + (ReferenceEquals(t, result.Best) || t.Id == result.Best?.Id ? (result.ConstraintsMet ? " (chosen)" : " (closest)") : "") : "–",
                t.Id.ToString(c),
            };
            if (!methodSwept) cells.Add(TrialMethods.Of(t));
            cells.AddRange(parameterNames.Select(n => t.Parameters.TryGetValue(n, out string? v) ? v : "–"));
            if (t.Measurement is { } m && t.Status == TrialStatus.Succeeded)
                cells.AddRange([PruningPlots.Format(m.Metric), m.Sparsity.ToString("P1", c), m.Bytes.ToString("N0", c), Count(m.Macs, c),
                    Milliseconds(m.LatencyBatch1Milliseconds, c), Milliseconds(m.LatencyMilliseconds, c),
                    t.Feasible ? "yes" : string.Create(c, $"no ({t.ConstraintViolation:G3})")]);
            else
                cells.AddRange(["–", "–", "–", "–", "–", "–", "failed"]);
            table.Add([.. cells]);
        }
        sb.AppendLine("## Trials").AppendLine();
        sb.AppendLine("Ranked as the sweep ranks them: trials that meet every constraint by the objective, then the others by how far they miss (the relative violation in parentheses), then failed trials.")
            .AppendLine();
        table.AppendTo(sb);
        var failed = result.Trials.Where(t => t.Status == TrialStatus.Failed).ToList();
        if (failed.Count == 0) return;
        sb.AppendLine("Failed trials:").AppendLine();
        foreach (var t in failed)
            sb.AppendLine(c, $"- trial {t.Id}{(t.Worker is null ? "" : $" on {t.Worker}")}{(t.Attempts > 1 ? $" after {t.Attempts} attempts" : "")}: {(t.Error ?? "no message").ReplaceLineEndings(" ")}");
        sb.AppendLine();
    }

    private static void AppendFronts(StringBuilder sb, SweepResult result)
    {
        static string Ids(IEnumerable<SweepTrial> trials)
        {
            string ids = string.Join(", ", trials.Select(t => t.Id.ToString(CultureInfo.InvariantCulture)));
            return ids.Length == 0 ? "none" : "trials " + ids;
        }
        sb.AppendLine("## Pareto fronts").AppendLine();
        string metric = result.Options.Metric.DisplayName;
        sb.AppendLine($"- {metric} vs latency: {Ids(result.ParetoByLatency)}");
        sb.AppendLine($"- {metric} vs bytes: {Ids(result.ParetoByBytes)}");
        if (!result.ConstraintsMet && result.Closest.Count > 0)
            sb.AppendLine($"- no trial met the constraints; closest: {Ids(result.Closest)}");
        sb.AppendLine();
    }

    private static void AppendPlots(StringBuilder sb, SweepResult result, string directory)
    {
        var plots = new List<(string Name, Func<PruningPlot> Make)>();
        bool any = result.Trials.Any(t => t.Status == TrialStatus.Succeeded && t.Measurement is not null);
        bool Measured(SweepQuantity q) => result.Trials.Any(t => t.Status == TrialStatus.Succeeded && t.Measurement?.Value(q) is not null);
        bool Varies(SweepQuantity q) => result.Trials.Where(t => t.Status == TrialStatus.Succeeded).Select(t => t.Measurement?.Value(q))
            .OfType<double>().Distinct().Count() > 1;
        if (any)
        {
            plots.Add(("metric-vs-sparsity", () => PruningPlots.MetricVsSparsity(result)));
            if (Measured(SweepQuantity.Latency)) plots.Add(("pareto-latency", () => PruningPlots.ParetoFront(result, SweepQuantity.Latency)));
            if (Measured(SweepQuantity.LatencyBatch1)) plots.Add(("pareto-latency-batch1", () => PruningPlots.ParetoFront(result, SweepQuantity.LatencyBatch1)));
            plots.Add(("pareto-bytes", () => PruningPlots.ParetoFront(result, SweepQuantity.Bytes)));
            // Unstructured pruning leaves MACs as they were: a front of one column of points says nothing.
            if (Varies(SweepQuantity.Macs)) plots.Add(("pareto-macs", () => PruningPlots.ParetoFront(result, SweepQuantity.Macs)));
        }
        if (result.Chosen is { } chosen && chosen.Report.Layers.Count > 0)
            plots.Add(("chosen-layer-sparsity", () => PruningPlots.LayerSparsity(chosen.Report)));
        sb.AppendLine("## Plots").AppendLine();
        if (plots.Count == 0)
        {
            sb.AppendLine("No plots: no trial succeeded.").AppendLine();
            return;
        }
        foreach (var (name, make) in plots)
        {
            var plot = make();
            plot.SavePng(Path.Combine(directory, name + ".png"));
            plot.SaveSvg(Path.Combine(directory, name + ".svg"));
            string title = name == "chosen-layer-sparsity" ? $"Sparsity per layer of the chosen trial {result.Best?.Id}" : plot.Title;
            sb.AppendLine($"![{title}]({name}.png) ([SVG]({name}.svg))").AppendLine();
        }
    }

    private static string Count(long? value, CultureInfo c) => value is long v ? v.ToString("N0", c) : "–";

    private static string Milliseconds(double? value, CultureInfo c) => value is double v ? v.ToString("F3", c) : "–";
}
