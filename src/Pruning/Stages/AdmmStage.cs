using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>train sparse</em> stage of <c>Admm</c>: ADMM training on the gradient backend (<see cref="IMaskedTraining.TrainAdmm"/>),
/// the trained weights written into the model, and the masks of Z's support, which hard-prune them to the exact counts asked
/// for. <see cref="Describe"/> then fills the report's per-layer rows from the weights before hard pruning.
/// </summary>
internal static class AdmmStage
{
    /// <summary>What the run did: the training result (rounds, loss curve, divergence) and the masks, in the order of the layers.</summary>
    public sealed record Outcome(AdmmTrainingResult Result, IReadOnlyList<PruningMask> Masks, string? Note);

    /// <summary>Trains <paramref name="model"/> in place under ADMM towards the target of <paramref name="options"/>.</summary>
    /// <param name="backend">The gradient backend.</param>
    /// <param name="model">The model; its weights end as the training left them (not yet pruned).</param>
    /// <param name="layers">The candidate layers (constrained, then hard-pruned); every one is trainable through the score output.</param>
    /// <param name="options">ρ and its schedule, round length, target, scope, granularity.</param>
    /// <param name="task">Rows, loss and validation rows of <see cref="AdmmPruningOptions.Training"/>.</param>
    /// <param name="seed">Shuffling seed.</param>
    /// <param name="services">Log, device, cancellation.</param>
    /// <param name="teacher">The dense model, when <see cref="AdmmPruningOptions.Training"/> distills; null otherwise.</param>
    public static Outcome Run(IGradientBackend backend, OnnxModel model, IReadOnlyList<PrunableWeight> layers, AdmmPruningOptions options,
        TrainingTask task, int seed, MLContextServices services, OnnxModel? teacher)
    {
        var c = CultureInfo.InvariantCulture;
        var (trainOutput, settings) = SparseTrainingStage.Settings(model, options.Training, task, seed);
        var admm = options.ToAdmmSettings(layers);
        using var training = SparseTrainingStage.Open(backend, model, trainOutput, settings, services, teacher);
        var result = training.TrainAdmm(task.Data, settings, admm, new TrainingHooks
        {
            EpochCompleted = e => services.Info($"ADMM {e}"),
            Log = message => services.Info($"ADMM: {message}"),
            IsCanceled = services.IsCanceled,
        }, task.Validation);
        foreach (var round in result.Rounds) services.Info(round.ToString());
        training.WriteBack(model);

        string? note = null;
        if (result.Training.Divergence is { } divergence)
        {
            string support = result.Rounds.Count == 0 ? "the projection of the weights ADMM started from" : $"round {result.Rounds[^1].Round}'s Z";
            note = string.Create(c, $"ADMM training diverged; the training loop restored its last good weights, and hard pruning used the support of {support}. {divergence}");
            services.Warning($"ADMM: {note}");
        }
        if (result.Masks.Count != layers.Count || result.Masks.Where((m, l) => m.Name != layers[l].Name).Any())
            throw new InvalidOperationException("The ADMM backend returned masks for other layers than it was asked to constrain.");
        return new Outcome(result, result.Masks, note);
    }

    /// <summary>
    /// The per-layer rows: kept weights (and units), non-zeros after training, non-zeros hard pruning cut and their share of
    /// the layer's norm, from the weights before hard pruning (<paramref name="trained"/>) and Z's support.
    /// </summary>
    public static IReadOnlyList<AdmmLayerPruning> Describe(IReadOnlyList<PrunableWeight> layers, IReadOnlyList<float[]> trained,
        IReadOnlyList<PruningMask> masks, bool units)
    {
        var rows = new List<AdmmLayerPruning>(layers.Count);
        for (int l = 0; l < layers.Count; l++)
        {
            var w = trained[l];
            long nonZeros = 0, cut = 0;
            double cutSquares = 0, squares = 0;
            for (int i = 0; i < w.Length; i++)
            {
                double square = (double)w[i] * w[i];
                squares += square;
                if (w[i] == 0) continue;
                nonZeros++;
                if (masks[l].IsKept(i)) continue;
                cut++;
                cutSquares += square;
            }
            long? keptUnits = units ? KeptUnits(layers[l], masks[l]) : null;
            rows.Add(new AdmmLayerPruning(layers[l].Name, w.Length, masks[l].KeptCount, nonZeros, cut, squares > 0 ? Math.Sqrt(cutSquares / squares) : 0,
                units ? layers[l].OutputUnits : null, keptUnits));
        }
        return rows;
    }

    /// <summary>Output units with a kept weight (a unit mask keeps or drops a unit whole).</summary>
    private static long KeptUnits(PrunableWeight weight, PruningMask mask)
    {
        long stride = 1;
        for (int d = weight.OutputAxis + 1; d < weight.Shape.Length; d++) stride *= weight.Shape[d];
        var kept = new bool[weight.OutputUnits];
        for (long i = 0; i < mask.Length; i++)
            if (mask.IsKept((int)i)) kept[i / stride % weight.OutputUnits] = true;
        return kept.LongCount(k => k);
    }
}
