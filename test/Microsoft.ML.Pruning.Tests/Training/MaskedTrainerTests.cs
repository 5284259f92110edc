using System;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Training;

[TestClass]
public sealed class MaskedTrainerTests
{
    private static TrainingData RandomData(int rows, int width, int classes, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * width];
        for (int i = 0; i < x.Length; i++) x[i] = (float)random.NextDouble();
        var y = Enumerable.Range(0, rows).Select(_ => (float)random.Next(classes)).ToArray();
        return new TrainingData(x, width, y);
    }

    [TestMethod]
    public void MaskedTrainer_MasksChangedBetweenStepsInsideDisposeScopes_TrainsOnAndKeepsZeros()
    {
        var model = MlpGraphBuilder.Build("Features", 12, [8], 3, MlpActivation.Relu, MlpHead.Multiclass, 1);
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        string[] weights = ["fc1.weight", "fc2.weight"];
        long step = 0;
        var hooks = new TrainingHooks
        {
            StepCompleted = s =>
            {
                step = s;
                using var scope = NewDisposeScope(); // as a caller's code would be
                var layers = weights.Select(w => new LayerValues(w, trainer.ReadWeights(w))).ToList();
                trainer.SetMasks(MaskSelector.SelectByMagnitude(layers, Math.Min(0.8, 0.1 * (s + 1)), PruningScope.Layer));
            },
        };
        trainer.Train(RandomData(256, 12, 3, 2), new TrainingSettings { Epochs = 3, BatchSize = 32 }, hooks);
        Assert.AreEqual(23, step);
        trainer.WriteBack(model);
        foreach (string w in weights)
        {
            var values = OnnxTensor.ToFloatArray(model.GetInitializer(w));
            long zeros = values.LongCount(v => v == 0);
            Assert.AreEqual(MaskSelector.TargetPrunedCount(values.Length, 0.8), zeros, w);
        }
    }

    [TestMethod]
    public void TorchTrainingLoop_EpochShuffled_ReportsTheBatchOrderTheStepsTake()
    {
        // A linear model trained by plain SGD (momentum 0): replaying the reported orders by hand must give the
        // same weights, and the orders must be fresh permutations each epoch.
        const int Rows = 40, Width = 3, Classes = 2, Batch = 8;
        const double LearningRate = 0.5;
        var model = MlpGraphBuilder.Build("Features", Width, [], Classes, MlpActivation.Relu, MlpHead.Multiclass, 7);
        var initialWeight = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.weight"));
        var initialBias = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.bias"));
        var data = RandomData(Rows, Width, Classes, 3);
        var orders = new System.Collections.Generic.List<int[]>();
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        trainer.Train(data, new TrainingSettings { Epochs = 3, BatchSize = Batch, LearningRate = LearningRate, Optimizer = TrainingOptimizer.SgdMomentum, Momentum = 0, Seed = 5 },
            new TrainingHooks { EpochShuffled = (epoch, order) => { Assert.AreEqual(orders.Count + 1, epoch); orders.Add(order.ToArray()); } });

        Assert.AreEqual(3, orders.Count);
        foreach (var order in orders) CollectionAssert.AreEquivalent(Enumerable.Range(0, Rows).ToArray(), order);
        CollectionAssert.AreNotEqual(orders[0], orders[1], "each epoch is shuffled anew");

        using var scope = NewDisposeScope();
        var w = tensor(initialWeight, [Classes, Width]).requires_grad_(true);
        var b = tensor(initialBias, [Classes]).requires_grad_(true);
        var x = tensor(data.Features, [Rows, Width]);
        var y = tensor(data.Labels!.Select(l => (long)l).ToArray(), [Rows]);
        foreach (var order in orders)
        {
            for (int start = 0; start < Rows; start += Batch)
            {
                var index = tensor(order.Skip(start).Take(Batch).Select(i => (long)i).ToArray());
                nn.functional.cross_entropy(x.index_select(0, index).matmul(w.t()) + b, y.index_select(0, index)).backward();
                using (no_grad())
                {
                    w.sub_(w.grad! * LearningRate);
                    b.sub_(b.grad! * LearningRate);
                }
                w.grad!.zero_();
                b.grad!.zero_();
            }
        }
        var trainedWeight = trainer.ReadWeights("fc1.weight");
        var replayedWeight = w.detach().data<float>().ToArray();
        for (int i = 0; i < trainedWeight.Length; i++)
            Assert.AreEqual(replayedWeight[i], trainedWeight[i], 1e-5, $"fc1.weight[{i}]");
        CollectionAssert.AreNotEqual(initialWeight, trainedWeight, "training moved the weights");
    }

    [TestMethod]
    public void TorchTrainingLoop_Canceled_ThrowsOperationCanceled()
    {
        var model = MlpGraphBuilder.Build("Features", 4, [], 2, MlpActivation.Relu, MlpHead.Multiclass, 1);
        using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
        int polls = 0;
        Assert.ThrowsExactly<OperationCanceledException>(() => trainer.Train(RandomData(64, 4, 2, 1), new TrainingSettings { Epochs = 5, BatchSize = 8 },
            new TrainingHooks { IsCanceled = () => ++polls > 3 }));
        Assert.AreEqual(4, polls, "checked once per batch, stopped at the first true");
    }

    [TestMethod]
    [DataRow(0, 128, 1e-3)]
    [DataRow(1, 0, 1e-3)]
    [DataRow(1, 128, 0.0)]
    [DataRow(1, 128, double.NaN)]
    public void TrainingSettings_InvalidValue_ThrowsNamingOption(int epochs, int batch, double learningRate)
    {
        var settings = new TrainingSettings { Epochs = epochs == 0 ? -1 : epochs, BatchSize = batch, LearningRate = learningRate };
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => settings.Validate("test"));
        Assert.IsTrue(ex.ParamName is "Epochs" or "BatchSize" or "LearningRate", ex.ParamName);
    }
}
