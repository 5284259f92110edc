using System;
using System.Linq;
using System.Threading;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Training;

[TestClass]
public sealed class GradientOptimizerTests
{
    [TestMethod]
    [DataRow(TrainingOptimizer.Adam, 0.0)]
    [DataRow(TrainingOptimizer.Adam, 0.01)]
    [DataRow(TrainingOptimizer.SgdMomentum, 0.01)]
    public void GradientOptimizer_FiveSteps_MatchTorchSharpsOptimizer(TrainingOptimizer kind, double weightDecay)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var ours = nn.Linear(6, 4);
        var theirs = nn.Linear(6, 4);
        theirs.load_state_dict(ours.state_dict());
        var settings = new TrainingSettings { Optimizer = kind, LearningRate = 0.05, WeightDecay = weightDecay, Momentum = 0.9 };
        using var optimizer = new GradientOptimizer(ours.parameters(), settings);
        optim.Optimizer reference = kind == TrainingOptimizer.Adam
            ? optim.Adam(theirs.parameters(), lr: 0.05, weight_decay: weightDecay)
            : optim.SGD(theirs.parameters(), 0.05, momentum: 0.9, weight_decay: weightDecay);
        AssertSameFiveSteps(ours, optimizer, theirs, reference, kind.ToString());
    }

    [TestMethod]
    public void GradientOptimizer_DecoupledWeightDecay_MatchesTorchSharpsAdamW()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(4);
        var ours = nn.Linear(6, 4);
        var theirs = nn.Linear(6, 4);
        theirs.load_state_dict(ours.state_dict());
        using var optimizer = new GradientOptimizer(ours.parameters(), new TrainingSettings { LearningRate = 0.05, WeightDecay = 0.1, DecoupledWeightDecay = true });
        var reference = optim.AdamW(theirs.parameters(), lr: 0.05, weight_decay: 0.1);
        AssertSameFiveSteps(ours, optimizer, theirs, reference, "AdamW");
    }

    /// <summary>Five steps of both optimizers on the same random batches (loss: sum of squared outputs), then equal parameters.</summary>
    private static void AssertSameFiveSteps(nn.Module<Tensor, Tensor> ours, GradientOptimizer optimizer, nn.Module<Tensor, Tensor> theirs,
        optim.Optimizer reference, string what)
    {
        for (int step = 0; step < 5; step++)
        {
            var x = randn(8, 6);
            optimizer.ZeroGrad();
            ours.forward(x).square().sum().backward();
            optimizer.Step();
            reference.zero_grad();
            theirs.forward(x).square().sum().backward();
            reference.step();
        }
        foreach (var (a, b) in ours.parameters().Zip(theirs.parameters()))
            Assert.IsTrue(a.allclose(b, rtol: 1e-5, atol: 1e-6), $"{what}: max |diff| {(a - b).abs().max().item<float>()}");
    }

    [TestMethod]
    public void GradientOptimizer_ClipGradients_BoundsTheUpdateAndMatchesTorchSharp()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(5);
        var ours = nn.Linear(6, 4);
        var theirs = nn.Linear(6, 4);
        theirs.load_state_dict(ours.state_dict());
        const double LearningRate = 0.1, MaxNorm = 0.5;
        using var optimizer = new GradientOptimizer(ours.parameters(), new TrainingSettings { Optimizer = TrainingOptimizer.SgdMomentum, Momentum = 0, LearningRate = LearningRate });
        var before = ours.parameters().Select(p => p.detach().clone()).ToArray();
        var x = randn(8, 6) * 100;
        optimizer.ZeroGrad();
        ours.forward(x).square().sum().backward();
        double norm = optimizer.ClipGradients(MaxNorm);
        theirs.forward(x).square().sum().backward();
        double theirNorm = nn.utils.clip_grad_norm_(theirs.parameters(), MaxNorm);
        Assert.AreEqual(theirNorm, norm, theirNorm * 1e-5, "the norm before clipping");
        Assert.IsGreaterThan(100 * MaxNorm, norm, "the unclipped update would be far larger than the bound");
        foreach (var (a, b) in ours.parameters().Zip(theirs.parameters()))
            Assert.IsTrue(a.grad!.allclose(b.grad!, rtol: 1e-5, atol: 1e-7), "clipped gradients equal torch's");
        optimizer.Step();
        double update = Math.Sqrt(ours.parameters().Zip(before).Sum(p => (p.First.detach() - p.Second).square().sum().item<float>()));
        Assert.IsLessThanOrEqualTo(LearningRate * MaxNorm * (1 + 1e-5), update);
        Assert.IsGreaterThan(LearningRate * MaxNorm * 0.99, update, "the clipped gradient has the bound's norm");
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public void TrainingLoop_GarbageCollectionsOnAnotherThread_TrainsWithoutNativeScalarErrors()
    {
        // TorchSharp frees implicitly created Scalars by finalizer; collections during a native call used to fail
        // training with "Unknown scalar type". Force collections from another thread for the whole run.
        var model = MlpGraphBuilder.Build("Features", 16, [16], 3, MlpActivation.Relu, MlpHead.Multiclass, 1);
        var random = new Random(1);
        var x = Enumerable.Range(0, 64 * 16).Select(_ => (float)random.NextDouble()).ToArray();
        var y = Enumerable.Range(0, 64).Select(i => (float)(i % 3)).ToArray();
        bool stop = false;
        var collector = new Thread(() => { while (!Volatile.Read(ref stop)) { GC.Collect(); GC.WaitForPendingFinalizers(); } }) { IsBackground = true };
        collector.Start();
        try
        {
            foreach (var kind in new[] { TrainingOptimizer.Adam, TrainingOptimizer.SgdMomentum })
            {
                using var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, CPU);
                trainer.SetMasks(MaskSelector.SelectByMagnitude([new LayerValues("fc1.weight", trainer.ReadWeights("fc1.weight"))], 0.5));
                var epochs = trainer.Train(new TrainingData(x, 16, y), new TrainingSettings { Optimizer = kind, Epochs = 40, BatchSize = 8, WeightDecay = 1e-4 });
                Assert.HasCount(40, epochs.Epochs);
            }
        }
        finally
        {
            Volatile.Write(ref stop, true);
            collector.Join();
        }
    }
}
