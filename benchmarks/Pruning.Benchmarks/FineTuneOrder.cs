using System.Collections.Generic;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// The row order of each epoch of a fine-tune that <c>Magnitude(...)</c> runs, so the python peer can fine-tune on
/// the same batches. The estimator does not expose its training hooks; the order is recorded from the library's
/// own loop (<see cref="TorchTrainingLoop"/>, <see cref="TrainingHooks.EpochShuffled"/>) run with the same seed and
/// row count on a throw-away one-weight network, one batch per epoch. That order depends only on the seed and the
/// number of rows, and the estimator's first (for the one-shot schedule: only) fine-tune takes
/// <see cref="PruningOptions.Seed"/> as its seed (PruningPipeline: RunSeed + 7919 × fine-tunes so far).
/// </summary>
/// <remarks>
/// The loop shuffles all training rows every epoch with <c>new Random(seed).Shuffle</c>; a validation set is
/// separate data and does not change that order.
/// </remarks>
internal static class FineTuneOrder
{
    /// <summary>The per-epoch row orders of a fine-tune over <paramref name="rows"/> rows with <paramref name="seed"/>.</summary>
    public static List<int[]> Of(int rows, int epochs, int seed)
    {
        var orders = new List<int[]>(epochs);
        var model = MlpGraphBuilder.Build("x", 1, [1], 2, MlpActivation.Relu, MlpHead.Multiclass, seed: 1);
        using var module = new Trainers.Engine.OnnxTorchModule(TrainingGraph.Extract(model, MlpGraphBuilder.LogitsName), CPU);
        var data = new TrainingData(new float[rows], 1, new float[rows]);
        var settings = new TrainingSettings { Epochs = epochs, BatchSize = rows, Seed = seed, Loss = TrainingLoss.CrossEntropy };
        TorchTrainingLoop.Run(module, data, settings, CPU, new TrainingHooks { EpochShuffled = (_, order) => orders.Add(order.ToArray()) });
        return orders;
    }
}
