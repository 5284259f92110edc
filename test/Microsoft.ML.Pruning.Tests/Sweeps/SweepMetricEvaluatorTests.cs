using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SweepMetricEvaluatorTests
{
    private sealed class BinaryRow
    {
        public bool Label { get; set; }
        public float Score { get; set; }
        public bool PredictedLabel { get; set; } // ML.NET's evaluator asks for one; AUC does not use it
    }

    private sealed class RegressionRow
    {
        public float Label { get; set; }
        public float Score { get; set; }
    }

    private sealed class VectorRow
    {
        public float Label { get; set; }

        [VectorType(1)]
        public float[] Score { get; set; } = [];
    }

    private static BinaryRow[] Binary(int count)
    {
        var random = new Random(3);
        return [.. Enumerable.Range(0, count).Select(i => new BinaryRow { Label = i % 3 == 0, Score = (float)(random.NextDouble() + (i % 3 == 0 ? 0.4 : 0)) })];
    }

    [TestMethod]
    public void Evaluate_Auc_MatchesMLNetsBinaryEvaluator()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Binary(200));

        double auc = SweepMetricEvaluator.Evaluate(SweepMetric.Auc("Label", "Score"), data);

        Assert.AreEqual(ml.BinaryClassification.EvaluateNonCalibrated(data).AreaUnderRocCurve, auc, 1e-9);
        Assert.IsGreaterThan(0.6, auc);
    }

    [TestMethod]
    public void Evaluate_AucWithTiedScores_CountsTiesHalf()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[]
        {
            new BinaryRow { Label = true, Score = 1 }, new BinaryRow { Label = false, Score = 1 },
            new BinaryRow { Label = true, Score = 2 }, new BinaryRow { Label = false, Score = 0 },
        });

        // Pairs (positive, negative): (1,1) tie ½, (1,0) 1, (2,1) 1, (2,0) 1 → 3.5 / 4.
        Assert.AreEqual(0.875, SweepMetricEvaluator.Evaluate(SweepMetric.Auc("Label", "Score"), data), 1e-12);
    }

    [TestMethod]
    public void Evaluate_RmseAndMae_MatchMLNetsRegressionEvaluator()
    {
        var ml = new MLContext(1);
        var random = new Random(5);
        var rows = Enumerable.Range(0, 100).Select(i => new RegressionRow { Label = i * 0.1f, Score = (float)(i * 0.1 + random.NextDouble() - 0.5) }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var expected = ml.Regression.Evaluate(data);

        Assert.AreEqual(expected.RootMeanSquaredError, SweepMetricEvaluator.Evaluate(SweepMetric.Rmse("Label", "Score"), data), 1e-6);
        Assert.AreEqual(expected.MeanAbsoluteError, SweepMetricEvaluator.Evaluate(new SweepMetric { Kind = SweepMetricKind.MeanAbsoluteError, LabelColumnName = "Label", ScoreColumnName = "Score" }, data), 1e-6);
        // An ONNX output of shape [N, 1] arrives as a vector of one value: the same error.
        var vectors = ml.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Label = r.Label, Score = [r.Score] }));
        Assert.AreEqual(expected.RootMeanSquaredError, SweepMetricEvaluator.Evaluate(SweepMetric.Rmse("Label", "Score"), vectors), 1e-6);
    }

    [TestMethod]
    public void Evaluate_AccuracyAndMacroAccuracy_MatchMLNetsMulticlassEvaluator()
    {
        var ml = new MLContext(1);
        // Unbalanced classes (macro ≠ micro), and the trained MLP pruned hard enough to make mistakes.
        var rows = ml.Data.LoadFromEnumerable(TestData.Rows(300, seed: 4).Where((r, i) => r.Class != 2 || i % 5 == 0));
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(rows).Transform(rows);
        var model = ml.Pruning().Magnitude(SweepTestFiles.ModelPath, ["Score", "PredictedLabel"], ["Features"], 0.85).Fit(data);
        var scored = model.Transform(data);
        var expected = ml.MulticlassClassification.Evaluate(scored);

        double accuracy = SweepMetricEvaluator.Evaluate(SweepMetric.Accuracy("Label", "Score"), scored);
        double macro = SweepMetricEvaluator.Evaluate(new SweepMetric { Kind = SweepMetricKind.MacroAccuracy, LabelColumnName = "Label", ScoreColumnName = "Score" }, scored);

        Assert.AreEqual(expected.MicroAccuracy, accuracy, 1e-9);
        Assert.AreEqual(expected.MacroAccuracy, macro, 1e-9);
        Assert.IsLessThan(1.0, accuracy, "some mistakes");
        Assert.AreNotEqual(accuracy, macro, 1e-6, "unbalanced classes: the two differ");
    }

    [TestMethod]
    public void Evaluate_Custom_CallsTheDelegateOnTheScoredRows()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(Binary(10));

        double rows = SweepMetricEvaluator.Evaluate(SweepMetric.Custom("rows", d => d.GetColumn<float>("Score").Count()), data);

        Assert.AreEqual(10.0, rows);
    }

    [TestMethod]
    public void Evaluate_AucOnAKeyLabel_FailsNamingTheColumn()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml, 30);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SweepMetricEvaluator.Evaluate(SweepMetric.Auc("Label", "Features"), data));

        StringAssert.Contains(e.Message, "'Label'");
    }
}
