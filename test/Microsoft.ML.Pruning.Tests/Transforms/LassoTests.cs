using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class LassoTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private static readonly string[] Inputs = ["Features"];
    private static readonly Lazy<OnnxModel> Trained = new(() =>
        new MLContext(1).MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { HiddenLayers = [16], Epochs = 10, BatchSize = 32, LearningRate = 0.01, Seed = 1 })
            .Fit(TestData.Multiclass(new MLContext(1))).Model);

    private static LassoPruningOptions Options(double sparsity, Action<LassoPruningOptions>? edit = null)
    {
        var options = new LassoPruningOptions
        {
            Model = Trained.Value, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, Seed = 3,
            SparsityTolerance = 0.03, // a few weights of these small layers
            Training = new FineTuneOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.01 },
        };
        edit?.Invoke(options);
        return options;
    }

    private static float[] Weights(OnnxModel model, string name) => OnnxTensor.ToFloatArray(model.GetInitializer(name));

    [TestMethod]
    public void Lasso_Workout_FitsScoresSavesAndReloads()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var pruned = EstimatorWorkout.Run(ml, ml.Pruning().Lasso(Trained.Value, Outputs, Inputs, sparsity: 0.5, epochs: 1), data, Outputs,
            bad, typeof(ArgumentOutOfRangeException));
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
        Assert.IsNotNull(pruned.Report.SparseTraining);
        StringAssert.StartsWith(pruned.Report.Method, "Lasso (L1, proximal steps)");
    }

    [TestMethod]
    public void Lasso_TargetSparsity_ReachedExactly_WithZerosByTrainingAndCutsByRoundingAccountedPerLayer()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var pruned = ml.Pruning().Lasso(Options(0.7)).Fit(data);
        var report = pruned.Report;
        var sparse = report.SparseTraining!;
        long total = report.Layers.Sum(l => l.Parameters);
        Assert.AreEqual(MaskSelector.TargetPrunedCount(total, 0.7), total - report.TotalNonZeros, "exact target count");
        Assert.AreEqual("L1", sparse.Regularizer);
        Assert.IsGreaterThanOrEqualTo(2, sparse.Trials.Count, "a λ path");
        Assert.AreEqual("path", sparse.Trials[0].Phase);
        Assert.AreEqual(0, sparse.Trials[0].StartedFrom, "the first trial starts from the dense model");
        Assert.IsTrue(sparse.TargetReached, sparse.ToString());
        Assert.IsTrue(sparse.Kept.Sparsity <= 0.7 && sparse.Kept.Sparsity >= 0.67, $"kept trial within the tolerance below the target: {sparse}");
        foreach (var layer in sparse.Layers)
        {
            var row = report.Layers.Single(l => l.Name == layer.Name);
            long zerosAfter = row.Parameters - row.NonZeros;
            Assert.AreEqual(layer.ZerosByTraining - layer.ZerosKept + layer.CutByRounding, zerosAfter, $"{layer.Name}: zeros = by training − kept + cut");
            Assert.AreEqual(layer.Parameters - layer.ZerosByTraining, layer.NonZerosBeforePruning);
            Assert.AreEqual(sparse.Kept.Lambdas.Values.Single(), layer.Lambda, "one λ with the global scope");
        }
        Assert.IsGreaterThan(0L, sparse.Layers.Sum(l => l.ZerosByTraining), "training made exact zeros");
        // The path climbs by the growth factor with warm starts until a λ goes over the target; later trials start
        // from one point and stay inside the bracket; every trial reports its loss curve.
        int over = sparse.Trials.ToList().FindIndex(t => t.Pruned > t.Target);
        Assert.IsGreaterThan(0, over, sparse.ToString());
        for (int i = 1; i <= over; i++)
        {
            Assert.AreEqual(sparse.Trials[i - 1].Lambdas.Values.Single() * 2, sparse.Trials[i].Lambdas.Values.Single(), 1e-9, sparse.ToString());
            Assert.AreEqual(i, sparse.Trials[i].StartedFrom, "warm start from the previous trial");
        }
        double top = sparse.Trials[over].Lambdas.Values.Single();
        foreach (var later in sparse.Trials.Skip(over + 1))
        {
            Assert.AreEqual(over, later.StartedFrom, "after the bracket, every trial starts where the bracketing trial started");
            Assert.IsLessThan(top, later.Lambdas.Values.Single());
        }
        Assert.IsTrue(sparse.Trials.All(t => t.Training.Epochs.Count == 1 && t.Training.Regularization.Count == 1));
        StringAssert.Contains(report.ToString(), "cut by rounding");
        Assert.AreEqual(sparse.Trials.Count, sparse.TrainedEpochs, "one epoch per trial");
        Assert.AreEqual(over + 1, sparse.KeptEpochs, "the kept weights went through the climb to the bracket's start, then their own trial");
    }

    [TestMethod]
    public void Lasso_LayerScope_SearchesOneLambdaPerLayer_AndHitsEachLayersCount()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var report = ml.Pruning().Lasso(Options(0.6, o => o.Scope = PruningScope.Layer)).Fit(data).Report;
        foreach (var layer in report.Layers)
            Assert.AreEqual(MaskSelector.TargetPrunedCount(layer.Parameters, 0.6), layer.Parameters - layer.NonZeros, layer.Name);
        Assert.HasCount(report.Layers.Count, report.SparseTraining!.Trials[0].Lambdas, "one λ per layer");
    }

    [TestMethod]
    public void Lasso_UnreachableInBudget_StopsAndReportsTheClosestSparsityAndItsLambda()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var report = ml.Pruning().Lasso(Options(0.9, o => { o.InitialLambda = 1e-9; o.MaxLambdaSteps = 2; })).Fit(data).Report;
        var sparse = report.SparseTraining!;
        Assert.IsFalse(sparse.TargetReached);
        Assert.HasCount(2, sparse.Trials, "the path's budget");
        StringAssert.Contains(sparse.Note, "was not reached");
        StringAssert.Contains(sparse.Note, $"{sparse.Kept.Sparsity.ToString("P2", System.Globalization.CultureInfo.InvariantCulture)} at λ");
        long total = report.Layers.Sum(l => l.Parameters);
        Assert.AreEqual(MaskSelector.TargetPrunedCount(total, 0.9), total - report.TotalNonZeros, "rounding still makes the count exact");
        Assert.IsGreaterThan(0L, sparse.Layers.Sum(l => l.CutByRounding));
    }

    [TestMethod]
    public void Lasso_HugeLambda_ZeroesEveryWeight_AndStillScores()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var pruned = ml.Pruning().Lasso(Options(0, o => o.Lambda = 1e6)).Fit(data);
        Assert.AreEqual(0, pruned.Report.TotalNonZeros);
        Assert.AreEqual(1.0, pruned.Report.Sparsity);
        var sparse = pruned.Report.SparseTraining!;
        Assert.HasCount(1, sparse.Trials);
        Assert.AreEqual("fixed", sparse.Trials[0].Phase);
        Assert.IsTrue(sparse.Layers.All(l => l.CutByRounding == 0 && l.ZerosKept == 0), "a fixed λ's masks are its zero pattern");
        var scores = TestData.ScoreColumn(pruned.Transform(data));
        Assert.IsTrue(scores.All(r => r.All(float.IsFinite)), "the all-zero model still scores (its biases decide)");
    }

    [TestMethod]
    public void Lasso_ZeroLambda_TrainsWithoutZeros()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Lasso(Options(0, o => o.Lambda = 0)).Fit(TestData.Multiclass(ml));
        Assert.AreEqual(0.0, pruned.Report.Sparsity);
        foreach (var w in pruned.Model.GetPrunableWeights())
            CollectionAssert.AreNotEqual(Weights(Trained.Value, w.Name), Weights(pruned.Model, w.Name), $"{w.Name} trained");
    }

    [TestMethod]
    public void Lasso_NeuronGranularity_GroupLassoZeroesWholeUnits_ToTheExactCount()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var pruned = ml.Pruning().Lasso(Options(0.5, o => { o.Granularity = PruningGranularity.Neuron; o.Structured.RemoveUnits = false; o.ExcludedLayers.Add("fc2.weight"); })).Fit(data);
        var sparse = pruned.Report.SparseTraining!;
        Assert.AreEqual("GroupL1", sparse.Regularizer);
        var fc1 = pruned.Model.GetPrunableWeights().Single(w => w.Name == "fc1.weight");
        var values = Weights(pruned.Model, "fc1.weight");
        int width = (int)(fc1.ParameterCount / fc1.OutputUnits);
        int zeroUnits = 0;
        for (int u = 0; u < fc1.OutputUnits; u++)
        {
            var row = values.Skip(u * width).Take(width).ToArray(); // [out, in]: output axis 0
            zeroUnits += row.All(v => v == 0) ? 1 : 0;
        }
        Assert.AreEqual(MaskSelector.TargetPrunedCount(fc1.OutputUnits, 0.5), zeroUnits, "half the hidden neurons, whole");
        Assert.AreEqual(zeroUnits * width, values.Count(v => v == 0), "no zeros outside the removed units");
        var row1 = sparse.Layers.Single();
        Assert.AreEqual(fc1.OutputUnits, row1.Units);
        Assert.IsGreaterThan(0L, row1.ZeroUnitsByTraining!.Value, $"group Lasso zeroed units itself: {sparse}");
        CollectionAssert.AreEqual(Weights(Trained.Value, "fc2.weight").Select(v => v == 0).ToArray(), Weights(pruned.Model, "fc2.weight").Select(v => v == 0).ToArray(),
            "the excluded layer is not regularized into zeros");
    }

    [TestMethod]
    public void Lasso_FineTuneAfterwards_KeepsTheMasksFixed()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var oneShot = ml.Pruning().Lasso(Options(0.8)).Fit(data);
        var tuned = ml.Pruning().Lasso(Options(0.8, o => o.FineTune = new FineTuneOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.01 })).Fit(data);
        Assert.HasCount(1, tuned.Report.FineTuning);
        foreach (var w in oneShot.Model.GetPrunableWeights())
        {
            var before = Weights(oneShot.Model, w.Name);
            var after = Weights(tuned.Model, w.Name);
            for (int i = 0; i < before.Length; i++)
                if (before[i] == 0) Assert.AreEqual(0f, after[i], $"{w.Name}[{i}] was pruned and stays 0");
            Assert.IsTrue(before.Zip(after).Any(p => p.First != 0 && p.First != p.Second), $"{w.Name}: kept weights train");
        }
    }

    [TestMethod]
    public void Lasso_DivergingTraining_StopsTheSearch_AndTheReportSaysTheWeightsWereRestored()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var pruned = ml.Pruning().Lasso(Options(0.5, o =>
        {
            o.Training.Optimizer = TrainingOptimizer.SgdMomentum;
            o.Training.LearningRate = 1e30; // the first step overflows
        })).Fit(data);
        var sparse = pruned.Report.SparseTraining!;
        Assert.HasCount(1, sparse.Trials, "the search stops at the divergence");
        Assert.IsTrue(sparse.Trials[0].Training.Diverged);
        StringAssert.Contains(sparse.Note, "diverged");
        StringAssert.Contains(sparse.Note, "restored");
        long total = pruned.Report.Layers.Sum(l => l.Parameters);
        Assert.AreEqual(MaskSelector.TargetPrunedCount(total, 0.5), total - pruned.Report.TotalNonZeros, "the restored weights are rounded to the target");
        Assert.IsTrue(pruned.Model.GetPrunableWeights().All(w => Weights(pruned.Model, w.Name).All(float.IsFinite)), "no NaN weights are kept");
    }

    [TestMethod]
    public void Lasso_WithDistillation_TrainsTowardsTheDenseModel_AndHitsTheTarget()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var pruned = ml.Pruning().Lasso(Options(0.6, o => o.Training.Distillation = new DistillationOptions { Temperature = 2, Weight = 0.5 })).Fit(data);
        long total = pruned.Report.Layers.Sum(l => l.Parameters);
        Assert.AreEqual(MaskSelector.TargetPrunedCount(total, 0.6), total - pruned.Report.TotalNonZeros);
        var plain = ml.Pruning().Lasso(Options(0.6)).Fit(data).Report.SparseTraining!;
        Assert.AreNotEqual(plain.Trials[0].Training.Epochs[0].MeanLoss, pruned.Report.SparseTraining!.Trials[0].Training.Epochs[0].MeanLoss,
            "the distillation term changes the objective");
    }

    [TestMethod]
    public void Lasso_NeuronGranularity_RemovesTheUnitsFromTheWrittenModel()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Lasso(Options(0.5, o => { o.Granularity = PruningGranularity.Neuron; o.ExcludedLayers.Add("fc2.weight"); })).Fit(TestData.Multiclass(ml));

        // fc1 [16, 8] → [8, 8]; its consumer fc2 [3, 16] loses the same 8 columns.
        CollectionAssert.AreEqual(new long[] { 8, 8 }, pruned.Model.GetInitializer("fc1.weight").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 8 }, pruned.Model.GetInitializer("fc2.weight").Dims.ToArray());
        var structured = pruned.Report.Structured!;
        Assert.AreEqual(8, structured.Groups.Single().Kept);
        Assert.IsLessThanOrEqualTo(1e-4, structured.Verification!.MaxRelativeDifference);
    }

    [TestMethod]
    public void LassoOptions_JsonRoundTrip_KeepsEveryOption()
    {
        var options = Options(0.8, o =>
        {
            o.Model = null;
            o.ModelPath = "model.onnx";
            o.Granularity = PruningGranularity.Neuron;
            o.InitialLambda = 0.01;
            o.LambdaGrowth = 3;
            o.MaxLambdaSteps = 4;
            o.BisectionSteps = 2;
            o.FineTune = new FineTuneOptions { Epochs = 2 };
        });
        string json = System.Text.Json.JsonSerializer.Serialize(options);
        var back = System.Text.Json.JsonSerializer.Deserialize<LassoPruningOptions>(json)!;
        Assert.AreEqual(json, System.Text.Json.JsonSerializer.Serialize(back));
        Assert.AreEqual(3, back.LambdaGrowth);
        Assert.AreEqual(1, back.Training.Epochs);
        TrainingRegularization description = new GroupL1Regularization { Weights = [new RegularizedWeight("fc1.weight", 0.5, 1)] };
        string text = System.Text.Json.JsonSerializer.Serialize(description);
        var read = System.Text.Json.JsonSerializer.Deserialize<TrainingRegularization>(text);
        Assert.IsInstanceOfType<GroupL1Regularization>(read);
        Assert.AreEqual(new RegularizedWeight("fc1.weight", 0.5, 1), read.Weights.Single());
    }

    [TestMethod]
    public void Lasso_InvalidOptions_ThrowNamingTheOption()
    {
        var ml = new MLContext(1);
        foreach (double lambda in new[] { -0.1, double.NaN })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Lasso(Options(0, o => o.Lambda = lambda)));
            Assert.AreEqual(nameof(LassoPruningOptions.Lambda), ex.ParamName);
        }
        var both = Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().Lasso(Options(0.5, o => o.Lambda = 0.1)));
        StringAssert.Contains(both.Message, "Sparsity");
        Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().Lasso(Options(0)));
        Assert.AreEqual(nameof(LassoPruningOptions.LambdaGrowth),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Lasso(Options(0.5, o => o.LambdaGrowth = 1))).ParamName);
        Assert.AreEqual(nameof(LassoPruningOptions.InitialLambda),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Lasso(Options(0.5, o => o.InitialLambda = 0))).ParamName);
        Assert.AreEqual(nameof(LassoPruningOptions.MaxLambdaSteps),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Lasso(Options(0.5, o => o.MaxLambdaSteps = 0))).ParamName);
        Assert.ThrowsExactly<NotSupportedException>(() => ml.Pruning().Lasso(Options(0.5, o => o.Schedule = PruningSchedule.Iterative)));
        var epochs = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Lasso(Options(0.5, o => o.Training.LearningRate = -1)));
        StringAssert.Contains(epochs.Message, "Training");
    }

    [TestMethod]
    public void Lasso_OutputIndependentOfPrunedWeights_ThrowsWhenTheEstimatorIsBuilt()
    {
        var model = Trained.Value.Clone();
        model.Graph.Initializer.Add(TestGraphs.Floats("offset", [TestData.FeatureCount], 1));
        model.Graph.Node.Add(TestGraphs.Node("Add", ["Features", "offset"], ["shifted"], "shift"));
        model.Graph.Output.Add(TestGraphs.Value("shifted", TestGraphs.Float));
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().Lasso(new LassoPruningOptions
        {
            Model = model, OutputColumnNames = ["shifted", "Score"], InputColumnNames = Inputs, Sparsity = 0.5,
            Training = new FineTuneOptions { ScoreColumnName = "shifted" },
        }));
        StringAssert.Contains(ex.Message, "depends on none of the weights being pruned");
        StringAssert.Contains(ex.Message, "Lasso");
    }
}
