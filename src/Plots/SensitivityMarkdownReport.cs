using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>
/// Writes a sensitivity analysis as Markdown: <c>sensitivity.md</c> with the table (metric per layer and sparsity, the drop at the
/// largest sparsity, layers most sensitive first) and the sensitivity curves as <c>sensitivity.png</c> and <c>sensitivity.svg</c>
/// beside it, referenced from the Markdown.
/// </summary>
/// <example>
/// <code>
/// string markdown = SensitivityMarkdownReport.Write(sensitivity, "reports/lenet");
/// </code>
/// </example>
public static class SensitivityMarkdownReport
{
    /// <summary>The Markdown file's name.</summary>
    public const string FileName = "sensitivity.md";

    /// <summary>The plot's file name without extension (".png" and ".svg" are written).</summary>
    public const string PlotName = "sensitivity";

    /// <summary>Writes the Markdown and the plot into <paramref name="directory"/> (created; files replaced atomically).</summary>
    /// <returns>The Markdown file's path.</returns>
    /// <exception cref="ArgumentException">The result has no measured points.</exception>
    public static string Write(SensitivityResult sensitivity, string directory)
    {
        ArgumentNullException.ThrowIfNull(sensitivity);
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var plot = PruningPlots.Sensitivity(sensitivity); // fails on an empty result before anything is written
        Directory.CreateDirectory(directory);
        plot.SavePng(Path.Combine(directory, PlotName + ".png"));
        plot.SaveSvg(Path.Combine(directory, PlotName + ".svg"));
        var sb = new StringBuilder();
        sb.AppendLine("# Sensitivity analysis").AppendLine();
        AppendSection(sb, sensitivity, PlotName);
        string path = Path.Combine(directory, FileName);
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(sb.ToString()));
        return path;
    }

    /// <summary>The table and the plot's image link (the plot files are written by the caller).</summary>
    internal static void AppendSection(StringBuilder sb, SensitivityResult sensitivity, string plotName)
    {
        var c = CultureInfo.InvariantCulture;
        string metric = string.IsNullOrEmpty(sensitivity.MetricName) ? "metric" : sensitivity.MetricName;
        var sparsities = sensitivity.Points.Select(p => p.Sparsity).Distinct().Order().ToArray();
        var layers = sensitivity.Layers.Concat(sensitivity.Points.Select(p => p.Layer)).Distinct(StringComparer.Ordinal)
            .Where(l => sensitivity.Points.Any(p => p.Layer == l)).ToList();
        double Drop(string layer)
        {
            var last = sensitivity.Points.Where(p => p.Layer == layer).MaxBy(p => p.Sparsity)!;
            return sensitivity.HigherIsBetter ? sensitivity.DenseMetric - last.Metric : last.Metric - sensitivity.DenseMetric;
        }
        sb.AppendLine(c, $"Each layer pruned alone, every other layer dense; {metric} on the validation rows ({(sensitivity.HigherIsBetter ? "higher" : "lower")} is better). Dense: {PruningPlots.Format(sensitivity.DenseMetric)}. Most sensitive layer first (largest drop at its largest sparsity).")
            .AppendLine();
        var columns = new[] { ("layer", false), ("parameters", true) }
            .Concat(sparsities.Select(s => (s.ToString("P0", c), true))).Append(("drop at largest", true)).ToArray();
        var table = new MarkdownTable(columns);
        foreach (string layer in layers.OrderByDescending(Drop))
        {
            var cells = new[] { layer, sensitivity.LayerParameters.TryGetValue(layer, out long n) ? n.ToString("N0", c) : "–" }
                .Concat(sparsities.Select(s => sensitivity.Points.FirstOrDefault(p => p.Layer == layer && p.Sparsity == s) is { } p ? PruningPlots.Format(p.Metric) : "–"))
                .Append(PruningPlots.Format(Drop(layer))).ToArray();
            table.Add(cells);
        }
        table.AppendTo(sb);
        sb.AppendLine(c, $"![Sensitivity of {metric} to each layer's sparsity]({plotName}.png) ([SVG]({plotName}.svg))").AppendLine();
    }
}
