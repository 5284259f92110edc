using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// The one training loop of the library: SparseMlp trainers and pruning fine-tuning both run it. It trains
/// an <see cref="OnnxTorchModule"/> whose single output is the logits (or the regression value), keeps masked
/// weights at exactly zero after every step, and reports each epoch.
/// </summary>
public static class TorchTrainingLoop
{
    /// <summary>Trains <paramref name="module"/> in place; returns one result per epoch.</summary>
    public static IReadOnlyList<EpochResult> Run(
        OnnxTorchModule module, TrainingData data, TrainingSettings settings, Device device, TrainingHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        settings.Validate(nameof(TorchTrainingLoop));
        hooks ??= new TrainingHooks();
        var results = new List<EpochResult>(settings.Epochs);
        if (settings.Epochs == 0 || data.RowCount == 0) return results;

        torch.random.manual_seed(settings.Seed);
        module.train();
        using var optimizer = new GradientOptimizer(module.parameters(), settings);
        int rows = data.RowCount;
        var batchesOf = new TrainingBatches(data, module.InputNames, settings.Loss, device);
        string outputName = SingleOutput(module);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        var random = new Random(settings.Seed);
        long step = 0;

        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            var watch = Stopwatch.StartNew();
            random.Shuffle(order);
            hooks.EpochShuffled?.Invoke(epoch, order);
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < rows; start += settings.BatchSize)
            {
                hooks.ThrowIfCanceled();
                int count = Math.Min(settings.BatchSize, rows - start);
                using (NewDisposeScope())
                {
                    var batch = batchesOf.Build(order, start, count);
                    var output = module.Forward(batch.Inputs)[outputName];
                    var loss = Loss(output, RequireLabels(batch), settings.Loss);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    module.ApplyMasks();
                    double value = loss.item<float>();
                    if (double.IsNaN(value) || double.IsInfinity(value))
                        throw new InvalidOperationException(
                            $"Training diverged at epoch {epoch}, step {step}: loss is {value}. Lower LearningRate or check the data for extreme values.");
                    lossSum += value;
                    batches++;
                }
                hooks.StepCompleted?.Invoke(step);
                step++;
            }
            var result = new EpochResult(epoch, settings.Epochs, lossSum / Math.Max(1, batches), rows, watch.Elapsed);
            results.Add(result);
            hooks.EpochCompleted?.Invoke(result);
        }
        module.eval();
        return results;
    }

    /// <summary>
    /// Runs <paramref name="module"/> in inference mode over <paramref name="data"/> in order, in batches, and sums per
    /// named parameter |w·g| and g² of each batch's mean loss. Parameters are not changed; gradients are cleared after.
    /// </summary>
    public static IReadOnlyDictionary<string, GradientStatistics> AccumulateGradients(
        OnnxTorchModule module, TrainingData data, TrainingLoss loss, int batchSize, IReadOnlyCollection<string> names, Device device, TrainingHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(names);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        hooks ??= new TrainingHooks();
        var parameters = new List<(string Name, TorchSharp.Modules.Parameter Parameter, Tensor AbsWg, Tensor G2)>();
        bool wasTraining = module.training;
        module.eval();
        try
        {
            foreach (string name in names)
            {
                var p = module.GetParameter(name);
                parameters.Add((name, p, zeros_like(p).DetachFromDisposeScope(), zeros_like(p).DetachFromDisposeScope()));
            }
            int rows = data.RowCount, batches = 0;
            var batchesOf = new TrainingBatches(data, module.InputNames, loss, device);
            string outputName = SingleOutput(module);
            int[] order = new int[rows];
            for (int i = 0; i < rows; i++) order[i] = i;
            foreach (var (_, p, _, _) in parameters) p.grad?.zero_();
            for (int start = 0; start < rows; start += batchSize)
            {
                hooks.ThrowIfCanceled();
                int count = Math.Min(batchSize, rows - start);
                using (NewDisposeScope())
                {
                    var batch = batchesOf.Build(order, start, count);
                    var value = Loss(module.Forward(batch.Inputs)[outputName], RequireLabels(batch), loss);
                    value.backward();
                    using var noGrad = no_grad();
                    foreach (var (name, p, absWg, g2) in parameters)
                    {
                        if (p.grad is not { } g) continue;
                        var one = 1f.ToScalar();
                        absWg.add_(p.mul(g).abs_(), one);
                        g2.add_(g.square(), one);
                        GC.KeepAlive(one);
                        g.zero_();
                    }
                }
                batches++;
            }
            var result = new Dictionary<string, GradientStatistics>(StringComparer.Ordinal);
            foreach (var (name, _, absWg, g2) in parameters)
                result[name] = new GradientStatistics(ToArray(absWg), ToArray(g2), batches);
            return result;
        }
        finally
        {
            foreach (var (_, p, absWg, g2) in parameters)
            {
                absWg.Dispose();
                g2.Dispose();
                p.grad?.zero_();
            }
            if (wasTraining) module.train();
        }

        static float[] ToArray(Tensor t)
        {
            using var scope = NewDisposeScope();
            return t.detach().to(ScalarType.Float32, CPU).contiguous().data<float>().ToArray();
        }
    }

    /// <summary>The module's only output (the one <see cref="TrainingGraph.Extract"/> leaves), trained against.</summary>
    private static string SingleOutput(OnnxTorchModule module) => module.OutputNames.Count == 1
        ? module.OutputNames[0]
        : throw new InvalidOperationException(
            $"Training needs a graph with one output (see TrainingGraph.Extract); this one has [{string.Join(", ", module.OutputNames)}].");

    private static Tensor RequireLabels(TrainingBatch batch) => batch.Labels
        ?? throw new InvalidOperationException("The training data has no labels; this loss needs one label per row.");

    /// <summary>The task's loss on a batch; the output is flattened to one value per row for binary/regression.</summary>
    internal static Tensor Loss(Tensor output, Tensor target, TrainingLoss kind) => kind switch
    {
        TrainingLoss.CrossEntropy => nn.functional.cross_entropy(output.reshape(output.shape[0], -1), target),
        TrainingLoss.BinaryCrossEntropy => nn.functional.binary_cross_entropy_with_logits(output.reshape(-1), target),
        TrainingLoss.MeanSquaredError => nn.functional.mse_loss(output.reshape(-1), target),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss."),
    };
}
