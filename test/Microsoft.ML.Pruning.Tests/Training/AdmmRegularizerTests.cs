using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Training;

/// <summary>
/// ADMM pruning through the training loop's regularizer hook: the ρ term on the chosen weights' gradients only, the
/// Z/U/ρ round updates, the residual history, exact supports, and a hard-pruned result better than magnitude pruning.
/// </summary>
[TestClass]
public sealed class AdmmRegularizerTests
{
    private const int Width = 24, Classes = 4, Hidden = 24;
    private static readonly string[] Weights = ["fc1.weight", "fc2.weight"];

    /// <summary>
    /// Class c lights up its own six redundant features (1 + noise) among 24 noisy ones: a dense net spreads its weight
    /// over every copy, while a sparse one can put all of it on a few.
    /// </summary>
    private static TrainingData Redundant(int rows, int seed)
    {
        var random = new Random(seed);
        var x = new float[rows * Width];
        var y = new float[rows];
        for (int r = 0; r < rows; r++)
        {
            int c = r % Classes;
            for (int f = 0; f < Width; f++) x[r * Width + f] = (float)((random.NextDouble() - 0.5) * 0.8 + (f / 6 == c ? 1 : 0));
            y[r] = c;
        }
        return new TrainingData(x, Width, y);
    }

    private static MaskedTrainer Mlp(int seed = 11) =>
        new(MlpGraphBuilder.Build("Features", Width, [Hidden], Classes, MlpActivation.Relu, MlpHead.Multiclass, seed), MlpGraphBuilder.LogitsName, CPU);

    /// <summary>Mean cross-entropy of the module's logits on <paramref name="data"/>, in inference mode.</summary>
    private static double Loss(MaskedTrainer trainer, TrainingData data)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        trainer.Module.eval();
        var logits = trainer.Module.Forward(new Dictionary<string, Tensor> { ["Features"] = torch.tensor(data.Features, [data.RowCount, Width]) })[MlpGraphBuilder.LogitsName];
        return nn.functional.cross_entropy(logits, torch.tensor(data.Labels!.Select(v => (long)v).ToArray())).item<float>();
    }

    /// <summary>Backward of the batch loss, leaving every parameter's gradient in place.</summary>
    private static void Backward(MaskedTrainer trainer, TrainingData data)
    {
        using var scope = NewDisposeScope();
        trainer.Module.train();
        var logits = trainer.Module.Forward(new Dictionary<string, Tensor> { ["Features"] = torch.tensor(data.Features, [data.RowCount, Width]) })[MlpGraphBuilder.LogitsName];
        nn.functional.cross_entropy(logits, torch.tensor(data.Labels!.Select(v => (long)v).ToArray())).backward();
    }

    private static float[] Gradient(MaskedTrainer trainer, string name)
    {
        using var scope = NewDisposeScope();
        return trainer.Module.GetParameter(name).grad!.cpu().contiguous().data<float>().ToArray();
    }

    private static void SetWeights(MaskedTrainer trainer, string name, float[] values)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var p = trainer.Module.GetParameter(name);
        p.copy_(torch.tensor(values, p.shape));
    }

    private static long KeptOf(MaskedTrainer trainer, string name, double sparsity)
    {
        int n = trainer.ReadWeights(name).Length;
        return n - MaskSelector.TargetPrunedCount(n, sparsity);
    }

    private static AdmmSettings PerLayer(MaskedTrainer trainer, double sparsity) => new()
    {
        Layers = [.. Weights.Select(n => new AdmmLayer(n, Kept: KeptOf(trainer, n, sparsity)))],
    };

    private static double Norm(IEnumerable<float> values) => Math.Sqrt(values.Sum(v => (double)v * v));

    /// <summary>
    /// The comparison of the issue on a task where it is clear: both runs start from the same weights and train 16
    /// epochs with Adam; then both are cut to 10 % of each layer without fine-tuning. Across data/initialization seeds
    /// 1–4 the plain run cut by magnitude ends at a loss of 0.96–1.20 and ADMM's at 0.09–0.25.
    /// </summary>
    [TestMethod]
    public void Run_GrowingRho_PrimalResidualShrinksAndHardPruningLosesLessThanMagnitudePruning()
    {
        var data = Redundant(256, 1);
        var settings = new TrainingSettings { Epochs = 16, BatchSize = 32, LearningRate = 0.01, Seed = 1 };
        const double Sparsity = 0.9;

        using var plain = Mlp();
        plain.Train(data, settings);
        plain.SetMasks(MaskSelector.SelectByMagnitude([.. Weights.Select(w => new LayerValues(w, plain.ReadWeights(w)))], Sparsity, PruningScope.Layer));
        double magnitude = Loss(plain, data);

        using var admm = Mlp();
        var result = admm.TrainAdmm(data, settings, PerLayer(admm, Sparsity) with { Rho = 0.1, RhoFactor = 1.3, RhoMax = 10 });
        admm.SetMasks(result.Masks);
        double admmPruned = Loss(admm, data);

        Assert.HasCount(settings.Epochs, result.Rounds, "one round per epoch");
        var primal = result.Rounds.Select(r => r.PrimalResidual).ToArray();
        Assert.IsLessThan(primal[0] / 3, primal[^1], $"the primal residual shrinks as rho grows: {string.Join(", ", primal.Select(p => p.ToString("F3")))}");
        Assert.IsLessThan(magnitude / 2, admmPruned, $"ADMM hard-pruned {admmPruned:F4} vs magnitude-pruned plain training {magnitude:F4}");
    }

    [TestMethod]
    public void AfterBackward_AddsRhoTimesWMinusZPlusUToTheChosenWeightsGradientsOnly()
    {
        using var trainer = Mlp();
        var settings = new AdmmSettings { Rho = 0.25, RhoSchedule = AdmmRhoSchedule.Constant, Layers = [new AdmmLayer("fc1.weight", Kept: 50)] };
        using var admm = new AdmmRegularizer(trainer.Module, settings);
        // Move W off its projection and end a round, so that Z ≠ Π(W) and U ≠ 0 in the term.
        SetWeights(trainer, "fc1.weight", trainer.ReadWeights("fc1.weight").Select((v, i) => v + (i % 3 == 0 ? 0.2f : -0.1f)).ToArray());
        admm.EndRound();
        SetWeights(trainer, "fc1.weight", trainer.ReadWeights("fc1.weight").Select((v, i) => v * (i % 2 == 0 ? 1.5f : 0.5f)).ToArray());
        var (z, u) = admm.ReadState(0);
        Assert.IsGreaterThan(0.0, Norm(u), "U is not zero after a round with W off Z");

        Backward(trainer, Redundant(32, 2));
        var before = trainer.ParameterNames.ToDictionary(n => n, n => Gradient(trainer, n));
        admm.AfterBackward(step: 0);

        var w = trainer.ReadWeights("fc1.weight");
        var added = Gradient(trainer, "fc1.weight").Select((g, i) => g - before["fc1.weight"][i]).ToArray();
        for (int i = 0; i < w.Length; i++)
            Assert.AreEqual(0.25 * (w[i] - z[i] + u[i]), added[i], 1e-6, $"fc1.weight[{i}]");
        foreach (string name in trainer.ParameterNames.Where(n => n != "fc1.weight"))
            CollectionAssert.AreEqual(before[name], Gradient(trainer, name), $"{name} is not constrained: its gradient is untouched");
    }

    [TestMethod]
    public void EndRound_ProjectsWPlusUUpdatesUAndRescalesItWhenRhoGrows()
    {
        using var trainer = Mlp();
        const int Kept = 40;
        var settings = new AdmmSettings { Rho = 0.5, RhoFactor = 2, RhoMax = 10, Layers = [new AdmmLayer("fc1.weight", Kept: Kept)] };
        using var admm = new AdmmRegularizer(trainer.Module, settings);
        var w0 = trainer.ReadWeights("fc1.weight");
        var (z0, u0) = admm.ReadState(0);
        var top0 = Enumerable.Range(0, w0.Length).OrderByDescending(i => Math.Abs(w0[i])).Take(Kept).ToHashSet();
        CollectionAssert.AreEqual(w0.Select((v, i) => top0.Contains(i) ? v : 0f).ToArray(), z0, "Z starts as the projection of W");
        Assert.IsTrue(u0.All(v => v == 0), "U starts at zero");

        var random = new Random(4);
        var w1 = w0.Select(v => v + (float)(random.NextDouble() - 0.5) * 0.3f).ToArray();
        SetWeights(trainer, "fc1.weight", w1);
        var round = admm.EndRound()!;

        var top1 = Enumerable.Range(0, w1.Length).OrderByDescending(i => Math.Abs(w1[i])).Take(Kept).ToHashSet();
        var z1 = w1.Select((v, i) => top1.Contains(i) ? v : 0f).ToArray();
        var (z, u) = admm.ReadState(0);
        CollectionAssert.AreEqual(z1, z, "Z = Π(W + U) with U = 0");
        for (int i = 0; i < u.Length; i++) Assert.AreEqual((w1[i] - z1[i]) * 0.5 / 1.0, u[i], 1e-7, $"U = (U + W − Z)·ρ_old/ρ_new at {i}");
        Assert.AreEqual(0.5, round.Rho, "the round trained at the first rho");
        Assert.AreEqual(1.0, admm.Rho, "rho doubled for the next round");
        Assert.AreEqual(Norm(w1.Select((v, i) => v - z1[i])) / Norm(w1), round.PrimalResidual, 1e-5);
        Assert.AreEqual(0.5 * Norm(z1.Select((v, i) => v - z0[i])) / Norm(w1), round.DualResidual, 1e-5);
        Assert.AreEqual(round.PrimalResidual, round.Layers[0].PrimalResidual, 1e-12, "one layer: overall = per layer");
        Assert.AreEqual(Kept, round.Layers[0].Kept);
        Assert.AreEqual(top0.Count(i => !top1.Contains(i)) * 2, round.Layers[0].SupportChanges);
        CollectionAssert.AreEquivalent(top1.ToArray(), Enumerable.Range(0, w1.Length).Where(admm.Masks[0].IsKept).ToArray(), "the masks are Z's support");
    }

    [TestMethod]
    public void Run_OneRoundPerEpoch_RecordsResidualsPerRoundAndLayerWithRhoOnSchedule()
    {
        using var trainer = Mlp();
        var settings = PerLayer(trainer, 0.8) with { Rho = 0.01, RhoFactor = 2, RhoMax = 0.03 };
        using var admm = new AdmmRegularizer(trainer.Module, settings);

        TorchTrainingLoop.Run(trainer.Module, Redundant(64, 3), new TrainingSettings { Epochs = 3, BatchSize = 16, LearningRate = 0.01 }, CPU, regularizers: [admm]);

        Assert.HasCount(3, admm.Rounds);
        CollectionAssert.AreEqual(new long[] { 4, 8, 12 }, admm.Rounds.Select(r => r.Steps).ToArray(), "4 steps per epoch");
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, admm.Rounds.Select(r => r.Round).ToArray());
        CollectionAssert.AreEqual(new[] { 0.01, 0.02, 0.03 }, admm.Rounds.Select(r => Math.Round(r.Rho, 12)).ToArray(), "doubled, capped at RhoMax");
        Assert.AreEqual(0.03, admm.Rho, 1e-12);
        foreach (var round in admm.Rounds)
        {
            CollectionAssert.AreEqual(Weights, round.Layers.Select(l => l.Name).ToArray());
            Assert.IsTrue(round.Layers.All(l => double.IsFinite(l.PrimalResidual) && l.PrimalResidual > 0 && double.IsFinite(l.DualResidual) && l.DualResidual >= 0), round.ToString());
            double lo = round.Layers.Min(l => l.PrimalResidual), hi = round.Layers.Max(l => l.PrimalResidual);
            Assert.IsTrue(round.PrimalResidual >= lo - 1e-9 && round.PrimalResidual <= hi + 1e-9, "the overall residual lies between the layers'");
        }
        Assert.IsGreaterThan(0.0, admm.Rounds[1].DualResidual, "Z moves between rounds");
    }

    [TestMethod]
    public void Run_StepsPerRound_EndsARoundEveryNStepsAndTrainAdmmProjectsTheRest()
    {
        using var trainer = Mlp();
        var settings = PerLayer(trainer, 0.8) with { StepsPerRound = 5 };

        var result = trainer.TrainAdmm(Redundant(64, 3), new TrainingSettings { Epochs = 3, BatchSize = 16, LearningRate = 0.01 }, settings);

        CollectionAssert.AreEqual(new long[] { 5, 10, 12 }, result.Rounds.Select(r => r.Steps).ToArray(), "rounds at steps 5 and 10, and a last one for steps 11–12");
        Assert.HasCount(3, result.Training.Epochs);
        Assert.AreEqual(0, result.SkippedRounds);
    }

    [TestMethod]
    public void Run_EpochsPerRound_EndsARoundEveryNEpochsAndTrainAdmmProjectsTheRest()
    {
        using var trainer = Mlp();

        var result = trainer.TrainAdmm(Redundant(64, 3), new TrainingSettings { Epochs = 5, BatchSize = 16, LearningRate = 0.01 }, PerLayer(trainer, 0.8) with { EpochsPerRound = 2 });

        CollectionAssert.AreEqual(new long[] { 8, 16, 20 }, result.Rounds.Select(r => r.Steps).ToArray(), "after epochs 2 and 4, and a last one for epoch 5");
    }

    [TestMethod]
    public void Masks_AfterTraining_KeepExactCountsPerLayerGloballyAndAsWholeUnits()
    {
        var data = Redundant(64, 5);
        var training = new TrainingSettings { Epochs = 2, BatchSize = 16, LearningRate = 0.01 };
        foreach (var (name, target, check) in new (string, Func<MaskedTrainer, AdmmSettings>, Action<IReadOnlyList<PruningMask>>)[]
        {
            ("layer", t => PerLayer(t, 0.75), masks => CollectionAssert.AreEqual(new[] { 144, 24 }, masks.Select(m => m.KeptCount).ToArray())),
            ("global", _ => new AdmmSettings { Scope = PruningScope.Global, KeptTotal = 100, Layers = [.. Weights.Select(w => new AdmmLayer(w))] },
                masks => Assert.AreEqual(100, masks.Sum(m => m.KeptCount))),
            ("units", _ => new AdmmSettings { Granularity = PruningGranularity.Neuron, Layers = [new AdmmLayer("fc1.weight", Kept: 10), new AdmmLayer("fc2.weight", Kept: 3)] },
                masks =>
                {
                    CollectionAssert.AreEqual(new[] { 10 * Width, 3 * Hidden }, masks.Select(m => m.KeptCount).ToArray());
                    foreach (var (mask, fanIn) in masks.Zip(new[] { Width, Hidden }))
                        for (int unit = 0; unit < mask.Length / fanIn; unit++)
                            Assert.IsTrue(Enumerable.Range(unit * fanIn, fanIn).Select(mask.IsKept).Distinct().Count() == 1, $"{mask.Name} row {unit} whole");
                }),
        })
        {
            using var trainer = Mlp();
            var result = trainer.TrainAdmm(data, training, target(trainer));
            check(result.Masks);
            trainer.SetMasks(result.Masks);
            foreach (var mask in result.Masks)
                Assert.AreEqual(mask.PrunedCount, trainer.ReadWeights(mask.Name).Count(v => v == 0), $"{name}: hard-pruned {mask.Name}");
        }
    }

    [TestMethod]
    public void Constructor_BadSettings_ThrowNamingTheOptionOrWeight()
    {
        using var trainer = Mlp();
        var valid = new AdmmSettings { Layers = [new AdmmLayer("fc1.weight", Kept: 10)] };

        Assert.AreEqual(nameof(AdmmSettings.Rho), Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdmmRegularizer(trainer.Module, valid with { Rho = 0 })).ParamName);
        Assert.AreEqual(nameof(AdmmSettings.Rho), Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new AdmmRegularizer(trainer.Module, valid with { Rho = -1 })).ParamName);
        Assert.AreEqual("Layers['fc1.weight'].Kept", Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            new AdmmRegularizer(trainer.Module, valid with { Layers = [new AdmmLayer("fc1.weight", Kept: Width * Hidden + 1)] })).ParamName);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() =>
            new AdmmRegularizer(trainer.Module, valid with { Layers = [new AdmmLayer("fc9.weight", Kept: 1)] })).Message, "fc9.weight");
    }

    [TestMethod]
    public void EndRound_NonFiniteWeights_SkipsTheRoundAndKeepsZ()
    {
        using var trainer = Mlp();
        using var admm = new AdmmRegularizer(trainer.Module, new AdmmSettings { Layers = [new AdmmLayer("fc2.weight", Kept: 20)] });
        var (z, _) = admm.ReadState(0);
        var poisoned = trainer.ReadWeights("fc2.weight");
        poisoned[7] = float.NaN;
        SetWeights(trainer, "fc2.weight", poisoned);

        Assert.IsNull(admm.EndRound());

        Assert.AreEqual(1, admm.SkippedRounds);
        Assert.IsEmpty(admm.Rounds);
        CollectionAssert.AreEqual(z, admm.ReadState(0).Z);
        Assert.AreEqual(admm.Settings.Rho, admm.Rho);
    }

    [TestMethod]
    public void Dispose_ThenAHook_ThrowsObjectDisposed()
    {
        using var trainer = Mlp();
        var admm = new AdmmRegularizer(trainer.Module, new AdmmSettings { Layers = [new AdmmLayer("fc2.weight", Kept: 20)] });
        admm.Dispose();
        admm.Dispose();

        Assert.ThrowsExactly<ObjectDisposedException>(() => admm.AfterBackward(0));
    }
}
