using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Sweeps;
using ScottPlot;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>
/// Plots of what pruning measured: per-layer sparsity of a pruned model, sensitivity curves per layer, metric vs sparsity of a
/// sweep's trials, and the Pareto front of a sweep (metric vs latency, bytes or MACs) with the dense model marked. Each method
/// returns a <see cref="PruningPlot"/> to save as PNG or SVG or to show inline in a notebook. Inputs are only read.
/// </summary>
/// <example>
/// <code>
/// var pruned = mlContext.Pruning().Magnitude(options).Fit(data);
/// PruningPlots.LayerSparsity(pruned.Report).SavePng("layers.png");
/// PruningPlots.ParetoFront(sweep, SweepQuantity.Bytes).SaveSvg("pareto-bytes.svg");
/// </code>
/// </example>
public static class PruningPlots
{
    private const int Width = 900;
    private const int Height = 560;
    private static readonly Color DenseColor = Colors.Black;
    private static readonly Color ChosenColor = new(214, 39, 40);
    private static readonly Color ThresholdColor = new(110, 110, 110);

    /// <summary>
    /// Horizontal bars of each layer's sparsity (%), layers top to bottom in graph order with their names on the axis, the share of
    /// zeros written at each bar's end, and the overall sparsity as a dashed line.
    /// </summary>
    /// <example>
    /// <code>
    /// PruningPlots.LayerSparsity(pruned.Report).SavePng("layers.png");
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException">The report has no layers.</exception>
    public static PruningPlot LayerSparsity(PruningReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (report.Layers.Count == 0)
            throw new ArgumentException("The pruning report has no layers to plot.", nameof(report));
        var plot = NewPlot();
        int n = report.Layers.Count;
        var palette = new ScottPlot.Palettes.Category10();
        var bars = new List<Bar>(n);
        var ticks = new double[n];
        var names = new string[n];
        for (int i = 0; i < n; i++)
        {
            var layer = report.Layers[i];
            double position = n - 1 - i; // first layer on top
            ticks[i] = position;
            names[i] = Shorten(layer.Name, 48);
            bars.Add(new Bar
            {
                Position = position,
                Value = 100 * layer.Sparsity,
                FillColor = palette.GetColor(0),
                LineWidth = 0,
                Label = (100 * layer.Sparsity).ToString("F1", CultureInfo.InvariantCulture) + " %",
                Orientation = Orientation.Horizontal,
            });
        }
        var barPlot = plot.Add.Bars(bars.ToArray());
        barPlot.Horizontal = true;
        barPlot.ValueLabelStyle.FontSize = 12;
        barPlot.ValueLabelStyle.FontName = PlotFonts.Family;
        plot.Axes.Left.SetTicks(ticks, names);
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Grid.YAxisStyle.MajorLineStyle.Width = 0;
        double overall = 100 * report.Sparsity;
        plot.Add.VerticalLine(overall, 1.5f, DenseColor, LinePattern.Dashed);
        barPlot.ValueLabelStyle.BackgroundColor = Colors.White.WithAlpha(0.85); // readable where a label crosses the dashed line
        plot.Axes.SetLimitsX(0, 112); // room for the labels of fully pruned layers
        plot.Axes.Bottom.SetTicks([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], ["0", "10", "20", "30", "40", "50", "60", "70", "80", "90", "100"]);
        plot.Axes.SetLimitsY(-0.7, n - 0.3);
        plot.XLabel("sparsity (% of the layer's weights that are zero)");
        string title = "Sparsity per layer (dashed: overall " + overall.ToString("F1", CultureInfo.InvariantCulture) + " %)";
        plot.Title(title);
        int height = Math.Clamp(110 + 30 * n, 260, PruningPlot.MaxSize);
        return Finish(plot, title, Width, height);
    }

    /// <summary>
    /// Sensitivity curves: for each analysed layer, the metric against that layer's sparsity (every other layer dense), with the
    /// dense model's metric as a dashed horizontal line.
    /// </summary>
    /// <example>
    /// <code>
    /// SensitivityResult sensitivity = mlContext.Pruning().Sensitivity(options, validation);
    /// PruningPlots.Sensitivity(sensitivity).SavePng("sensitivity.png");
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException">The result has no measured points.</exception>
    public static PruningPlot Sensitivity(SensitivityResult sensitivity)
    {
        ArgumentNullException.ThrowIfNull(sensitivity);
        if (sensitivity.Points.Count == 0)
            throw new ArgumentException("The sensitivity result has no measured points to plot.", nameof(sensitivity));
        var plot = NewPlot();
        var layers = sensitivity.Layers.Where(l => sensitivity.Points.Any(p => p.Layer == l))
            .Concat(sensitivity.Points.Select(p => p.Layer).Where(l => !sensitivity.Layers.Contains(l)).Distinct()).ToList();
        IPalette palette = layers.Count <= 10 ? new ScottPlot.Palettes.Category10() : new ScottPlot.Palettes.Category20();
        MarkerShape[] shapes = [MarkerShape.FilledCircle, MarkerShape.FilledSquare, MarkerShape.FilledTriangleUp, MarkerShape.FilledDiamond];
        for (int i = 0; i < layers.Count; i++)
        {
            var points = sensitivity.Points.Where(p => p.Layer == layers[i]).OrderBy(p => p.Sparsity).ToArray();
            var scatter = plot.Add.Scatter(points.Select(p => 100 * p.Sparsity).ToArray(), points.Select(p => p.Metric).ToArray(), palette.GetColor(i));
            scatter.LegendText = Shorten(layers[i], 32);
            scatter.LineWidth = 1.5f;
            scatter.MarkerSize = 6;
            scatter.MarkerShape = shapes[i / palette.Colors.Length % shapes.Length];
        }
        string metric = string.IsNullOrEmpty(sensitivity.MetricName) ? "metric" : sensitivity.MetricName;
        var dense = plot.Add.HorizontalLine(sensitivity.DenseMetric, 1.5f, DenseColor, LinePattern.Dashed);
        dense.LegendText = "dense " + Format(sensitivity.DenseMetric);
        plot.XLabel("sparsity of the pruned layer (%)");
        plot.YLabel(metric);
        string title = $"Sensitivity of {metric} to each layer's sparsity";
        plot.Title(title);
        plot.ShowLegend(Edge.Right);
        // The legend lists every layer (about 21 px each): a ResNet or a transformer needs a taller plot.
        int height = Math.Clamp(140 + 21 * layers.Count, Height, PruningPlot.MaxSize);
        return Finish(plot, title, Width + 120, height);
    }

    /// <summary>
    /// Every succeeded trial of a sweep as a point of metric against sparsity, colored by method (the swept
    /// <see cref="SweepParameter.Method"/>, else the options' estimator or criterion); the dense model as a black diamond labelled
    /// "dense", the chosen trial circled, infeasible trials hollow, and a bound on the metric as a dashed line.
    /// </summary>
    /// <example>
    /// <code>
    /// SweepResult sweep = await mlContext.Pruning().Sweep(options, train, validation);
    /// PruningPlots.MetricVsSparsity(sweep).SavePng("metric-vs-sparsity.png");
    /// </code>
    /// </example>
    /// <exception cref="ArgumentException">No trial succeeded.</exception>
    public static PruningPlot MetricVsSparsity(SweepResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var trials = Succeeded(result);
        string metric = result.Options.Metric.DisplayName;
        var plot = NewPlot();
        AddTrialsByMethod(plot, trials, t => 100 * t.Measurement!.Sparsity, t => t.Measurement!.Metric);
        AddDense(plot, 100 * result.Dense.Sparsity, result.Dense.Metric, Alignment.LowerLeft);
        AddChosen(plot, result, t => 100 * t.Measurement!.Sparsity);
        AddMetricThresholds(plot, result);
        plot.XLabel("sparsity (% of prunable weights that are zero)");
        plot.YLabel(metric);
        string title = $"{Capitalize(metric)} vs sparsity, {trials.Count} trials";
        plot.Title(title);
        plot.ShowLegend(Edge.Right);
        return Finish(plot, title, Width, Height);
    }

    /// <summary>
    /// The Pareto front of a sweep: every succeeded trial as a point of metric against <paramref name="x"/> (a cost: latency at the
    /// sweep's batch or at batch 1, bytes of the compact file, MACs per row, non-zero parameters), the non-dominated trials joined
    /// by a step line, the dense model as a black diamond labelled "dense", the chosen trial circled, and the objective's
    /// constraints on either axis as dashed lines.
    /// </summary>
    /// <example>
    /// <code>
    /// PruningPlots.ParetoFront(sweep, SweepQuantity.Latency).SavePng("pareto-latency.png");
    /// PruningPlots.ParetoFront(sweep, SweepQuantity.Bytes).SavePng("pareto-bytes.png");
    /// </code>
    /// </example>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="x"/> is the metric itself or not a quantity.</exception>
    /// <exception cref="ArgumentException">No succeeded trial has <paramref name="x"/> measured.</exception>
    public static PruningPlot ParetoFront(SweepResult result, SweepQuantity x)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (x == SweepQuantity.Metric || !Enum.IsDefined(x))
            throw new ArgumentOutOfRangeException(nameof(x), x, $"The Pareto front's x axis must be a cost (Latency, LatencyBatch1, Bytes, Macs, NonZeroParameters); got {x}.");
        var trials = Succeeded(result).Where(t => t.Measurement!.Value(x) is double v && double.IsFinite(v)).ToList();
        if (trials.Count == 0)
            throw new ArgumentException($"No succeeded trial of the sweep has {x} measured; there is no Pareto front of {x} to plot.", nameof(result));
        double largest = trials.Max(t => t.Measurement!.Value(x)!.Value);
        if (result.Dense.Value(x) is double denseCost) largest = Math.Max(largest, denseCost);
        var (divisor, xLabel) = PlotQuantities.Axis(x, largest, result);
        string unit = xLabel.EndsWith(')') && xLabel.LastIndexOf('(') is int open and >= 0 ? " " + xLabel[(open + 1)..^1] : "";
        double X(SweepTrial t) => t.Measurement!.Value(x)!.Value / divisor;
        var plot = NewPlot();
        AddTrialsByMethod(plot, trials, X, t => t.Measurement!.Metric);

        var front = result.ParetoFront(x);
        var step = plot.Add.Scatter(front.Select(X).ToArray(), front.Select(t => t.Measurement!.Metric).ToArray(), DenseColor.WithAlpha(0.55));
        step.ConnectStyle = ConnectStyle.StepHorizontal;
        step.LineWidth = 1.5f;
        step.MarkerSize = 0;
        step.LegendText = $"Pareto front ({front.Count})";
        plot.MoveToBottom(step);

        if (result.Dense.Value(x) is double dense)
            AddDense(plot, dense / divisor, result.Dense.Metric, Alignment.LowerRight);
        AddChosen(plot, result, t => t.Measurement!.Value(x) is double v ? v / divisor : null);
        AddMetricThresholds(plot, result);
        foreach (var constraint in result.Options.Objective.Constraints.Where(c => c.Quantity == x))
        {
            double? denseValue = result.Dense.Value(x);
            if (denseValue is null && constraint.Reference != SweepReference.Absolute) continue; // relative to what was not measured
            double threshold = constraint.Threshold(denseValue ?? 0) / divisor;
            var line = plot.Add.VerticalLine(threshold, 1.5f, ThresholdColor, LinePattern.Dashed);
            line.LegendText = $"{ConstraintText(constraint, result)} ({Format(threshold)}{unit})";
        }
        plot.XLabel(xLabel);
        plot.YLabel(result.Options.Metric.DisplayName);
        string title = $"Pareto front: {result.Options.Metric.DisplayName} vs {ShortQuantity(x, result)}";
        plot.Title(title);
        plot.ShowLegend(Edge.Right);
        return Finish(plot, title, Width, Height);
    }

    private static Plot NewPlot()
    {
        PlotFonts.Register();
        var plot = new Plot();
        plot.Axes.Margins(left: 0.06, right: 0.06, bottom: 0.08, top: 0.2); // room above the highest point for the "dense" label
        return plot;
    }

    /// <summary>Gives every text of the plot the embedded font (after all plottables exist) and wraps it.</summary>
    private static PruningPlot Finish(Plot plot, string title, int width, int height)
    {
        plot.Font.Set(PlotFonts.Family);
        plot.Legend.FontName = PlotFonts.Family;
        plot.Legend.FontSize = 13;
        plot.Axes.Title.Label.FontSize = 17;
        plot.Axes.Title.Label.Bold = false; // one weight only: the embedded font is the regular face
        plot.Axes.Left.Label.FontSize = 15;
        plot.Axes.Left.Label.Bold = false;
        plot.Axes.Bottom.Label.Bold = false;
        plot.Axes.Bottom.Label.FontSize = 15;
        return new PruningPlot(plot, title, width, height);
    }

    private static List<SweepTrial> Succeeded(SweepResult result)
    {
        var trials = result.Trials.Where(t => t.Status == TrialStatus.Succeeded && t.Measurement is not null).ToList();
        if (trials.Count == 0)
            throw new ArgumentException($"The sweep has no succeeded trial to plot ({result.Trials.Count} trials, all failed or none run).", nameof(result));
        return trials;
    }

    /// <summary>One filled series per method (legend), infeasible trials of it hollow; a legend entry for hollow when any is infeasible.</summary>
    private static void AddTrialsByMethod(Plot plot, IReadOnlyList<SweepTrial> trials, Func<SweepTrial, double> x, Func<SweepTrial, double> y)
    {
        var palette = new ScottPlot.Palettes.Category10();
        var methods = trials.Select(TrialMethods.Of).Distinct(StringComparer.Ordinal).ToList();
        bool constrained = trials.Any(t => !t.Feasible);
        for (int m = 0; m < methods.Count; m++)
        {
            var color = palette.GetColor(m % palette.Colors.Length);
            var mine = trials.Where(t => TrialMethods.Of(t) == methods[m]).ToList();
            var feasible = mine.Where(t => t.Feasible).ToList();
            var infeasible = mine.Where(t => !t.Feasible).ToList();
            var filled = plot.Add.ScatterPoints(feasible.Select(x).ToArray(), feasible.Select(y).ToArray(), color);
            filled.MarkerShape = MarkerShape.FilledCircle;
            filled.MarkerSize = 9;
            filled.LegendText = $"{methods[m]} ({mine.Count})";
            if (infeasible.Count == 0) continue;
            var hollow = plot.Add.ScatterPoints(infeasible.Select(x).ToArray(), infeasible.Select(y).ToArray(), color);
            hollow.MarkerShape = MarkerShape.OpenCircle;
            hollow.MarkerSize = 9;
            hollow.MarkerLineWidth = 1.5f;
        }
        if (constrained)
            plot.Legend.ManualItems.Add(new LegendItem { LabelText = "infeasible (hollow)", MarkerShape = MarkerShape.OpenCircle, MarkerColor = Colors.Gray, MarkerSize = 9, LineWidth = 0 });
    }

    private static void AddDense(Plot plot, double x, double y, Alignment labelAlignment)
    {
        var marker = plot.Add.Marker(x, y, MarkerShape.FilledDiamond, 15, DenseColor);
        marker.LegendText = "dense " + Format(y);
        var label = plot.Add.Text("dense", x, y);
        label.LabelFontSize = 14;
        label.LabelBold = false;
        label.LabelFontName = PlotFonts.Family; // plot.Font.Set does not reach Text plottables
        label.LabelFontColor = DenseColor;
        label.LabelAlignment = labelAlignment;
        label.OffsetX = labelAlignment is Alignment.LowerRight or Alignment.UpperRight ? -10 : 10;
        label.OffsetY = -8;
    }

    private static void AddChosen(Plot plot, SweepResult result, Func<SweepTrial, double?> x)
    {
        if (result.Best is not { Measurement: not null } best || x(best) is not double bx) return;
        var ring = plot.Add.Marker(bx, best.Measurement.Metric, MarkerShape.OpenCircle, 22, ChosenColor);
        ring.MarkerLineWidth = 2.5f;
        ring.LegendText = result.ConstraintsMet ? $"chosen: trial {best.Id}" : $"closest: trial {best.Id}";
    }

    private static void AddMetricThresholds(Plot plot, SweepResult result)
    {
        foreach (var constraint in result.Options.Objective.Constraints.Where(c => c.Quantity == SweepQuantity.Metric))
        {
            double threshold = constraint.Threshold(result.Dense.Metric);
            var line = plot.Add.HorizontalLine(threshold, 1.5f, ThresholdColor, LinePattern.Dashed);
            line.LegendText = $"{ConstraintText(constraint, result)} ({Format(threshold)})";
        }
    }

    /// <summary>The constraint as its ToString says it, with the metric's own name ("accuracy ≥ dense − 0.01").</summary>
    internal static string ConstraintText(SweepConstraint constraint, SweepResult result)
    {
        string text = constraint.ToString();
        string name = constraint.Quantity.ToString();
        return text.StartsWith(name, StringComparison.Ordinal) ? PlotQuantities.Short(constraint.Quantity, result) + text[name.Length..] : text;
    }

    private static string ShortQuantity(SweepQuantity x, SweepResult result) => x switch
    {
        SweepQuantity.Latency => string.Create(CultureInfo.InvariantCulture, $"latency at batch {result.Options.LatencyBatchSize}"),
        SweepQuantity.LatencyBatch1 => "latency at batch 1",
        SweepQuantity.Bytes => "file size",
        SweepQuantity.Macs => "MACs",
        SweepQuantity.NonZeroParameters => "non-zero parameters",
        _ => x.ToString(),
    };

    internal static string Format(double value) => value.ToString(Math.Abs(value) >= 1000 ? "N0" : "G4", CultureInfo.InvariantCulture);

    private static string Capitalize(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    /// <summary>Long ONNX names (/encoder/layer.0/attention/self/query/MatMul) keep their start and end.</summary>
    internal static string Shorten(string name, int max)
    {
        if (name.Length <= max) return name;
        int head = (max - 1) / 2;
        return string.Concat(name.AsSpan(0, head), "…", name.AsSpan(name.Length - (max - 1 - head)));
    }
}
