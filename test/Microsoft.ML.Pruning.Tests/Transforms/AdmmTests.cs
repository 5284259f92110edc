using System;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>
/// <c>mlContext.Pruning().Admm(...)</c>: ADMM training on the labels, hard pruning to Z's support with exact counts (global,
/// per layer, whole neurons), fine-tuning with the masks fixed, the rounds and residuals in the report, divergence, options.
/// </summary>
[TestClass]
public sealed class AdmmTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private static readonly string[] Inputs = ["Features"];
    private static readonly Lazy<OnnxModel> Trained = new(() =>
        new MLContext(1).MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { HiddenLayers = [16], Epochs = 10, BatchSize = 32, LearningRate = 0.01, Seed = 1 })
            .Fit(TestData.Multiclass(new MLContext(1))).Model);

    private static AdmmPruningOptions Options(double sparsity, Action<AdmmPruningOptions>? edit = null)
    {
        var options = new AdmmPruningOptions
        {
            Model = Trained.Value, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, Seed = 3,
            Rho = 0.05, RhoFactor = 1.5,
            Training = new FineTuneOptions { Epochs = 4, BatchSize = 32, LearningRate = 0.01 },
        };
        edit?.Invoke(options);
        return options;
    }

    private static float[] Weights(OnnxModel model, string name) => OnnxTensor.ToFloatArray(model.GetInitializer(name));

    private static long Zeros(PruningReport report) => report.TotalParameters - report.TotalNonZeros;

    [TestMethod]
    public void Admm_Workout_FitsScoresSavesAndReloads()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var pruned = EstimatorWorkout.Run(ml, ml.Pruning().Admm(Trained.Value, Outputs, Inputs, sparsity: 0.5, epochs: 2), data, Outputs,
            bad, typeof(ArgumentOutOfRangeException));
        Assert.AreEqual(MaskSelector.TargetPrunedCount(pruned.Report.TotalParameters, 0.5), Zeros(pruned.Report));
        Assert.IsNotNull(pruned.Report.Admm);
        Assert.IsNull(pruned.Report.SparseTraining);
        StringAssert.StartsWith(pruned.Report.Method, "ADMM (ρ 0.03 ×1.3 per round up to 1, a round per epoch)");
    }

    [TestMethod]
    public void Admm_GlobalScope_HitsTheExactCount_AndReportsEveryRoundWithResiduals()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Admm(Options(0.8)).Fit(TestData.Multiclass(ml));
        var report = pruned.Report;
        var admm = report.Admm!;
        Assert.AreEqual(MaskSelector.TargetPrunedCount(report.TotalParameters, 0.8), Zeros(report), "exact count over all layers");

        Assert.HasCount(4, admm.Training.Epochs, "the loss curve");
        Assert.HasCount(4, admm.Rounds, "one round per epoch");
        double rho = 0.05;
        foreach (var round in admm.Rounds)
        {
            Assert.AreEqual(rho, round.Rho, 1e-12, $"ρ ×1.5 per round: {admm}");
            rho *= 1.5;
            Assert.HasCount(2, round.Layers);
            Assert.AreEqual(report.TotalParameters - MaskSelector.TargetPrunedCount(report.TotalParameters, 0.8), round.Layers.Sum(l => l.Kept), "Z keeps the budget each round");
            Assert.IsTrue(double.IsFinite(round.PrimalResidual) && round.PrimalResidual > 0 && double.IsFinite(round.DualResidual) && round.DualResidual >= 0, round.ToString());
        }
        Assert.IsLessThan(admm.Rounds[0].PrimalResidual, admm.Rounds[^1].PrimalResidual, $"the weights approach their sparse projection: {admm}");
        Assert.IsFalse(admm.Diverged);
        Assert.IsNull(admm.Note);

        foreach (var layer in admm.Layers)
        {
            var row = report.Layers.Single(l => l.Name == layer.Name);
            Assert.AreEqual(layer.Kept, row.NonZeros, $"{layer.Name}: hard pruning keeps exactly Z's support (no zeros inside it here)");
            Assert.AreEqual(layer.Parameters, layer.NonZerosBeforePruning, $"{layer.Name}: ADMM pulls towards zero but does not reach it");
            Assert.AreEqual(layer.NonZerosBeforePruning - layer.Kept, layer.CutByPruning);
            Assert.IsTrue(layer.CutNorm > 0 && layer.CutNorm < 1, layer.ToString());
            Assert.AreEqual(admm.Rounds[^1].Layers.Single(l => l.Name == layer.Name).Kept, layer.Kept, "the last round's support");
        }
        string text = report.ToString();
        StringAssert.Contains(text, "ADMM training, 4 epochs, 4 rounds");
        StringAssert.Contains(text, "cut by hard pruning");
    }

    [TestMethod]
    public void Admm_LayerScope_WithALayerOverride_HitsEachLayersCount()
    {
        var ml = new MLContext(1);
        var report = ml.Pruning().Admm(Options(0.6, o =>
        {
            o.Scope = PruningScope.Layer;
            o.LayerSparsity["fc2.weight"] = 0.25;
        })).Fit(TestData.Multiclass(ml)).Report;
        var fc1 = report.Layers.Single(l => l.Name == "fc1.weight");
        var fc2 = report.Layers.Single(l => l.Name == "fc2.weight");
        Assert.AreEqual(MaskSelector.TargetPrunedCount(fc1.Parameters, 0.6), fc1.Parameters - fc1.NonZeros);
        Assert.AreEqual(MaskSelector.TargetPrunedCount(fc2.Parameters, 0.25), fc2.Parameters - fc2.NonZeros);
        StringAssert.Contains(report.Method, "per-layer overrides");
    }

    [TestMethod]
    public void Admm_NeuronGranularity_RemovesWholeNeurons_ToTheExactCount()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Admm(Options(0.5, o => { o.Granularity = PruningGranularity.Neuron; o.Structured.RemoveUnits = false; o.ExcludedLayers.Add("fc2.weight"); }))
            .Fit(TestData.Multiclass(ml));
        var fc1 = pruned.Model.GetPrunableWeights().Single(w => w.Name == "fc1.weight");
        var values = Weights(pruned.Model, "fc1.weight");
        int width = (int)(fc1.ParameterCount / fc1.OutputUnits);
        int zeroUnits = Enumerable.Range(0, (int)fc1.OutputUnits).Count(u => values.Skip(u * width).Take(width).All(v => v == 0));
        Assert.AreEqual(MaskSelector.TargetPrunedCount(fc1.OutputUnits, 0.5), zeroUnits, "half the hidden neurons, whole");
        Assert.AreEqual(zeroUnits * width, values.Count(v => v == 0), "no zeros outside the removed neurons");
        var row = pruned.Report.Admm!.Layers.Single();
        Assert.AreEqual(fc1.OutputUnits, row.Units);
        Assert.AreEqual(fc1.OutputUnits - zeroUnits, row.KeptUnits);
        CollectionAssert.AreEqual(Weights(Trained.Value, "fc2.weight").Select(v => v == 0).ToArray(), Weights(pruned.Model, "fc2.weight").Select(v => v == 0).ToArray(),
            "the excluded layer is not pruned");
    }

    [TestMethod]
    public void Admm_FineTuneAfterwards_KeepsTheMasksFixed_AndTrainsTheKeptWeights()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var oneShot = ml.Pruning().Admm(Options(0.8)).Fit(data);
        var tuned = ml.Pruning().Admm(Options(0.8, o => o.FineTune = new FineTuneOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.01 })).Fit(data);
        Assert.HasCount(1, tuned.Report.FineTuning);
        StringAssert.EndsWith(tuned.Report.Method, "fine-tuned 2 epochs");
        foreach (var w in oneShot.Model.GetPrunableWeights())
        {
            var before = Weights(oneShot.Model, w.Name);
            var after = Weights(tuned.Model, w.Name);
            for (int i = 0; i < before.Length; i++)
                if (before[i] == 0) Assert.AreEqual(0f, after[i], $"{w.Name}[{i}] was pruned and stays 0");
            Assert.IsTrue(before.Zip(after).Any(p => p.First != 0 && p.First != p.Second), $"{w.Name}: kept weights train");
        }
        Assert.AreEqual(Zeros(oneShot.Report), Zeros(tuned.Report));
    }

    [TestMethod]
    public void Admm_StepsPerRound_EndsARoundEveryNSteps_AndOnceMoreAtTheEnd()
    {
        var ml = new MLContext(1);
        // 300 rows in batches of 32: 10 steps per epoch, 20 in all; rounds at steps 6, 12, 18 and a last one at 20.
        var admm = ml.Pruning().Admm(Options(0.7, o => { o.StepsPerRound = 6; o.Training.Epochs = 2; o.RhoSchedule = AdmmRhoSchedule.Constant; })).Fit(TestData.Multiclass(ml)).Report.Admm!;
        CollectionAssert.AreEqual(new long[] { 6, 12, 18, 20 }, admm.Rounds.Select(r => r.Steps).ToArray());
        Assert.IsTrue(admm.Rounds.All(r => r.Rho == 0.05), "constant ρ");
    }

    [TestMethod]
    public void Admm_DivergingTraining_SaysSo_AndHardPrunesTheRestoredWeightsToTheExactCount()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Admm(Options(0.5, o =>
        {
            o.Training.Optimizer = TrainingOptimizer.SgdMomentum;
            o.Training.LearningRate = 1e30; // the first step overflows
        })).Fit(TestData.Multiclass(ml));
        var admm = pruned.Report.Admm!;
        Assert.IsTrue(admm.Diverged);
        StringAssert.Contains(admm.Note, "diverged");
        StringAssert.Contains(admm.Note, "restored");
        StringAssert.Contains(pruned.Report.ToString(), admm.Note);
        Assert.AreEqual(MaskSelector.TargetPrunedCount(pruned.Report.TotalParameters, 0.5), Zeros(pruned.Report));
        Assert.IsTrue(pruned.Model.GetPrunableWeights().All(w => Weights(pruned.Model, w.Name).All(float.IsFinite)), "no NaN weights are kept");
    }

    [TestMethod]
    public void Admm_WithDistillation_ChangesTheObjective_AndHitsTheTarget()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var distilled = ml.Pruning().Admm(Options(0.6, o => o.Training.Distillation = new DistillationOptions { Temperature = 2, Weight = 0.5 })).Fit(data).Report;
        Assert.AreEqual(MaskSelector.TargetPrunedCount(distilled.TotalParameters, 0.6), Zeros(distilled));
        var plain = ml.Pruning().Admm(Options(0.6)).Fit(data).Report;
        Assert.AreNotEqual(plain.Admm!.Training.Epochs[0].MeanLoss, distilled.Admm!.Training.Epochs[0].MeanLoss, "the distillation term changes the objective");
    }

    [TestMethod]
    public void Admm_NeuronGranularity_RemovesTheUnitsFromTheWrittenModel()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Admm(Options(0.5, o => { o.Granularity = PruningGranularity.Neuron; o.ExcludedLayers.Add("fc2.weight"); })).Fit(TestData.Multiclass(ml));

        CollectionAssert.AreEqual(new long[] { 8, 8 }, pruned.Model.GetInitializer("fc1.weight").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 8 }, pruned.Model.GetInitializer("fc2.weight").Dims.ToArray());
        Assert.IsLessThanOrEqualTo(1e-4, pruned.Report.Structured!.Verification!.MaxRelativeDifference);
    }

    [TestMethod]
    public void AdmmOptions_JsonRoundTrip_KeepsEveryOption()
    {
        var options = Options(0.8, o =>
        {
            o.Model = null;
            o.ModelPath = "model.onnx";
            o.Granularity = PruningGranularity.Neuron;
            o.Scope = PruningScope.Layer;
            o.Rho = 0.2;
            o.RhoSchedule = AdmmRhoSchedule.Constant;
            o.RhoFactor = 2;
            o.RhoMax = 5;
            o.StepsPerRound = 100;
            o.FineTune = new FineTuneOptions { Epochs = 2 };
        });
        string json = JsonSerializer.Serialize(options);
        StringAssert.Contains(json, "\"RhoSchedule\":\"Constant\"");
        var back = JsonSerializer.Deserialize<AdmmPruningOptions>(json)!;
        Assert.AreEqual(json, JsonSerializer.Serialize(back));
        Assert.AreEqual(0.2, back.Rho);
        Assert.AreEqual(AdmmRhoSchedule.Constant, back.RhoSchedule);
        Assert.AreEqual(100, back.StepsPerRound);
        Assert.AreEqual(4, back.Training.Epochs);
        Assert.AreEqual(2, back.FineTune!.Epochs);
    }

    [TestMethod]
    public void Admm_InvalidOptions_ThrowWhenTheEstimatorIsBuilt_NamingTheOption()
    {
        var ml = new MLContext(1);
        foreach (double rho in new[] { 0, -0.1, double.NaN, double.PositiveInfinity })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Admm(Options(0.5, o => o.Rho = rho)));
            Assert.AreEqual(nameof(AdmmPruningOptions.Rho), ex.ParamName, $"ρ = {rho}");
        }
        Assert.AreEqual(nameof(AdmmPruningOptions.Rho),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Admm(Trained.Value, Outputs, Inputs, rho: 0)).ParamName);
        Assert.AreEqual(nameof(AdmmPruningOptions.RhoFactor),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Admm(Options(0.5, o => o.RhoFactor = 0.5))).ParamName);
        Assert.AreEqual(nameof(AdmmPruningOptions.RhoMax),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Admm(Options(0.5, o => o.RhoMax = 0.01))).ParamName);
        Assert.AreEqual(nameof(AdmmPruningOptions.StepsPerRound),
            Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Admm(Options(0.5, o => o.StepsPerRound = 0))).ParamName);
        Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().Admm(Options(0.5, o => { o.StepsPerRound = 10; o.EpochsPerRound = 2; })));
        Assert.AreEqual(nameof(AdmmPruningOptions.Sparsity), Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().Admm(Options(0))).ParamName);
        Assert.ThrowsExactly<NotSupportedException>(() => ml.Pruning().Admm(Options(0.5, o => o.LayerSparsity["fc1.weight"] = 0.9)));
        Assert.ThrowsExactly<NotSupportedException>(() => ml.Pruning().Admm(Options(0.5, o => o.Schedule = PruningSchedule.Iterative)));
        var epochs = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Admm(Options(0.5, o => o.Training.Epochs = 0)));
        StringAssert.Contains(epochs.Message, "Training");
        Assert.ThrowsExactly<ArgumentNullException>(() => ml.Pruning().Admm(Options(0.5, o => o.Training = null!)));
    }

    [TestMethod]
    public void Admm_OutputIndependentOfPrunedWeights_ThrowsWhenTheEstimatorIsBuilt()
    {
        var model = Trained.Value.Clone();
        model.Graph.Initializer.Add(TestGraphs.Floats("offset", [TestData.FeatureCount], 1));
        model.Graph.Node.Add(TestGraphs.Node("Add", ["Features", "offset"], ["shifted"], "shift"));
        model.Graph.Output.Add(TestGraphs.Value("shifted", TestGraphs.Float));
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().Admm(new AdmmPruningOptions
        {
            Model = model, OutputColumnNames = ["shifted", "Score"], InputColumnNames = Inputs, Sparsity = 0.5,
            Training = new FineTuneOptions { ScoreColumnName = "shifted" },
        }));
        StringAssert.Contains(ex.Message, "depends on none of the weights being pruned");
        StringAssert.Contains(ex.Message, "ADMM");
    }

    [TestMethod]
    public void Admm_ACandidateTheTrainedOutputDoesNotUse_ThrowsNamingItAndExcludedLayers()
    {
        var model = Trained.Value.Clone();
        model.Graph.Initializer.Add(TestGraphs.Floats("side.weight", [TestData.FeatureCount, 3], 2));
        model.Graph.Node.Add(TestGraphs.Node("MatMul", ["Features", "side.weight"], ["side"], "side"));
        model.Graph.Output.Add(TestGraphs.Value("side", TestGraphs.Float));
        var ml = new MLContext(1);
        string[] outputs = ["Score", "PredictedLabel", "side"];
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().Admm(new AdmmPruningOptions
        {
            Model = model, OutputColumnNames = outputs, InputColumnNames = Inputs, Sparsity = 0.5,
        }));
        StringAssert.Contains(ex.Message, "side.weight");
        StringAssert.Contains(ex.Message, nameof(PruningOptions.ExcludedLayers));
        var excluded = new AdmmPruningOptions { Model = model, OutputColumnNames = outputs, InputColumnNames = Inputs, Sparsity = 0.5 };
        excluded.ExcludedLayers.Add("side.weight");
        Assert.IsNotNull(ml.Pruning().Admm(excluded), "excluding it is the way out");
    }
}
