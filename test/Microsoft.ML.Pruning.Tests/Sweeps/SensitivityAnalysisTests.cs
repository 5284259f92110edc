using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SensitivityAnalysisTests
{
    private sealed class Collect : IProgress<SensitivityPoint>
    {
        public List<SensitivityPoint> Points { get; } = [];

        public void Report(SensitivityPoint value) => Points.Add(value);
    }

    private static SensitivityOptions Options(Action<SensitivityOptions>? edit = null)
    {
        var options = new SensitivityOptions
        {
            BaseOptions = SweepTestFiles.Magnitude(0.5),
            Sparsities = [0.5, 0.95],
            Metric = SweepMetric.Accuracy("Label", "Score"),
        };
        edit?.Invoke(options);
        return options;
    }

    [TestMethod]
    public void Analyze_TinyMlp_MeasuresEveryLayerAtEverySparsity()
    {
        var ml = new MLContext(1);
        var train = SweepTestFiles.Load(ml, SweepTestFiles.TrainPath);
        var validation = SweepTestFiles.Load(ml, SweepTestFiles.ValidationPath);
        var progress = new Collect();

        var result = ml.Pruning().Sensitivity(Options()).Analyze(train, validation, progress);

        var dense = ml.Pruning().Magnitude(SweepTestFiles.Magnitude(0)).Fit(train);
        CollectionAssert.AreEqual(dense.Report.Layers.Select(l => l.Name).ToList(), result.Layers.ToList(), "every prunable weight, in graph order");
        foreach (var layer in dense.Report.Layers) Assert.AreEqual(layer.Parameters, result.LayerParameters[layer.Name]);
        Assert.HasCount(result.Layers.Count * 2, result.Points);
        CollectionAssert.AreEqual(result.Points.ToList(), progress.Points, "progress after each point");
        Assert.AreEqual(SweepTestFiles.Accuracy(dense.Transform(validation)), result.DenseMetric, 1e-12);
        Assert.AreEqual("accuracy", result.MetricName);
        Assert.IsTrue(result.HigherIsBetter);
        // A point by hand: the first layer alone at 95 %.
        var first = result.Points.Single(p => p.Layer == result.Layers[0] && p.Sparsity == 0.95);
        var alone = SweepTestFiles.Magnitude(0);
        alone.Scope = PruningScope.Layer;
        alone.LayerSparsity[result.Layers[0]] = 0.95;
        var byHand = ml.Pruning().Magnitude(alone).Fit(train);
        Assert.AreEqual(SweepTestFiles.Accuracy(byHand.Transform(validation)), first.Metric, 1e-12);
        Assert.AreEqual(0.95, byHand.Report.Layers[0].Sparsity, 0.01);
        Assert.AreEqual(0.0, byHand.Report.Layers[1].Sparsity, "every other layer stays dense");
        // The clear case: 95 % of a 3-class head of 48 weights is not better than dense (beyond noise of 150 rows).
        foreach (var p in result.Points.Where(p => p.Sparsity == 0.95))
            Assert.IsLessThanOrEqualTo(result.DenseMetric + 0.02, p.Metric, $"{p.Layer} at 95 %");
        Assert.IsLessThan(result.DenseMetric - 0.05, result.Points.Where(p => p.Sparsity == 0.95).Min(p => p.Metric), "pruning 95 % of some layer hurts");
        // The table lists every layer and the dense metric.
        string table = result.ToString();
        foreach (string layer in result.Layers) StringAssert.Contains(table, layer);
        StringAssert.Contains(table, result.DenseMetric.ToString("F4", System.Globalization.CultureInfo.InvariantCulture));
        // Kept as JSON for a sweep.
        var back = SensitivityResult.FromJson(result.ToJson());
        CollectionAssert.AreEqual(result.Points.ToList(), back.Points.ToList());
    }

    [TestMethod]
    public void Analyze_NeuronGranularity_KeysLayersByTheirGroupsProducer()
    {
        var ml = new MLContext(1);
        var train = SweepTestFiles.Load(ml, SweepTestFiles.TrainPath);
        var validation = SweepTestFiles.Load(ml, SweepTestFiles.ValidationPath);
        var options = Options(o =>
        {
            o.BaseOptions!.Granularity = PruningGranularity.Neuron;
            o.Sparsities = [0.5];
            o.Metric = SweepMetric.Fidelity("Score");
        });

        var result = ml.Pruning().Sensitivity(options).Analyze(train, validation);

        // The hidden layer's 16 neurons (the output layer's units are the model's output, left whole).
        Assert.HasCount(1, result.Layers);
        Assert.AreEqual(16, result.LayerParameters[result.Layers[0]]);
        Assert.AreEqual(1.0, result.DenseMetric, 1e-6);
        Assert.IsLessThan(1.0, result.Points.Single().Metric);
    }

    [TestMethod]
    public void Analyze_ChosenLayers_MeasuresOnlyThose()
    {
        var ml = new MLContext(1);
        var train = SweepTestFiles.Load(ml, SweepTestFiles.TrainPath);
        string last = ml.Pruning().Magnitude(SweepTestFiles.Magnitude(0)).Fit(train).Report.Layers[^1].Name;

        var result = ml.Pruning().Sensitivity(Options(o => { o.Layers = [last]; o.Sparsities = [0.5]; }))
            .Analyze(train, SweepTestFiles.Load(ml, SweepTestFiles.ValidationPath));

        CollectionAssert.AreEqual(new[] { last }, result.Layers.ToArray());
        Assert.HasCount(1, result.Points);
    }

    [TestMethod]
    public void Analyze_CanceledAfterTheFirstPoint_StopsBeforeTheNext()
    {
        var ml = new MLContext(1);
        using var cancel = new System.Threading.CancellationTokenSource();
        var points = new List<SensitivityPoint>();
        var progress = new Stop(points, cancel);

        Assert.ThrowsExactly<OperationCanceledException>(() => ml.Pruning().Sensitivity(Options())
            .Analyze(SweepTestFiles.Load(ml, SweepTestFiles.TrainPath), SweepTestFiles.Load(ml, SweepTestFiles.ValidationPath), progress, cancel.Token));

        Assert.HasCount(1, points);
    }

    private sealed class Stop(List<SensitivityPoint> points, System.Threading.CancellationTokenSource cancel) : IProgress<SensitivityPoint>
    {
        public void Report(SensitivityPoint value)
        {
            points.Add(value);
            cancel.Cancel();
        }
    }

    [TestMethod]
    public void Analyze_InvalidOptions_ThrowNamingTheOption()
    {
        var ml = new MLContext(1);
        var train = SweepTestFiles.Load(ml, SweepTestFiles.TrainPath);
        var validation = SweepTestFiles.Load(ml, SweepTestFiles.ValidationPath);
        ArgumentException Fails(Action<SensitivityOptions> edit) =>
            Assert.Throws<ArgumentException>(() => ml.Pruning().Sensitivity(Options(edit)).Analyze(train, validation));

        StringAssert.Contains(Fails(o => o.Sparsities = [0.5, 1.0]).Message, "Sparsities[1]");
        StringAssert.Contains(Fails(o => o.Sparsities = [0]).Message, "Sparsities[0]");
        StringAssert.Contains(Fails(o => o.Sparsities = [0.7, 0.5]).Message, "increasing");
        StringAssert.Contains(Fails(o => o.Sparsities = [0.5, 0.5]).Message, "distinct");
        StringAssert.Contains(Fails(o => o.Sparsities = []).Message, "Sparsities");
        StringAssert.Contains(Fails(o => o.BaseOptions = null).Message, "BaseOptions");
        StringAssert.Contains(Fails(o => o.Metric = new SweepMetric { Kind = SweepMetricKind.Accuracy, ScoreColumnName = "Score" }).Message, "LabelColumnName");
        StringAssert.Contains(Fails(o => o.Metric = SweepMetric.Accuracy("Label", "NotAnOutput")).Message, "ScoreColumnName 'NotAnOutput'");
        StringAssert.Contains(Fails(o => o.Layers = ["fc9.weight"]).Message, "'fc9.weight'");
        StringAssert.Contains(Fails(o => o.BaseOptions!.Granularity = PruningGranularity.NM).Message, "NM");
        StringAssert.Contains(Fails(o => o.BaseOptions!.CalibrationRows = 0).Message, "CalibrationRows");
    }
}
