using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>Fine-tuning through the estimators: distillation, validation with early stopping and keep-best, divergence.</summary>
[TestClass]
public sealed class FineTuneRecoveryTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private const int EmbeddingInputs = 8;

    private sealed class EmbeddingRow
    {
        [VectorType(EmbeddingInputs)]
        [ColumnName("input")]
        public float[] Input { get; set; } = [];
    }

    private static float[][] Gaussian(int rows, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, EmbeddingInputs)
            .Select(_ => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()))).ToArray()).ToArray();
    }

    /// <summary>Mean over rows of cos(pruned output, dense output), on the engine.</summary>
    private static double MeanCosine(OnnxModel pruned, OnnxModel dense, float[][] rows)
    {
        using var scope = NewDisposeScope();
        using var a = new OnnxTorchModule(pruned);
        using var b = new OnnxTorchModule(dense);
        a.eval();
        b.eval();
        using var noGrad = no_grad();
        var x = tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, EmbeddingInputs]);
        return nn.functional.cosine_similarity(a.forward(x), b.forward(x), 1).mean().item<float>();
    }

    private static MagnitudePruningOptions Embedding(OnnxModel dense, FineTuneOptions? fineTune) => new()
    {
        Model = dense, OutputColumnNames = ["z2"], InputColumnNames = ["input"], Sparsity = 0.8, FineTune = fineTune, Seed = 3,
    };

    [TestMethod]
    public void FineTune_DistillationWithoutLabels_BringsEmbeddingsCloserToTheDenseModel()
    {
        var ml = new MLContext(1);
        var dense = TestGraphs.Perceptron([EmbeddingInputs, 32, 6], 11);
        var data = ml.Data.LoadFromEnumerable(Gaussian(512, 1).Select(r => new EmbeddingRow { Input = r }));
        var heldOut = Gaussian(256, 2);
        var oneShot = ml.Pruning().Magnitude(Embedding(dense, null)).Fit(data);
        var tuned = ml.Pruning().Magnitude(Embedding(dense, new FineTuneOptions
        {
            LabelColumnName = null, Epochs = 10, BatchSize = 32, LearningRate = 0.01,
            Distillation = new DistillationOptions { EmbeddingLoss = EmbeddingLoss.Cosine },
        })).Fit(data);

        double before = MeanCosine(oneShot.Model, dense, heldOut), after = MeanCosine(tuned.Model, dense, heldOut);
        Assert.IsGreaterThan(before + (1 - before) / 4, after, $"mean cosine to the dense model: one-shot {before:F4}, distilled {after:F4}");
        Assert.AreEqual(0.8, tuned.Report.Sparsity, 0.01);
        var losses = tuned.Report.FineTuning.Single().Epochs.Select(e => e.MeanLoss).ToArray();
        Assert.IsLessThan(losses[0], losses[^1], "the distillation loss (1 − cos) falls");
    }

    [TestMethod]
    public void FineTune_DistillationAndNoLabelColumnInTheData_TrainsTowardsTheDenseModelAndSaysSo()
    {
        var ml = new MLContext(1);
        var messages = new ConcurrentQueue<string>();
        ml.Log += (_, e) => messages.Enqueue(e.Message);
        var dense = TestGraphs.Perceptron([EmbeddingInputs, 16, 6], 12);
        var data = ml.Data.LoadFromEnumerable(Gaussian(64, 3).Select(r => new EmbeddingRow { Input = r }));
        var tuned = ml.Pruning().Magnitude(Embedding(dense, new FineTuneOptions { Distillation = new DistillationOptions(), BatchSize = 16 })).Fit(data);
        Assert.HasCount(2, tuned.Report.FineTuning.Single().Epochs);
        Assert.IsTrue(messages.Any(m => m.Contains("no label column 'Label'")), "the log says the labels are missing");
    }

    private static OnnxModel TrainedMlp(MLContext ml, IDataView data) =>
        ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { HiddenLayers = [16], Epochs = 10, BatchSize = 32, LearningRate = 0.01, Seed = 1 })
            .Fit(data).Model;

    private static MagnitudePruningOptions Classifier(OnnxModel model, FineTuneOptions? fineTune) => new()
    {
        Model = model, OutputColumnNames = Outputs, InputColumnNames = ["Features"], Sparsity = 0.9, FineTune = fineTune, Seed = 5,
    };

    [TestMethod]
    public void FineTune_DistillationWeightOneWithLabels_TrainsExactlyAsWithoutLabels()
    {
        // (1 − α)·task + α·KL with α = 1 has the gradient of KL alone: the labelled run must equal the label-free one.
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = TrainedMlp(ml, data);
        OnnxModel Tune(string? label) => new MLContext(1).Pruning().Magnitude(Classifier(model, new FineTuneOptions
        {
            LabelColumnName = label, Epochs = 2, BatchSize = 32, LearningRate = 0.01, Distillation = new DistillationOptions { Weight = 1, Temperature = 3 },
        })).Fit(data).Model;
        var labelled = Tune("Label");
        var unlabelled = Tune(null);
        var plain = new MLContext(1).Pruning().Magnitude(Classifier(model, new FineTuneOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.01 })).Fit(data).Model;
        foreach (var weight in labelled.GetPrunableWeights())
        {
            var a = OnnxTensor.ToFloatArray(labelled.GetInitializer(weight.Name));
            CollectionAssert.AreEqual(OnnxTensor.ToFloatArray(unlabelled.GetInitializer(weight.Name)), a, weight.Name);
            CollectionAssert.AreNotEqual(OnnxTensor.ToFloatArray(plain.GetInitializer(weight.Name)), a, $"{weight.Name}: distillation trains differently from the labels");
        }
    }

    [TestMethod]
    public void FineTune_ValidationData_ReportsEpochsStopsEarlyAndKeepsTheBest()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        // The same rows with every class shifted by one: the better the model fits the labels, the worse it does here.
        var shifted = TestData.Rows(90, 2).Select(r => new TestData.Row { Features = r.Features, Class = (r.Class + 1) % TestData.ClassCount }).ToArray();
        var raw = ml.Data.LoadFromEnumerable(shifted);
        var validation = ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(raw).Transform(raw);
        var tuned = ml.Pruning().Magnitude(Classifier(TrainedMlp(ml, data), new FineTuneOptions
        {
            Epochs = 10, BatchSize = 32, LearningRate = 0.01, ValidationData = validation, EarlyStoppingPatience = 2, KeepBest = true,
        })).Fit(data);

        var run = tuned.Report.FineTuning.Single();
        Assert.IsTrue(tuned.Report.StoppedEarly);
        int best = tuned.Report.BestEpoch!.Value;
        Assert.HasCount(best + 2, run.Epochs);
        Assert.IsTrue(run.Epochs.All(e => e.ValidationLoss is not null && e.ValidationAccuracy is not null));
        Assert.AreEqual(run.Epochs.Min(e => e.ValidationLoss!.Value), run.Epochs[best - 1].ValidationLoss!.Value);
        Assert.AreEqual(best, run.RestoredEpoch, "keep-best ends with the best epoch's weights");
        string report = tuned.Report.ToString();
        StringAssert.Contains(report, $"best epoch {best}");
        StringAssert.Contains(report, "stopped early");
    }

    [TestMethod]
    public void FineTune_DivergingLoss_DoesNotThrowRestoresThePrunedWeightsAndReportsIt()
    {
        var ml = new MLContext(1);
        var warnings = new ConcurrentQueue<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) warnings.Enqueue(e.Message); };
        var data = TestData.Multiclass(ml);
        var model = TrainedMlp(ml, data);
        var oneShot = ml.Pruning().Magnitude(Classifier(model, null)).Fit(data).Model;
        var tuned = ml.Pruning().Magnitude(Classifier(model, new FineTuneOptions { Epochs = 2, BatchSize = 32, LearningRate = 1e30 })).Fit(data);

        Assert.IsTrue(tuned.Report.Diverged);
        Assert.AreEqual(0, tuned.Report.FineTuning.Single().RestoredEpoch);
        StringAssert.Contains(tuned.Report.ToString(), "restored the weights from before training");
        Assert.IsTrue(warnings.Any(w => w.Contains("diverged")), "the log warns");
        foreach (var weight in oneShot.GetPrunableWeights())
            CollectionAssert.AreEqual(OnnxTensor.ToFloatArray(oneShot.GetInitializer(weight.Name)), OnnxTensor.ToFloatArray(tuned.Model.GetInitializer(weight.Name)), weight.Name);
    }
}
