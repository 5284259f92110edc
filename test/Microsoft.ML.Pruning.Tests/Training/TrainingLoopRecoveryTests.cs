using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Training;

/// <summary>The loop's schedule, clipping, divergence recovery, validation, early stopping and keep-best.</summary>
[TestClass]
public sealed class TrainingLoopRecoveryTests
{
    private static TrainingData Blobs(int rows, int width, int classes, int seed, Func<int, int>? relabel = null)
    {
        var random = new Random(seed);
        var x = new float[rows * width];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int c = r % classes;
            for (int f = 0; f < width; f++) x[r * width + f] = (float)(random.NextDouble() - 0.5 + (f == c ? 2 : 0));
            y[r] = relabel?.Invoke(c) ?? c;
        }
        return new TrainingData(x, width, y);
    }

    private static void Poison(MaskedTrainer trainer, string weight)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var nan = float.NaN.ToScalar();
        trainer.Module.GetParameter(weight).fill_(nan);
        GC.KeepAlive(nan);
    }

    [TestMethod]
    public void Train_NaNLossInEpochThree_StopsRestoresEpochTwosWeightsAndSaysSo()
    {
        var model = MlpGraphBuilder.Build("Features", 4, [8], 3, MlpActivation.Relu, MlpHead.Multiclass, 1);
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        var atEpochTwo = new Dictionary<string, float[]>();
        const int StepsPerEpoch = 4;
        var result = trainer.Train(Blobs(64, 4, 3, 1), new TrainingSettings { Epochs = 5, BatchSize = 16 }, new TrainingHooks
        {
            EpochCompleted = e => { if (e.Epoch == 2) foreach (var w in trainer.ParameterNames) atEpochTwo[w] = trainer.ReadWeights(w); },
            StepCompleted = step => { if (step == 2 * StepsPerEpoch + 1) Poison(trainer, "fc1.weight"); },
        });

        Assert.IsTrue(result.Diverged);
        Assert.HasCount(2, result.Epochs);
        Assert.AreEqual(2, result.RestoredEpoch);
        StringAssert.Contains(result.Divergence, "NaN");
        StringAssert.Contains(result.Divergence, "epoch 3");
        StringAssert.Contains(result.Divergence, "restored the weights of epoch 2");
        foreach (var (name, values) in atEpochTwo)
            CollectionAssert.AreEqual(values, trainer.ReadWeights(name), name);
    }

    [TestMethod]
    public void Train_NaNLossInEpochOne_RestoresTheWeightsFromBeforeTraining()
    {
        var model = MlpGraphBuilder.Build("Features", 4, [8], 3, MlpActivation.Relu, MlpHead.Multiclass, 1);
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        var before = trainer.ParameterNames.ToDictionary(w => w, trainer.ReadWeights);
        var result = trainer.Train(Blobs(64, 4, 3, 1), new TrainingSettings { Epochs = 3, BatchSize = 16 },
            new TrainingHooks { StepCompleted = step => { if (step == 1) Poison(trainer, "fc2.weight"); } });

        Assert.IsTrue(result.Diverged);
        Assert.IsEmpty(result.Epochs);
        Assert.AreEqual(0, result.RestoredEpoch);
        StringAssert.Contains(result.Divergence, "before training");
        foreach (var (name, values) in before)
            CollectionAssert.AreEqual(values, trainer.ReadWeights(name), name);
    }

    /// <summary>
    /// y = w·x + b trained by full-batch SGD towards y = 2x from w below 1; the validation rows follow y = x, so their
    /// loss falls while w approaches 1 and rises after it passes: the best epoch is in the middle of the run.
    /// </summary>
    private static (MaskedTrainer Trainer, TrainingData Train, TrainingData Validation) LinePastItsBest()
    {
        var model = MlpGraphBuilder.Build("Features", 1, [], 1, MlpActivation.Relu, MlpHead.Regression, 3);
        const int Rows = 50;
        var x = Enumerable.Range(0, Rows).Select(i => -1 + 2f * i / (Rows - 1)).ToArray();
        var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        Assert.IsLessThan(0.5f, trainer.ReadWeights("fc1.weight")[0], "the crafted run needs w to start below 1");
        return (trainer, new TrainingData(x, 1, x.Select(v => 2 * v).ToArray()), new TrainingData(x, 1, x.ToArray()));
    }

    private static readonly TrainingSettings LineSettings = new()
    {
        Epochs = 30, BatchSize = 50, LearningRate = 0.3, Optimizer = TrainingOptimizer.SgdMomentum, Momentum = 0, Loss = TrainingLoss.MeanSquaredError,
    };

    [TestMethod]
    public void Train_EarlyStopping_StopsPatienceEpochsAfterTheBestValidationLoss()
    {
        var (trainer, train, validation) = LinePastItsBest();
        using var _ = trainer;
        var weights = new List<(float W, float B)>();
        var result = trainer.Train(train, LineSettings with { EarlyStoppingPatience = 2 },
            new TrainingHooks { EpochCompleted = e => weights.Add((trainer.ReadWeights("fc1.weight")[0], trainer.ReadWeights("fc1.bias")[0])) }, validation);

        var losses = result.Epochs.Select(e => e.ValidationLoss!.Value).ToArray();
        int best = Array.IndexOf(losses, losses.Min()) + 1;
        Assert.IsGreaterThan(1, best, "the crafted validation loss falls first");
        Assert.AreEqual(best, result.BestEpoch);
        Assert.IsTrue(result.StoppedEarly);
        Assert.HasCount(best + 2, result.Epochs, "two epochs without improvement, then stop");
        for (int e = 0; e < losses.Length; e++)
        {
            // The reported validation loss is the mean squared error of that epoch's line on y = x.
            var (w, b) = weights[e];
            double expected = validation.Features.Select((v, i) => Math.Pow(w * v + b - validation.Labels![i], 2)).Average();
            Assert.AreEqual(expected, losses[e], 1e-5, $"epoch {e + 1}");
        }
        Assert.IsNull(result.Epochs[0].ValidationAccuracy, "no accuracy for regression");
    }

    [TestMethod]
    public void Train_KeepBest_EndsWithTheBestEpochsWeights()
    {
        var (trainer, train, validation) = LinePastItsBest();
        using var _ = trainer;
        var byEpoch = new List<float[]>();
        var result = trainer.Train(train, LineSettings with { Epochs = 12, KeepBest = true },
            new TrainingHooks { EpochCompleted = e => byEpoch.Add([trainer.ReadWeights("fc1.weight")[0], trainer.ReadWeights("fc1.bias")[0]]) }, validation);

        Assert.HasCount(12, result.Epochs);
        Assert.IsFalse(result.StoppedEarly);
        int best = result.BestEpoch!.Value;
        Assert.IsLessThan(12, best);
        Assert.AreEqual(best, result.RestoredEpoch);
        CollectionAssert.AreEqual(byEpoch[best - 1], new[] { trainer.ReadWeights("fc1.weight")[0], trainer.ReadWeights("fc1.bias")[0] });
        CollectionAssert.AreNotEqual(byEpoch[^1], byEpoch[best - 1], "the last epoch's weights differ from the best's");
    }

    [TestMethod]
    public void Train_ValidationOnClassification_ReportsAccuracyPerEpoch()
    {
        var model = MlpGraphBuilder.Build("Features", 4, [8], 3, MlpActivation.Relu, MlpHead.Multiclass, 1);
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        var result = trainer.Train(Blobs(96, 4, 3, 1), new TrainingSettings { Epochs = 6, BatchSize = 16, LearningRate = 0.02 }, null, Blobs(30, 4, 3, 2));
        Assert.HasCount(6, result.Epochs);
        Assert.IsTrue(result.Epochs.All(e => e.ValidationAccuracy is >= 0 and <= 1));
        Assert.IsGreaterThan(0.9, result.Epochs[^1].ValidationAccuracy!.Value, "separable blobs are learned");
        StringAssert.Contains(result.Epochs[^1].ToString(), "validation accuracy");
    }

    [TestMethod]
    public void Train_CosineWithWarmup_StepsUseTheSchedulesRates()
    {
        // Plain SGD on a linear model: replaying the recorded batch orders with LearningRateAt gives the same weights.
        const int Rows = 40, Width = 3, Classes = 2, Batch = 8, Epochs = 3;
        var model = MlpGraphBuilder.Build("Features", Width, [], Classes, MlpActivation.Relu, MlpHead.Multiclass, 7);
        var initialWeight = Microsoft.ML.Pruning.Onnx.OnnxTensor.ToFloatArray(model.GetInitializer("fc1.weight"));
        var initialBias = Microsoft.ML.Pruning.Onnx.OnnxTensor.ToFloatArray(model.GetInitializer("fc1.bias"));
        var data = Blobs(Rows, Width, Classes, 3);
        var settings = new TrainingSettings
        {
            Epochs = Epochs, BatchSize = Batch, LearningRate = 0.5, MinimumLearningRate = 0.05, LearningRateSchedule = LearningRateSchedule.Cosine,
            WarmupSteps = 3, Optimizer = TrainingOptimizer.SgdMomentum, Momentum = 0, Seed = 5,
        };
        var orders = new List<int[]>();
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        var result = trainer.Train(data, settings, new TrainingHooks { EpochShuffled = (_, order) => orders.Add(order.ToArray()) });
        Assert.AreEqual(settings.LearningRateAt(Rows / Batch * Epochs - 1, Rows / Batch * Epochs), result.Epochs[^1].LearningRate, 1e-15);

        using var scope = NewDisposeScope();
        var w = tensor(initialWeight, [Classes, Width]).requires_grad_(true);
        var b = tensor(initialBias, [Classes]).requires_grad_(true);
        var x = tensor(data.Features, [Rows, Width]);
        var y = tensor(data.Labels!.Select(l => (long)l).ToArray(), [Rows]);
        long step = 0;
        foreach (var order in orders)
        {
            for (int start = 0; start < Rows; start += Batch, step++)
            {
                double lr = settings.LearningRateAt(step, Rows / Batch * Epochs);
                var index = tensor(order.Skip(start).Take(Batch).Select(i => (long)i).ToArray());
                nn.functional.cross_entropy(x.index_select(0, index).matmul(w.t()) + b, y.index_select(0, index)).backward();
                using (no_grad())
                {
                    w.sub_(w.grad! * lr);
                    b.sub_(b.grad! * lr);
                }
                w.grad!.zero_();
                b.grad!.zero_();
            }
        }
        var trained = trainer.ReadWeights("fc1.weight");
        var replayed = w.detach().data<float>().ToArray();
        for (int i = 0; i < trained.Length; i++) Assert.AreEqual(replayed[i], trained[i], 1e-5, $"fc1.weight[{i}]");
    }

    [TestMethod]
    public void Train_DropoutModelWithTeacher_ValidatesAndTeachesInEvalMode()
    {
        // X → Gemm → Dropout(0.5). In training mode the student's Dropout is active; validation and the teacher must run
        // in eval mode, so the reported validation loss is the dropout-free MSE between the epoch's line and the dense one.
        const int Rows = 32, Width = 4, Outputs = 3;
        var model = Engine.TestGraphs.BuildModel(13,
            [Engine.TestGraphs.Node("Gemm", ["X", "W", "B"], ["H"], "fc", Engine.TestGraphs.Attr("transB", 1L)), Engine.TestGraphs.Node("Dropout", ["H"], ["Y"], "drop")],
            [Engine.TestGraphs.Floats("W", [Outputs, Width], 1), Engine.TestGraphs.Floats("B", [Outputs], 2)], ["X"], ["Y"]);
        var random = new Random(4);
        var x = Enumerable.Range(0, Rows * Width).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        var data = new TrainingData(x, Width);
        var validation = new TrainingData(x.Take(8 * Width).ToArray(), Width);
        using var trainer = new MaskedTrainer(model, "Y", CPU);
        trainer.SetTeacher(model);
        float[] w0 = trainer.ReadWeights("W"), b0 = trainer.ReadWeights("B");
        var weights = new List<(float[] W, float[] B)>();
        var result = trainer.Train(data, new TrainingSettings
        {
            Epochs = 3, BatchSize = 8, LearningRate = 0.05, Loss = TrainingLoss.MeanSquaredError, Distillation = new DistillationOptions { EmbeddingLoss = EmbeddingLoss.MeanSquaredError },
        }, new TrainingHooks { EpochCompleted = _ => weights.Add((trainer.ReadWeights("W"), trainer.ReadWeights("B"))) }, validation);

        Assert.HasCount(3, result.Epochs);
        for (int e = 0; e < 3; e++)
        {
            var (w, b) = weights[e];
            double sum = 0;
            for (int r = 0; r < 8; r++)
                for (int o = 0; o < Outputs; o++)
                {
                    double student = b[o], teacher = b0[o];
                    for (int i = 0; i < Width; i++)
                    {
                        student += w[o * Width + i] * x[r * Width + i];
                        teacher += w0[o * Width + i] * x[r * Width + i];
                    }
                    sum += (student - teacher) * (student - teacher);
                }
            Assert.AreEqual(sum / (8 * Outputs), result.Epochs[e].ValidationLoss!.Value, 1e-6, $"epoch {e + 1}");
        }
        Assert.IsGreaterThan(0, result.Epochs[^1].ValidationLoss!.Value, "dropout noise moved the student away from the teacher");
    }

    [TestMethod]
    public void Train_ProgressIntervalZero_LogsEveryStep()
    {
        var model = MlpGraphBuilder.Build("Features", 4, [], 3, MlpActivation.Relu, MlpHead.Multiclass, 1);
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        var lines = new List<string>();
        trainer.Train(Blobs(40, 4, 3, 1), new TrainingSettings { Epochs = 2, BatchSize = 10 },
            new TrainingHooks { Log = lines.Add, ProgressInterval = TimeSpan.Zero });
        var steps = lines.Where(l => l.StartsWith("step ", StringComparison.Ordinal)).ToList();
        Assert.HasCount(8, steps);
        StringAssert.StartsWith(steps[^1], "step 8/8 (epoch 2/2): loss ");
    }
}
