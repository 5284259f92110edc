using System;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Training;

[TestClass]
public sealed class ProximalRegularizerTests
{
    private const int Width = 6, Hidden = 5, Classes = 3, Rows = 24;

    private static OnnxModel Model() => MlpGraphBuilder.Build("Features", Width, [Hidden], Classes, MlpActivation.Relu, MlpHead.Multiclass, 3);

    private static TrainingData Data(int rows = Rows, int seed = 2)
    {
        var random = new Random(seed);
        var x = new float[rows * Width];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        var y = Enumerable.Range(0, rows).Select(_ => (float)random.Next(Classes)).ToArray();
        return new TrainingData(x, Width, y);
    }

    /// <summary>One full-batch step of plain SGD (no momentum): the same step with and without a regularizer sees the same gradient.</summary>
    private static TrainingSettings OneSgdStep(double learningRate = 0.1) =>
        new() { Epochs = 1, BatchSize = Rows, LearningRate = learningRate, Optimizer = TrainingOptimizer.SgdMomentum, Momentum = 0, Seed = 1 };

    private static (float[] Weight1, float[] Bias1, float[] Weight2, TrainingResult Result) Train(TrainingSettings settings, TrainingRegularization? regularization)
    {
        using var trainer = new MaskedTrainer(Model(), MlpGraphBuilder.LogitsName, CPU);
        var result = ((IMaskedTraining)trainer).Train(Data(), settings, regularization: regularization);
        return (trainer.ReadWeights("fc1.weight"), trainer.ReadWeights("fc1.bias"), trainer.ReadWeights("fc2.weight"), result);
    }

    private static L1Regularization L1(double lambda, params string[] names) =>
        new() { Weights = [.. names.Select(n => new RegularizedWeight(n, lambda))] };

    private static GroupL1Regularization GroupL1(double lambda, params string[] names) =>
        new() { Weights = [.. names.Select(n => new RegularizedWeight(n, lambda, OutputAxis: 0))] }; // [out, in] with transB = 1

    [TestMethod]
    public void L1_OneSgdStep_IsTheSoftThresholdOfThePlainStep()
    {
        const double LearningRate = 0.1, Lambda = 0.3; // threshold 0.03
        var plain = Train(OneSgdStep(LearningRate), null);
        var lasso = Train(OneSgdStep(LearningRate), L1(Lambda, "fc1.weight"));
        int zeros = 0;
        for (int i = 0; i < plain.Weight1.Length; i++)
        {
            float w = plain.Weight1[i];
            float expected = MathF.Sign(w) * MathF.Max(MathF.Abs(w) - (float)(LearningRate * Lambda), 0);
            Assert.AreEqual(expected, lasso.Weight1[i], 1e-6f, $"fc1.weight[{i}]: plain step {w}");
            if (expected == 0) { Assert.AreEqual(0f, lasso.Weight1[i], $"fc1.weight[{i}] is exactly zero"); zeros++; }
        }
        Assert.IsGreaterThan(0, zeros, "some weights lie within the threshold and become exactly zero");
        CollectionAssert.AreEqual(plain.Weight2, lasso.Weight2, "fc2.weight is not named, so it takes the plain step");
    }

    [TestMethod]
    public void L1_BiasesAreUntouched_EvenWithAHugeLambda()
    {
        var plain = Train(OneSgdStep(), null);
        var lasso = Train(OneSgdStep(), L1(1e6, "fc1.weight", "fc2.weight"));
        CollectionAssert.AreEqual(plain.Bias1, lasso.Bias1, "biases are not penalized");
        Assert.IsTrue(lasso.Weight1.All(v => v == 0) && lasso.Weight2.All(v => v == 0), "every named weight is zero");
        Assert.IsTrue(lasso.Bias1.Any(v => v != 0));
    }

    [TestMethod]
    public void GroupL1_OneSgdStep_ShrinksEachUnitByItsNorm()
    {
        const double LearningRate = 0.1;
        var plain = Train(OneSgdStep(LearningRate), null);
        // λ puts the threshold halfway between the second and third smallest unit norms after the plain step.
        var norms = Enumerable.Range(0, Hidden).Select(u => Math.Sqrt(plain.Weight1.Skip(u * Width).Take(Width).Sum(v => (double)v * v))).Order().ToArray();
        double threshold = (norms[1] + norms[2]) / 2, lambda = threshold / (LearningRate * Math.Sqrt(Width));
        var group = Train(OneSgdStep(LearningRate), GroupL1(lambda, "fc1.weight"));
        int zeroUnits = 0;
        for (int u = 0; u < Hidden; u++)
        {
            var row = plain.Weight1.Skip(u * Width).Take(Width).ToArray();
            double norm = Math.Sqrt(row.Sum(v => (double)v * v));
            double factor = Math.Max(0, 1 - threshold / norm);
            zeroUnits += factor == 0 ? 1 : 0;
            for (int i = 0; i < Width; i++)
                Assert.AreEqual((float)(row[i] * factor), group.Weight1[u * Width + i], 1e-6f, $"unit {u}, input {i} (norm {norm}, factor {factor})");
        }
        Assert.AreEqual(2, zeroUnits, $"the threshold {threshold} zeroes the two units of smallest norm");
        Assert.AreEqual(2 * Width, group.Weight1.Count(v => v == 0), "exactly their weights are zero");
    }

    [TestMethod]
    public void GroupL1_Training_ZeroesWholeRowsOnly()
    {
        var settings = new TrainingSettings { Epochs = 5, BatchSize = 8, LearningRate = 0.05, Seed = 4 };
        var group = Train(settings, GroupL1(0.4, "fc1.weight"));
        int zeroRows = 0;
        for (int u = 0; u < Hidden; u++)
        {
            var row = group.Weight1.Skip(u * Width).Take(Width).ToArray();
            bool allZero = row.All(v => v == 0);
            zeroRows += allZero ? 1 : 0;
            Assert.IsTrue(allZero || row.All(v => v != 0), $"unit {u} is either entirely zero or has no zero: [{string.Join(", ", row)}]");
        }
        Assert.IsGreaterThan(0, zeroRows, "some units reached zero");
        var last = group.Result.Regularization[^1];
        Assert.AreEqual(Hidden - zeroRows, last.Measures["fc1.weight units"], "the trace counts non-zero units");
        Assert.AreEqual((Hidden - zeroRows) * Width, last.NonZeros["fc1.weight"]);
    }

    [TestMethod]
    public void L1_ZeroLambda_EqualsPlainTraining()
    {
        var settings = new TrainingSettings { Epochs = 3, BatchSize = 8, LearningRate = 0.01, Seed = 9 }; // Adam
        var plain = Train(settings, null);
        var lasso = Train(settings, L1(0, "fc1.weight", "fc2.weight"));
        CollectionAssert.AreEqual(plain.Weight1, lasso.Weight1);
        CollectionAssert.AreEqual(plain.Weight2, lasso.Weight2);
        CollectionAssert.AreEqual(plain.Result.Epochs.Select(e => e.MeanLoss).ToArray(), lasso.Result.Epochs.Select(e => e.MeanLoss).ToArray());
        Assert.HasCount(3, lasso.Result.Regularization);
        Assert.AreEqual(0, lasso.Result.Regularization[^1].Penalty);
        Assert.IsEmpty(plain.Result.Regularization, "an unregularized run has no trace");
    }

    [TestMethod]
    public void L1_Trace_CountsNonZerosAndPenaltyPerEpoch()
    {
        const double Lambda = 1;
        var settings = new TrainingSettings { Epochs = 4, BatchSize = 8, LearningRate = 0.02, Seed = 5 };
        var lasso = Train(settings, L1(Lambda, "fc1.weight"));
        Assert.HasCount(4, lasso.Result.Regularization);
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, lasso.Result.Regularization.Select(r => r.Epoch).ToArray());
        var last = lasso.Result.Regularization[^1];
        Assert.AreEqual(lasso.Weight1.LongCount(v => v != 0), last.NonZeros["fc1.weight"]);
        Assert.AreEqual(Lambda * lasso.Weight1.Sum(v => Math.Abs((double)v)), last.Penalty, 1e-4);
        Assert.IsFalse(last.NonZeros.ContainsKey("fc2.weight"), "only the regularized weights are traced");
        var nonZeros = lasso.Result.Regularization.Select(r => r.NonZeros["fc1.weight"]).ToArray();
        Assert.IsLessThan(Width * Hidden, nonZeros[^1], "the proximal steps made zeros");
        Assert.IsGreaterThan(0L, nonZeros[^1], "but not every weight is zero");
    }

    [TestMethod]
    public void Regularizer_UnknownWeight_ThrowsNamingIt()
    {
        using var trainer = new MaskedTrainer(Model(), MlpGraphBuilder.LogitsName, CPU);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ((IMaskedTraining)trainer).Train(Data(), OneSgdStep(), regularization: L1(0.1, "nope.weight")));
        StringAssert.Contains(ex.Message, "'nope.weight'");
    }

    [TestMethod]
    public void Regularization_NegativeOrNaNLambda_ThrowsNamingTheWeight()
    {
        foreach (double lambda in new[] { -1.0, double.NaN, double.PositiveInfinity })
        {
            var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => L1(lambda, "fc1.weight").Validate());
            StringAssert.Contains(ex.Message, "'fc1.weight'");
        }
        Assert.ThrowsExactly<ArgumentException>(() => new L1Regularization().Validate());
    }

    [TestMethod]
    public void GroupL1_OutputAxisBeyondTheRank_Throws()
    {
        using var trainer = new MaskedTrainer(Model(), MlpGraphBuilder.LogitsName, CPU);
        var description = new GroupL1Regularization { Weights = [new RegularizedWeight("fc1.weight", 0.1, OutputAxis: 2)] };
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ((IMaskedTraining)trainer).Train(Data(), OneSgdStep(), regularization: description));
    }

    [TestMethod]
    public void Checkpoint_Restore_PutsBackTheWeights()
    {
        using var trainer = new MaskedTrainer(Model(), MlpGraphBuilder.LogitsName, CPU);
        IMaskedTraining training = trainer;
        var before = trainer.ReadWeights("fc1.weight");
        using var checkpoint = training.Checkpoint();
        training.Train(Data(), OneSgdStep(), regularization: L1(0.5, "fc1.weight"));
        CollectionAssert.AreNotEqual(before, trainer.ReadWeights("fc1.weight"));
        checkpoint.Restore();
        CollectionAssert.AreEqual(before, trainer.ReadWeights("fc1.weight"));
    }
}
