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
        int rows = data.RowCount, width = data.FeatureCount;
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
                    var (x, y) = Gather(data, order, start, count, width, settings.Loss, device);
                    var output = module.forward(x);
                    var loss = Loss(output, y, settings.Loss);
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
            int rows = data.RowCount, width = data.FeatureCount, batches = 0;
            int[] order = new int[rows];
            for (int i = 0; i < rows; i++) order[i] = i;
            foreach (var (_, p, _, _) in parameters) p.grad?.zero_();
            for (int start = 0; start < rows; start += batchSize)
            {
                hooks.ThrowIfCanceled();
                int count = Math.Min(batchSize, rows - start);
                using (NewDisposeScope())
                {
                    var (x, y) = Gather(data, order, start, count, width, loss, device);
                    var value = Loss(module.forward(x), y, loss);
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

    private static (Tensor X, Tensor Y) Gather(
        TrainingData data, int[] order, int start, int count, int width, TrainingLoss lossKind, Device device)
    {
        var features = new float[count * width];
        var source = data.Features.AsSpan();
        for (int r = 0; r < count; r++)
            source.Slice(order[start + r] * width, width).CopyTo(features.AsSpan(r * width, width));
        var x = torch.tensor(features, new long[] { count, width }, device: device);
        Tensor y;
        if (lossKind == TrainingLoss.CrossEntropy)
        {
            var labels = new long[count];
            for (int r = 0; r < count; r++) labels[r] = (long)data.Labels[order[start + r]];
            y = torch.tensor(labels, new long[] { count }, device: device);
        }
        else
        {
            var labels = new float[count];
            for (int r = 0; r < count; r++) labels[r] = data.Labels[order[start + r]];
            y = torch.tensor(labels, new long[] { count }, device: device);
        }
        return (x, y);
    }

    /// <summary>The task's loss on a batch; the output is flattened to one value per row for binary/regression.</summary>
    internal static Tensor Loss(Tensor output, Tensor target, TrainingLoss kind) => kind switch
    {
        TrainingLoss.CrossEntropy => nn.functional.cross_entropy(output.reshape(output.shape[0], -1), target),
        TrainingLoss.BinaryCrossEntropy => nn.functional.binary_cross_entropy_with_logits(output.reshape(-1), target),
        TrainingLoss.MeanSquaredError => nn.functional.mse_loss(output.reshape(-1), target),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown loss."),
    };
}
