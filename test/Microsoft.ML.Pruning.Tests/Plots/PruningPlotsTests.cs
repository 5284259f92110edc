using System;
using System.Linq;
using Microsoft.ML.Pruning.Plots;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Plots;

[TestClass]
public sealed class PruningPlotsTests
{
    private const int W = 640;
    private const int H = 420;

    [TestMethod]
    public void LayerSparsity_HandMadeReport_PngAndSvgShowEveryLayerAndTheOverallLine()
    {
        var plot = PruningPlots.LayerSparsity(PlotFixtures.Report());
        byte[] png = plot.ToPng(W, H);
        ImageChecks.AssertPng(png, W, H);
        Assert.IsGreaterThan(1000, ImageChecks.InkedPixels(png), "bars and text are drawn");
        string text = ImageChecks.SvgText(plot.ToSvg(W, H), W, H);
        foreach (string expected in new[] { "fc1.weight", "fc2.weight", "fc3.weight", "90.0 %", "0.0 %", "Sparsity per layer (dashed: overall 88.5 %)" })
            Assert.Contains(expected, text);
        Assert.Contains("sparsity (% of the layer's weights that are zero)", text);
    }

    [TestMethod]
    public void LayerSparsity_RealPrunedMlp_PlotsEveryLayerOfTheReport()
    {
        var ml = new MLContext(1);
        var report = ml.Pruning().Magnitude(TestData.Mlp(7, 16, 12), ["Score"], ["Features"], 0.7).Fit(TestData.Multiclass(ml, 60)).Report;
        var plot = PruningPlots.LayerSparsity(report);
        ImageChecks.AssertPng(plot.ToPng(), plot.DefaultWidth, plot.DefaultHeight);
        string text = ImageChecks.SvgText(plot.ToSvg(), plot.DefaultWidth, plot.DefaultHeight);
        Assert.HasCount(3, report.Layers);
        foreach (var layer in report.Layers)
            Assert.Contains(layer.Name, text);
        Assert.Contains("overall " + (100 * report.Sparsity).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " %", text);
    }

    [TestMethod]
    public void LayerSparsity_ManyLayers_DefaultHeightGrowsWithTheLayers()
    {
        var few = PruningPlots.LayerSparsity(PlotFixtures.Report());
        var layers = Enumerable.Range(0, 30).Select(i => new Algorithms.LayerSparsity($"conv{i}.weight", [8, 8], 64, 64 - i)).ToArray();
        var many = PruningPlots.LayerSparsity(new PruningReport(layers, 1000, 900, TimeSpan.Zero));
        Assert.IsGreaterThan(few.DefaultHeight + 500, many.DefaultHeight);
    }

    [TestMethod]
    public void Sensitivity_HandMadeResult_CurvesPerLayerAndDenseLine()
    {
        var plot = PruningPlots.Sensitivity(PlotFixtures.Sensitivity());
        ImageChecks.AssertPng(plot.ToPng(W, H), W, H);
        string text = ImageChecks.SvgText(plot.ToSvg(W, H), W, H);
        foreach (string expected in new[] { "fc1.weight", "fc2.weight", "fc3.weight", "dense 0.981", "accuracy", "sparsity of the pruned layer (%)" })
            Assert.Contains(expected, text);
    }

    [TestMethod]
    public void Sensitivity_ManyLayers_EveryLayerInTheLegendOfATallerPlot()
    {
        var sensitivity = new SensitivityResult { MetricName = "cosine to dense", DenseMetric = 1 };
        for (int l = 0; l < 40; l++)
        {
            string layer = $"/encoder/layer.{l / 6}/attention/self/MatMul_{l}";
            sensitivity.Layers.Add(layer);
            foreach (double s in new[] { 0.5, 0.9 })
                sensitivity.Points.Add(new SensitivityPoint(layer, s, 1 - 0.01 * l * s));
        }
        var plot = PruningPlots.Sensitivity(sensitivity);
        Assert.IsGreaterThan(PruningPlots.Sensitivity(PlotFixtures.Sensitivity()).DefaultHeight + 300, plot.DefaultHeight);
        ImageChecks.AssertPng(plot.ToPng(), plot.DefaultWidth, plot.DefaultHeight);
        string text = ImageChecks.SvgText(plot.ToSvg(), plot.DefaultWidth, plot.DefaultHeight);
        for (int l = 0; l < 40; l++)
            Assert.Contains($"MatMul_{l}\n", text.Replace("\r", "", StringComparison.Ordinal) + "\n");
    }

    [TestMethod]
    public void MetricVsSparsity_HandMadeSweep_ColorsByMethodMarksDenseAndChosen()
    {
        var sweep = PlotFixtures.Sweep();
        var plot = PruningPlots.MetricVsSparsity(sweep);
        ImageChecks.AssertPng(plot.ToPng(W, H), W, H);
        string text = ImageChecks.SvgText(plot.ToSvg(W, H), W, H);
        foreach (string expected in new[] { "dense", "magnitude (4)", "wanda (4)", "coordinate-descent (4)", $"chosen: trial {sweep.Best!.Id}", "accuracy ≥ dense − 0.05 (0.931)", "infeasible (hollow)" })
            Assert.Contains(expected, text);
        Assert.DoesNotContain("lasso", text, "the failed trial is not plotted");
    }

    [TestMethod]
    public void MetricVsSparsity_MethodNotSwept_NamesTheOptionsEstimator()
    {
        var sweep = PlotFixtures.Sweep();
        foreach (var trial in sweep.Trials) trial.Parameters.Remove(SweepParameter.Method);
        string text = ImageChecks.SvgText(PruningPlots.MetricVsSparsity(sweep).ToSvg(W, H), W, H);
        Assert.Contains("magnitude (12)", text);
    }

    [TestMethod]
    [DataRow(SweepQuantity.Latency, "ONNX Runtime latency at batch 32 (ms)")]
    [DataRow(SweepQuantity.LatencyBatch1, "ONNX Runtime latency at batch 1 (ms)")]
    [DataRow(SweepQuantity.Bytes, "ONNX file size (MiB)")]
    [DataRow(SweepQuantity.Macs, "MACs per row (thousands)")]
    public void ParetoFront_EachCost_FrontDenseChosenAndAxisLabel(SweepQuantity x, string axisLabel)
    {
        var sweep = PlotFixtures.Sweep();
        var plot = PruningPlots.ParetoFront(sweep, x);
        ImageChecks.AssertPng(plot.ToPng(W, H), W, H);
        string text = ImageChecks.SvgText(plot.ToSvg(W, H), W, H);
        foreach (string expected in new[] { axisLabel, "accuracy", "dense", "Pareto front (", $"chosen: trial {sweep.Best!.Id}" })
            Assert.Contains(expected, text);
        if (x == SweepQuantity.Bytes) Assert.Contains("bytes ≤ 0.15 × dense (0.1574 MiB)", text);
        else Assert.DoesNotContain("bytes ≤", text, "a bound on bytes is drawn only on the bytes axis");
    }

    [TestMethod]
    public void ParetoFront_NoTrialMeetsConstraints_MarksTheClosest()
    {
        var sweep = PlotFixtures.Sweep(constraintsMet: false);
        string text = ImageChecks.SvgText(PruningPlots.ParetoFront(sweep, SweepQuantity.Bytes).ToSvg(W, H), W, H);
        Assert.Contains($"closest: trial {sweep.Best!.Id}", text);
    }

    [TestMethod]
    public void ParetoFront_MetricOnTheXAxis_Throws()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PruningPlots.ParetoFront(PlotFixtures.Sweep(), SweepQuantity.Metric));
        Assert.AreEqual("x", e.ParamName);
    }

    [TestMethod]
    public void Plots_NoSucceededTrial_ThrowArgumentExceptionNotBlankPlots()
    {
        var failed = PlotFixtures.AllFailed();
        Assert.Contains("no succeeded trial", Assert.ThrowsExactly<ArgumentException>(() => PruningPlots.MetricVsSparsity(failed)).Message);
        Assert.Contains("no succeeded trial", Assert.ThrowsExactly<ArgumentException>(() => PruningPlots.ParetoFront(failed, SweepQuantity.Bytes)).Message);
        Assert.Contains("no measured points", Assert.ThrowsExactly<ArgumentException>(() => PruningPlots.Sensitivity(new SensitivityResult())).Message);
        Assert.Contains("no layers", Assert.ThrowsExactly<ArgumentException>(() => PruningPlots.LayerSparsity(new PruningReport([], 0, 0, TimeSpan.Zero))).Message);
    }

    [TestMethod]
    public void ParetoFront_CostNeverMeasured_ThrowsNamingIt()
    {
        var sweep = PlotFixtures.Sweep();
        foreach (var trial in sweep.Trials.Where(t => t.Measurement is not null))
            trial.Measurement = trial.Measurement! with { LatencyMilliseconds = null };
        var e = Assert.ThrowsExactly<ArgumentException>(() => PruningPlots.ParetoFront(sweep, SweepQuantity.Latency));
        Assert.Contains("Latency", e.Message);
    }
}
