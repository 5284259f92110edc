using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Regression;

[TestClass]
public sealed class LassoCoordinateDescentTests
{
    private const double WeightTolerance = 1e-6;

    /// <summary>The reference's settings: scikit-learn ran with tol=1e-12, max_iter=100000.</summary>
    private static LassoCoordinateDescentOptions Tight(double? alpha, double l1Ratio = 1, bool fitIntercept = true) => new()
    {
        Alpha = alpha, L1Ratio = l1Ratio, FitIntercept = fitIntercept, Tolerance = 1e-12, MaxIterations = 100_000, PathLength = 30,
    };

    private static void AssertWeights(double[] expected, double expectedBias, LassoPathPoint actual)
    {
        Assert.HasCount(expected.Length, actual.Weights);
        for (int j = 0; j < expected.Length; j++)
        {
            Assert.AreEqual(expected[j], actual.Weights[j], WeightTolerance, $"weight {j}");
            Assert.AreEqual(expected[j] == 0, actual.Weights[j] == 0, $"weight {j} is zero in one answer only: {actual.Weights[j]}");
        }

        Assert.AreEqual(expectedBias, actual.Bias, WeightTolerance, "bias");
    }

    [TestMethod]
    public void Lasso_FixedAlpha_MatchesScikitLearn()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.LassoCoordinateDescent(Tight(0.05)).Fit(LassoRegressionData.Training(ml)).Model;
        AssertWeights(LassoScikitLearnReference.LassoWeights, LassoScikitLearnReference.LassoBias, model.Selected);
        Assert.AreEqual(0.05, model.Alpha);
        Assert.AreEqual(model.Path.Count - 1, model.SelectedIndex, "a given α is the path's last point");
        Assert.AreEqual(6, model.NonZeros);
        // The constant and the all-zero feature get exactly zero weight.
        Assert.AreEqual(0f, model.Weights[6]);
        Assert.AreEqual(0f, model.Weights[7]);
        Assert.IsTrue(model.Path.All(p => p.Converged && p.ValidationMeanSquaredError is null), string.Join("\n", model.Path));
    }

    [TestMethod]
    public void ElasticNet_FixedAlpha_MatchesScikitLearn()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.LassoCoordinateDescent(Tight(0.1, l1Ratio: 0.5)).Fit(LassoRegressionData.Training(ml)).Model;
        AssertWeights(LassoScikitLearnReference.ElasticNetWeights, LassoScikitLearnReference.ElasticNetBias, model.Selected);
        Assert.AreEqual(0.5, model.L1Ratio);
    }

    [TestMethod]
    public void Lasso_WithoutIntercept_MatchesScikitLearn()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.LassoCoordinateDescent(Tight(0.05, fitIntercept: false)).Fit(LassoRegressionData.Training(ml)).Model;
        AssertWeights(LassoScikitLearnReference.NoInterceptWeights, 0, model.Selected);
        Assert.AreEqual(0f, model.Bias);
    }

    [TestMethod]
    public void Lasso_CrossValidation_MatchesScikitLearnsLassoCV()
    {
        var ml = new MLContext(1);
        var options = Tight(null);
        options.PathRatio = 1e-3;
        var model = ml.Regression.Trainers.LassoCoordinateDescent(options).Fit(LassoRegressionData.Training(ml)).Model;
        var alphas = LassoScikitLearnReference.CrossValidationAlphas;
        var errors = LassoScikitLearnReference.CrossValidationMeanSquaredErrors;
        Assert.HasCount(alphas.Length, model.Path);
        for (int a = 0; a < alphas.Length; a++)
        {
            Assert.AreEqual(alphas[a], model.Path[a].Alpha, 1e-12 * alphas[a], $"α {a}");
            Assert.AreEqual(errors[a], model.Path[a].ValidationMeanSquaredError!.Value, 1e-6 * errors[a], $"validation MSE at α {a}");
            Assert.IsGreaterThan(0, model.Path[a].ValidationStandardError!.Value);
        }

        Assert.AreEqual(LassoScikitLearnReference.CrossValidationAlpha, model.Alpha, 1e-12 * model.Alpha);
        AssertWeights(LassoScikitLearnReference.CrossValidationWeights, LassoScikitLearnReference.CrossValidationBias, model.Selected);
        StringAssert.Contains(model.Selection, "5-fold cross-validation");
    }

    [TestMethod]
    public void ElasticNet_CrossValidation_MatchesScikitLearnsElasticNetCV()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.LassoCoordinateDescent(Tight(null, l1Ratio: 0.5)).Fit(LassoRegressionData.Training(ml)).Model;
        var errors = LassoScikitLearnReference.ElasticNetCrossValidationMeanSquaredErrors;
        Assert.HasCount(errors.Length, model.Path);
        for (int a = 0; a < errors.Length; a++)
        {
            Assert.AreEqual(errors[a], model.Path[a].ValidationMeanSquaredError!.Value, 1e-6 * errors[a], $"validation MSE at α {a}");
        }

        Assert.AreEqual(LassoScikitLearnReference.ElasticNetCrossValidationAlpha, model.Alpha, 1e-12 * model.Alpha);
        AssertWeights(LassoScikitLearnReference.ElasticNetCrossValidationWeights, LassoScikitLearnReference.ElasticNetCrossValidationBias, model.Selected);
    }

    [TestMethod]
    public void Lasso_ShuffledFolds_AreReproducibleFromTheSeedAndDifferFromRowOrder()
    {
        var ml = new MLContext(1);
        LassoModelParameters Fit(bool shuffle, int seed)
        {
            var options = Tight(null);
            options.ShuffleFolds = shuffle;
            options.Seed = seed;
            return ml.Regression.Trainers.LassoCoordinateDescent(options).Fit(LassoRegressionData.Training(ml)).Model;
        }

        var first = Fit(true, 3);
        var again = Fit(true, 3);
        var ordered = Fit(false, 3);
        CollectionAssert.AreEqual(first.Path.Select(p => p.ValidationMeanSquaredError).ToArray(), again.Path.Select(p => p.ValidationMeanSquaredError).ToArray());
        Assert.AreNotEqual(ordered.Path[^1].ValidationMeanSquaredError, first.Path[^1].ValidationMeanSquaredError);
        // The path on all rows does not depend on the folds (beyond the order its sums were added in).
        for (int a = 0; a < first.Path.Count; a++)
        {
            Assert.AreEqual(ordered.Path[a].Objective, first.Path[a].Objective, 1e-12 * ordered.Path[a].Objective, $"objective at α {a}");
        }
        StringAssert.Contains(first.Selection, "(shuffled)");
    }

    [TestMethod]
    public void Lasso_MaxIterationsReached_ReportsPointsNotConverged()
    {
        var ml = new MLContext(1);
        var options = Tight(0.001);
        options.MaxIterations = 1;
        var model = ml.Regression.Trainers.LassoCoordinateDescent(options).Fit(LassoRegressionData.Training(ml)).Model;
        Assert.IsFalse(model.Selected.Converged, model.ToString());
        Assert.IsGreaterThan(1e-12, model.Selected.DualityGap);
        Assert.AreEqual(1, model.Selected.Iterations);
        StringAssert.Contains(model.ToString(), "(not converged)");
    }

    [TestMethod]
    public void Lasso_Path_SparsityAndFitGrowAsAlphaFalls()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.LassoCoordinateDescent(Tight(null)).Fit(LassoRegressionData.Training(ml)).Model;
        var path = model.Path;
        Assert.AreEqual(0, path[0].NonZeros, "α_max gives the empty model");
        Assert.AreEqual(6, path[^1].NonZeros, "the smallest α keeps every feature that varies");
        for (int a = 1; a < path.Count; a++)
        {
            Assert.IsLessThan(path[a - 1].Alpha, path[a].Alpha);
            Assert.IsGreaterThanOrEqualTo(path[a - 1].NonZeros, path[a].NonZeros, $"non-zeros at α {a}:\n{model}");
            Assert.IsGreaterThanOrEqualTo(path[a - 1].RSquared - 1e-12, path[a].RSquared, $"training R² at α {a}:\n{model}");
        }
    }

    [TestMethod]
    public void Lasso_OneStandardError_ChoosesASparserOrEqualModelNearTheMinimum()
    {
        var ml = new MLContext(1);
        var minimum = ml.Regression.Trainers.LassoCoordinateDescent(Tight(null)).Fit(LassoRegressionData.Training(ml)).Model;
        var options = Tight(null);
        options.Selection = LassoAlphaSelection.OneStandardError;
        var oneSe = ml.Regression.Trainers.LassoCoordinateDescent(options).Fit(LassoRegressionData.Training(ml)).Model;
        var best = minimum.Selected;
        Assert.IsLessThan(minimum.SelectedIndex, oneSe.SelectedIndex, "the rule picks a larger α on this data");
        Assert.IsLessThanOrEqualTo(best.NonZeros, oneSe.NonZeros);
        Assert.IsLessThanOrEqualTo(best.ValidationMeanSquaredError!.Value + best.ValidationStandardError!.Value, oneSe.Selected.ValidationMeanSquaredError!.Value);
        // The largest such α: the one before it is outside the band.
        var before = oneSe.Path[oneSe.SelectedIndex - 1];
        Assert.IsGreaterThan(best.ValidationMeanSquaredError.Value + best.ValidationStandardError.Value, before.ValidationMeanSquaredError!.Value);
    }

    [TestMethod]
    public void Lasso_Evaluate_RSquaredMatchesScikitLearn()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.LassoCoordinateDescent("Label", "Features", alpha: 0.05).Fit(LassoRegressionData.Training(ml));
        var scored = model.Transform(LassoRegressionData.Test(ml));
        Assert.AreEqual(NumberDataViewType.Single, scored.Schema["Score"].Type);
        var metrics = ml.Regression.Evaluate(scored);
        // Default tolerance (1e-4) and Single scores: R² agrees to a few 1e-6.
        Assert.AreEqual(LassoScikitLearnReference.LassoTestRSquared, metrics.RSquared, 1e-5);
    }

    [TestMethod]
    public void Lasso_Workout_ScoresAsTheModelAndRoundTripsThroughSaveAndLoad()
    {
        var ml = new MLContext(1);
        var data = LassoRegressionData.Training(ml);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var model = EstimatorWorkout.Run(ml, ml.Regression.Trainers.LassoCoordinateDescent(alpha: 0.05), data, ["Score"], bad, typeof(ArgumentOutOfRangeException));

        // Score is b + xᵀw with the model's own weights.
        var rows = LassoRegressionData.Rows(80, 7);
        var scores = ml.Data.CreateEnumerable<ScoreRow>(model.Transform(data), reuseRowObject: false).Select(r => r.Score).ToArray();
        for (int i = 0; i < rows.Length; i++)
        {
            double expected = model.Model.Bias + rows[i].Features.Select((x, j) => (double)x * model.Model.Weights[j]).Sum();
            Assert.AreEqual(expected, scores[i], 1e-5, $"row {i}");
        }

        // A new context loads it once the assembly's custom mapping is registered, and scores identically.
        string path = Path.Combine(Path.GetTempPath(), $"lasso-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var fresh = new MLContext(2);
            fresh.ComponentCatalog.RegisterAssembly(typeof(LassoCoordinateDescentTrainer).Assembly);
            var loaded = fresh.Model.Load(path, out _);
            var reloaded = fresh.Data.CreateEnumerable<ScoreRow>(loaded.Transform(fresh.Data.LoadFromEnumerable(rows)), reuseRowObject: false).Select(r => r.Score).ToArray();
            CollectionAssert.AreEqual(scores, reloaded);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void Lasso_PermutationFeatureImportance_RanksTheLargestWeightFirst()
    {
        var ml = new MLContext(1);
        var data = LassoRegressionData.Training(ml);
        var model = ml.Regression.Trainers.LassoCoordinateDescent(alpha: 0.05).Fit(data);
        var importance = ml.Regression.PermutationFeatureImportance(model, data, permutationCount: 1);
        Assert.HasCount(LassoRegressionData.FeatureCount, importance);
        var drops = importance.Select(m => -m.RSquared.Mean).ToArray();
        Assert.AreEqual(1, Array.IndexOf(drops, drops.Max()), $"feature 1 has the largest weight: {string.Join(", ", drops)}");
        Assert.AreEqual(0, drops[6], "a zero weight changes nothing");
        Assert.AreEqual(0, drops[7], "a zero weight changes nothing");
    }

    [TestMethod]
    public void Lasso_Report_ListsTheWeightAndTheCompactFile()
    {
        var ml = new MLContext(1);
        var model = ml.Regression.Trainers.LassoCoordinateDescent(alpha: 0.05).Fit(LassoRegressionData.Training(ml));
        Assert.AreEqual(LassoRegressionData.FeatureCount, model.Report.TotalParameters);
        Assert.AreEqual(model.Model.NonZeros, model.Report.TotalNonZeros);
        StringAssert.Contains(model.Report.Method, "LassoCoordinateDescent");
        var onnx = Microsoft.ML.Pruning.Onnx.OnnxModel.Load(model.CompactOnnx.Span);
        CollectionAssert.AreEqual(new[] { "Features" }, onnx.Graph.Input.Select(i => i.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "Score" }, onnx.Graph.Output.Select(o => o.Name).ToArray());
    }

    [TestMethod]
    public void Lasso_AllFeaturesConstant_PredictsTheMeanLabel()
    {
        var ml = new MLContext(1);
        var rows = Enumerable.Range(0, 10).Select(i => new LassoRegressionData.Row { Features = [1, 1, 1, 1, 1, 1, 0, 0], Label = i }).ToArray();
        var model = ml.Regression.Trainers.LassoCoordinateDescent().Fit(ml.Data.LoadFromEnumerable(rows)).Model;
        Assert.IsTrue(model.Weights.All(w => w == 0), model.ToString());
        Assert.AreEqual(4.5f, model.Bias);
        Assert.HasCount(1, model.Path);
    }

    private sealed class ScoreRow
    {
        public float Score { get; set; }
    }
}
