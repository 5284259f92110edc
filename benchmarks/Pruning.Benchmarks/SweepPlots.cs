using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Pruning.Sweeps;
#if PRUNING_PLOTS
using Microsoft.ML.Pruning.Plots;
#endif

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// The plot gallery of the sweep and sensitivity benchmarks: small PNGs written by Microsoft.ML.Pruning.Plots under
/// benchmarks/results/plots/ (beside the markdown file), linked from the sections by their path from the repository root.
/// The plots project is referenced (and PRUNING_PLOTS defined) by Pruning.Benchmarks.csproj when src/Plots exists; without it
/// the sections say that no plots were drawn.
/// </summary>
internal static class SweepPlots
{
    /// <summary>Pixel size of every gallery PNG: small enough to commit.</summary>
    public const int Width = 640, Height = 400;

    /// <summary>Where the sections' links point (BENCHMARKS.md is at the repository root).</summary>
    public const string LinkFolder = "benchmarks/results/plots";

    /// <summary>A written figure: its caption and its path from the repository root; or, with <paramref name="Error"/>, why it was not drawn.</summary>
    public sealed record Figure(string Caption, string Link, string? Error = null);

    /// <summary>The folder the PNGs go to: plots/ beside the markdown file, else under the output folder.</summary>
    public static string Folder(BenchmarkArguments args, string output)
    {
        string? markdown = args.OptionalString("markdown");
        string folder = markdown is not null ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(markdown))!, "plots") : Path.Combine(output, "plots");
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Whether this build draws plots.</summary>
    public static bool Available =>
#if PRUNING_PLOTS
        true;
#else
        false;
#endif

    /// <summary>The sweep's gallery: Pareto fronts (metric vs latency, vs bytes), metric vs sparsity, the chosen model's layer sparsities.</summary>
    public static IReadOnlyList<Figure> Sweep(SweepResult result, string folder, string prefix)
    {
        var figures = new List<Figure>();
#if PRUNING_PLOTS
        figures.Add(Save(() => PruningPlots.ParetoFront(result, SweepQuantity.Latency), folder, $"{prefix}-pareto-latency.png",
            $"Pareto front: accuracy vs ONNX Runtime latency at batch {result.Options.LatencyBatchSize}, dense marked"));
        figures.Add(Save(() => PruningPlots.ParetoFront(result, SweepQuantity.Bytes), folder, $"{prefix}-pareto-bytes.png", "Pareto front: accuracy vs file bytes, dense marked"));
        figures.Add(Save(() => PruningPlots.MetricVsSparsity(result), folder, $"{prefix}-accuracy-vs-sparsity.png", "Validation accuracy vs sparsity, every trial"));
        if (result.Chosen is { } chosen)
            figures.Add(Save(() => PruningPlots.LayerSparsity(chosen.Report), folder, $"{prefix}-chosen-layers.png", "The chosen model's sparsity per layer"));
#else
        _ = (result, folder, prefix);
#endif
        return figures;
    }

    /// <summary>Sensitivity curves per layer.</summary>
    public static IReadOnlyList<Figure> Sensitivity(SensitivityResult result, string folder, string name, string caption)
    {
        var figures = new List<Figure>();
#if PRUNING_PLOTS
        figures.Add(Save(() => PruningPlots.Sensitivity(result), folder, name, caption));
#else
        _ = (result, folder, name, caption);
#endif
        return figures;
    }

    /// <summary>Markdown image links, or a line saying that this build has no plots.</summary>
    public static string Markdown(IReadOnlyList<Figure> figures)
    {
        if (!Available) return "No plots: this build of the benchmarks has no Microsoft.ML.Pruning.Plots (src/Plots).";
        var lines = new List<string>();
        foreach (var f in figures) lines.Add(f.Error is null ? $"![{f.Caption}]({f.Link})" : $"{f.Caption}: not drawn ({f.Error}).");
        return string.Join(Environment.NewLine + Environment.NewLine, lines);
    }

#if PRUNING_PLOTS
    /// <summary>Draws and writes one PNG; a plot the result cannot give (e.g. no trial measured its axis) is reported, not thrown.</summary>
    private static Figure Save(Func<PruningPlot> draw, string folder, string file, string caption)
    {
        try
        {
            draw().SavePng(Path.Combine(folder, file), Width, Height);
            return new Figure(caption, $"{LinkFolder}/{file}");
        }
        catch (ArgumentException e)
        {
            Format.Progress($"plot {file} not drawn: {e.Message}");
            return new Figure(caption, "", e.Message);
        }
    }
#endif
}
