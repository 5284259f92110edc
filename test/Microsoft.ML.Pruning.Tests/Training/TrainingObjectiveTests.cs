using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Training;

/// <summary>The batch loss against formulas written out here in doubles.</summary>
[TestClass]
public sealed class TrainingObjectiveTests
{
    private static float[] Random(int count, int seed, double scale = 2)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    private static double[] LogSoftmax(float[] row, double temperature)
    {
        var z = row.Select(v => v / temperature).ToArray();
        double max = z.Max(), log = Math.Log(z.Sum(v => Math.Exp(v - max))) + max;
        return z.Select(v => v - log).ToArray();
    }

    private static double Value(Tensor loss) => loss.item<float>();

    [TestMethod]
    public void Compute_DistillationWithLabels_MixesCrossEntropyAndTemperedKl()
    {
        const int Rows = 5, Classes = 4;
        const double Alpha = 0.3, T = 2;
        float[] student = Random(Rows * Classes, 1), teacher = Random(Rows * Classes, 2);
        long[] labels = [0, 3, 1, 2, 3];
        double ce = 0, kl = 0;
        for (int r = 0; r < Rows; r++)
        {
            var s = student.Skip(r * Classes).Take(Classes).ToArray();
            var t = teacher.Skip(r * Classes).Take(Classes).ToArray();
            ce -= LogSoftmax(s, 1)[labels[r]];
            double[] ls = LogSoftmax(s, T), lt = LogSoftmax(t, T);
            for (int c = 0; c < Classes; c++) kl += Math.Exp(lt[c]) * (lt[c] - ls[c]);
        }
        double expected = (1 - Alpha) * ce / Rows + Alpha * T * T * kl / Rows;

        using var scope = NewDisposeScope();
        var settings = new TrainingSettings { Loss = TrainingLoss.CrossEntropy, ScoreKind = ScoreKind.Logits, Distillation = new DistillationOptions { Temperature = T, Weight = Alpha } };
        using var objective = new TrainingObjective(settings, labelled: true, hasTeacher: true, log: null);
        double actual = Value(objective.Compute(tensor(student, [Rows, Classes]), tensor(labels), tensor(teacher, [Rows, Classes])));
        Assert.AreEqual(expected, actual, 1e-5);
    }

    [TestMethod]
    public void Compute_BinaryDistillationWithoutLabels_IsTemperedBernoulliKl()
    {
        const double T = 3;
        float[] student = Random(6, 3), teacher = Random(6, 4);
        double expected = 0;
        for (int r = 0; r < 6; r++)
        {
            double ps = 1 / (1 + Math.Exp(-student[r] / T)), pt = 1 / (1 + Math.Exp(-teacher[r] / T));
            expected += pt * Math.Log(pt / ps) + (1 - pt) * Math.Log((1 - pt) / (1 - ps));
        }
        expected *= T * T / 6;
        using var scope = NewDisposeScope();
        var settings = new TrainingSettings { Loss = TrainingLoss.BinaryCrossEntropy, Distillation = new DistillationOptions { Temperature = T } };
        using var objective = new TrainingObjective(settings, labelled: false, hasTeacher: true, log: null);
        Assert.AreEqual(expected, Value(objective.Compute(tensor(student, [6, 1]), null, tensor(teacher, [6, 1]))), 1e-5);
    }

    [TestMethod]
    [DataRow(EmbeddingLoss.Cosine)]
    [DataRow(EmbeddingLoss.MeanSquaredError)]
    public void Compute_EmbeddingsWithoutLabels_IsTheEmbeddingLossAlone(EmbeddingLoss kind)
    {
        const int Rows = 3, Width = 5;
        float[] student = Random(Rows * Width, 5), teacher = Random(Rows * Width, 6);
        double expected = 0;
        for (int r = 0; r < Rows; r++)
        {
            var s = student.Skip(r * Width).Take(Width).Select(v => (double)v).ToArray();
            var t = teacher.Skip(r * Width).Take(Width).Select(v => (double)v).ToArray();
            expected += kind == EmbeddingLoss.Cosine
                ? 1 - s.Zip(t).Sum(p => p.First * p.Second) / Math.Sqrt(s.Sum(v => v * v) * t.Sum(v => v * v))
                : s.Zip(t).Sum(p => (p.First - p.Second) * (p.First - p.Second)) / Width;
        }
        expected /= Rows;
        using var scope = NewDisposeScope();
        var settings = new TrainingSettings { Loss = TrainingLoss.MeanSquaredError, Distillation = new DistillationOptions { EmbeddingLoss = kind, Weight = 0.2 } };
        using var objective = new TrainingObjective(settings, labelled: false, hasTeacher: true, log: null);
        Assert.IsTrue(objective.UsesTeacher);
        Assert.AreEqual(expected, Value(objective.Compute(tensor(student, [Rows, Width]), null, tensor(teacher, [Rows, Width]))), 1e-5);
    }

    [TestMethod]
    public void Compute_CosineOnFeaturizerOutput_ComparesEachRowsChannelsNotTheTrailingOnes()
    {
        // A CNN featurizer's [N, C, 1, 1]: the cosine is over each row's C values, as if the output were [N, C].
        const int Rows = 2, Channels = 4;
        float[] student = Random(Rows * Channels, 7), teacher = Random(Rows * Channels, 8);
        using var scope = NewDisposeScope();
        var settings = new TrainingSettings { Loss = TrainingLoss.MeanSquaredError, Distillation = new DistillationOptions { EmbeddingLoss = EmbeddingLoss.Cosine } };
        using var objective = new TrainingObjective(settings, labelled: false, hasTeacher: true, log: null);
        double asFeatures = Value(objective.Compute(tensor(student, [Rows, Channels, 1, 1]), null, tensor(teacher, [Rows, Channels, 1, 1])));
        double asMatrix = Value(objective.Compute(tensor(student, [Rows, Channels]), null, tensor(teacher, [Rows, Channels])));
        Assert.AreEqual(asMatrix, asFeatures, 1e-6);
        Assert.IsGreaterThan(0.01, asFeatures, "seeded random vectors are not parallel");

        // One value per row has no direction: refused, naming the option to use instead.
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => objective.Compute(tensor(student[..Rows], [Rows, 1]), null, tensor(teacher[..Rows], [Rows, 1])));
        StringAssert.Contains(ex.Message, "EmbeddingLoss.MeanSquaredError");
    }

    [TestMethod]
    [DataRow(EmbeddingLoss.Cosine)]
    [DataRow(EmbeddingLoss.MeanSquaredError)]
    public void Compute_TokenEmbeddingsWithPaddingMask_LeavesPaddedPositionsOut(EmbeddingLoss kind)
    {
        // Two rows of three positions, 4 values each; the second row's last two positions are padding.
        const int Rows = 2, Positions = 3, Width = 4;
        float[] student = Random(Rows * Positions * Width, 9), teacher = Random(Rows * Positions * Width, 10);
        long[] mask = [1, 1, 1, 1, 0, 0];
        using var scope = NewDisposeScope();
        var settings = new TrainingSettings { Loss = TrainingLoss.MeanSquaredError, Distillation = new DistillationOptions { EmbeddingLoss = kind } };
        using var objective = new TrainingObjective(settings, labelled: false, hasTeacher: true, log: null);
        double masked = Value(objective.Compute(tensor(student, [Rows, Positions, Width]), null, tensor(teacher, [Rows, Positions, Width]), tensor(mask, [Rows, Positions])));

        // The same loss over the four real positions alone, as a [4, 1, Width] batch.
        int[] real = [0, 1, 2, 3];
        float[] Pick(float[] values) => [.. real.SelectMany(p => values.Skip(p * Width).Take(Width))];
        double expected = Value(objective.Compute(tensor(Pick(student), [real.Length, 1, Width]), null, tensor(Pick(teacher), [real.Length, 1, Width])));
        Assert.AreEqual(expected, masked, 1e-5);

        double unmasked = Value(objective.Compute(tensor(student, [Rows, Positions, Width]), null, tensor(teacher, [Rows, Positions, Width])));
        Assert.AreNotEqual(unmasked, masked, 1e-4, "the padded positions must have changed the plain mean");
    }

    [TestMethod]
    public void Compute_ProbabilitiesAuto_TakesThemAsProbabilitiesAndSaysSo()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(Random(12, 7), [4, 3]);
        var labels = tensor(new long[] { 2, 0, 1, 1 });
        var log = new List<string>();
        using var objective = new TrainingObjective(new TrainingSettings { Loss = TrainingLoss.CrossEntropy }, labelled: true, hasTeacher: false, log.Add);
        double fromProbabilities = Value(objective.Compute(logits.softmax(1), labels, null));
        Assert.AreEqual(Value(nn.functional.cross_entropy(logits, labels)), fromProbabilities, 1e-5, "NLL of log p = cross-entropy of the logits");
        Assert.HasCount(1, log);
        StringAssert.Contains(log[0], "probabilities");
    }

    [TestMethod]
    public void Compute_LogitsAuto_TakesThemAsLogits()
    {
        using var scope = NewDisposeScope();
        var logits = tensor(Random(12, 8), [4, 3]);
        var labels = tensor(new long[] { 2, 0, 1, 1 });
        using var objective = new TrainingObjective(new TrainingSettings { Loss = TrainingLoss.CrossEntropy }, labelled: true, hasTeacher: false, log: null);
        Assert.AreEqual(Value(nn.functional.cross_entropy(logits, labels)), Value(objective.Compute(logits, labels, null)), 1e-6);
    }

    [TestMethod]
    public void TrainingObjective_NoLabelsNoDistillation_ThrowsNothingToTrainTowards()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => new TrainingObjective(new TrainingSettings(), labelled: false, hasTeacher: false, log: null));
        StringAssert.Contains(ex.Message, "no labels");
    }
}
