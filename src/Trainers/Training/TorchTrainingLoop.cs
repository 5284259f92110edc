using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// The one training loop of the library: SparseMlp trainers and pruning fine-tuning both run it. It trains
/// an <see cref="OnnxTorchModule"/> with one output (class scores as logits or probabilities, a regression value, or
/// an embedding learned from a teacher) on batches of its named inputs, keeps masked weights at exactly zero after
/// every step, and reports each epoch.
/// </summary>
public static class TorchTrainingLoop
{
    /// <summary>
    /// Trains <paramref name="module"/> in place. The learning rate follows the settings' schedule step by step; with
    /// <paramref name="validation"/> rows the model is evaluated after every epoch (early stopping, keep-best); a
    /// non-finite loss (or clipped gradient norm) stops the run and restores the weights of the last good epoch, or
    /// those from before training, and the result says so.
    /// </summary>
    /// <param name="module">The model, its single output the trained score.</param>
    /// <param name="data">Training rows; unlabelled rows train towards <paramref name="teacher"/> alone.</param>
    /// <param name="settings">Optimizer, schedule, loss, distillation, early stopping.</param>
    /// <param name="device">Where batches go (the module's device).</param>
    /// <param name="hooks">Callbacks, log and cancellation.</param>
    /// <param name="teacher">The model distillation learns from, same input and output; run in inference mode without gradients.</param>
    /// <param name="validation">Held-out rows, labelled as <paramref name="data"/> is.</param>
    /// <param name="regularizers">Penalties and proximal steps around each optimizer step (Lasso, ADMM); none for plain training.</param>
    public static TrainingResult Run(OnnxTorchModule module, TrainingData data, TrainingSettings settings, Device device,
        TrainingHooks? hooks = null, OnnxTorchModule? teacher = null, TrainingData? validation = null,
        IReadOnlyList<ITrainingRegularizer>? regularizers = null)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(device);
        settings.Validate(nameof(TorchTrainingLoop));
        hooks ??= new TrainingHooks();
        regularizers ??= [];
        var results = new List<EpochResult>(settings.Epochs);
        if (settings.Epochs == 0 || data.RowCount == 0) return new TrainingResult(results);
        if (validation is not null)
        {
            string Describe(TrainingData d) => string.Join(", ", d.Inputs.Select(i => $"'{i.Name}' {i.ElementType} {(i.IsVariableLength ? "of varying length" : $"[{string.Join(", ", i.RowShape!)}]")}"));
            if (Describe(validation) != Describe(data))
                throw new ArgumentException($"Validation rows have inputs {Describe(validation)}; training rows have {Describe(data)}.", nameof(validation));
            if ((validation.Labels is null) != (data.Labels is null))
                throw new ArgumentException($"Validation rows are {(validation.Labels is null ? "unlabelled" : "labelled")}; training rows are not.", nameof(validation));
            if (validation.RowCount == 0) validation = null;
        }

        torch.random.manual_seed(settings.Seed);
        using var objective = new TrainingObjective(settings, data.Labels is not null, teacher is not null, hooks.Log);
        var runTeacher = objective.UsesTeacher ? teacher : null;
        runTeacher?.eval();
        module.train();
        module.FreezeNormalizationStatistics = settings.FreezeNormalizationStatistics;
        using var optimizer = new GradientOptimizer(module.parameters(), settings);
        using var lastGood = new ModuleSnapshot(module); // the weights from before training until an epoch completes
        ModuleSnapshot? best = null;
        int rows = data.RowCount;
        var batchesOf = new TrainingBatches(data, module.InputNames, settings.Loss, device);
        var validationBatches = validation is null ? null : new TrainingBatches(validation, module.InputNames, settings.Loss, device);
        string outputName = SingleOutput(module);
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        var random = new Random(settings.Seed);
        long stepsPerEpoch = (rows + settings.BatchSize - 1) / settings.BatchSize, totalSteps = stepsPerEpoch * settings.Epochs;
        long step = 0;
        var sinceProgress = Stopwatch.StartNew();
        int goodEpochs = 0, epochsSinceBest = 0;
        int? bestEpoch = null;
        double bestLoss = double.PositiveInfinity;
        bool stoppedEarly = false;
        string? divergence = null;

        try
        {
            for (int epoch = 1; epoch <= settings.Epochs && divergence is null && !stoppedEarly; epoch++)
            {
                var watch = Stopwatch.StartNew();
                random.Shuffle(order);
                hooks.EpochShuffled?.Invoke(epoch, order);
                double lossSum = 0, learningRate = settings.LearningRate;
                int batches = 0;
                for (int start = 0; start < rows; start += settings.BatchSize)
                {
                    hooks.ThrowIfCanceled();
                    int count = Math.Min(settings.BatchSize, rows - start);
                    learningRate = settings.LearningRateAt(step, totalSteps);
                    double value;
                    using (NewDisposeScope())
                    {
                        var batch = batchesOf.Build(order, start, count);
                        var loss = objective.Compute(module.Forward(batch.Inputs)[outputName], batch.Labels, TeacherOutput(runTeacher, batch.Inputs, outputName), Padding(settings, batch));
                        value = loss.item<float>();
                        if (!double.IsFinite(value))
                        {
                            divergence = $"the loss is {value} at epoch {epoch}, step {step}";
                            break;
                        }
                        optimizer.ZeroGrad();
                        loss.backward();
                        if (settings.GradientClipNorm is double clip && optimizer.ClipGradients(clip) is var norm && !double.IsFinite(norm))
                        {
                            divergence = $"the gradient norm is {norm} at epoch {epoch}, step {step}";
                            break;
                        }
                        foreach (var regularizer in regularizers) regularizer.AfterBackward(step);
                        optimizer.Step(learningRate);
                        module.ApplyMasks();
                        foreach (var regularizer in regularizers) regularizer.AfterStep(step, learningRate);
                    }
                    lossSum += value;
                    batches++;
                    hooks.StepCompleted?.Invoke(step);
                    step++;
                    if (hooks.Log is { } log && sinceProgress.Elapsed >= hooks.ProgressInterval)
                    {
                        log(string.Create(CultureInfo.InvariantCulture,
                            $"step {step}/{totalSteps} (epoch {epoch}/{settings.Epochs}): loss {value:F4}, lr {learningRate:G4}"));
                        sinceProgress.Restart();
                    }
                }
                if (divergence is not null) break;

                var result = new EpochResult(epoch, settings.Epochs, lossSum / Math.Max(1, batches), rows, watch.Elapsed) { LearningRate = learningRate };
                foreach (var regularizer in regularizers) regularizer.AfterEpoch(result);
                if (validation is not null)
                {
                    var (validationLoss, accuracy) = Evaluate(module, runTeacher, objective, validation, validationBatches!, outputName, settings, hooks);
                    result = result with { ValidationLoss = validationLoss, ValidationAccuracy = accuracy };
                    if (validationLoss < bestLoss)
                    {
                        (bestLoss, bestEpoch, epochsSinceBest) = (validationLoss, epoch, 0);
                        if (settings.KeepBest)
                        {
                            if (best is null) best = new ModuleSnapshot(module);
                            else best.Capture();
                        }
                    }
                    else if (settings.EarlyStoppingPatience is int patience && ++epochsSinceBest >= patience && epoch < settings.Epochs)
                    {
                        stoppedEarly = true;
                        hooks.Log?.Invoke($"Early stopping after epoch {epoch}: no lower validation loss for {patience} epoch{(patience == 1 ? "" : "s")} (best: epoch {bestEpoch?.ToString(CultureInfo.InvariantCulture) ?? "none"}).");
                    }
                }
                goodEpochs = epoch;
                if (epoch < settings.Epochs && !stoppedEarly) lastGood.Capture(); // the last epoch's weights are the module's own
                results.Add(result);
                hooks.EpochCompleted?.Invoke(result);
            }

            int? restored = null;
            if (divergence is not null)
            {
                (restored, var restoring) = best is not null ? (bestEpoch!.Value, best) : (goodEpochs, lastGood);
                restoring.Restore();
                module.ApplyMasks();
                divergence = $"Training diverged: {divergence}. Stopped and restored " +
                    (restored == 0 ? "the weights from before training (no epoch had completed)" : $"the weights of epoch {restored}{(best is not null ? " (the best)" : " (the last good one)")}") +
                    ". Lower LearningRate, set GradientClipNorm or a warm-up, or check the data for extreme values.";
            }
            else if (best is not null && bestEpoch is int keep && keep != goodEpochs)
            {
                best.Restore();
                module.ApplyMasks();
                restored = keep;
                hooks.Log?.Invoke($"Kept the best epoch: restored the weights of epoch {keep} (validation loss {bestLoss.ToString("F4", CultureInfo.InvariantCulture)}).");
            }
            return new TrainingResult(results, bestEpoch, stoppedEarly, restored, divergence);
        }
        finally
        {
            best?.Dispose();
            module.eval();
            module.FreezeNormalizationStatistics = false;
        }
    }

    /// <summary>The teacher's output on a batch, in inference mode and without gradients; null without a teacher. The one place the teacher runs.</summary>
    private static Tensor? TeacherOutput(OnnxTorchModule? teacher, IReadOnlyDictionary<string, Tensor> inputs, string outputName)
    {
        if (teacher is null) return null;
        using var noGrad = no_grad();
        var outputs = teacher.Forward(teacher.InputNames.ToDictionary(n => n, n => inputs[n], StringComparer.Ordinal));
        return outputs.TryGetValue(outputName, out var output) ? output : outputs[SingleOutput(teacher)];
    }

    /// <summary>The batch's padding mask for distillation (<see cref="DistillationOptions.PaddingMaskInput"/>), when the model has that input.</summary>
    private static Tensor? Padding(TrainingSettings settings, TrainingBatch batch) =>
        settings.Distillation?.PaddingMaskInput is { } name && batch.Inputs.TryGetValue(name, out var mask) ? mask : null;

    /// <summary>The module's only output (the one <see cref="TrainingGraph.Extract"/> leaves), trained against.</summary>
    private static string SingleOutput(OnnxTorchModule module) => module.OutputNames.Count == 1
        ? module.OutputNames[0]
        : throw new InvalidOperationException(
            $"Training needs a graph with one output (see TrainingGraph.Extract); this one has [{string.Join(", ", module.OutputNames)}].");

    /// <summary>Mean loss (the training objective) and accuracy over <paramref name="validation"/>, in inference mode.</summary>
    private static (double Loss, double? Accuracy) Evaluate(OnnxTorchModule module, OnnxTorchModule? teacher, TrainingObjective objective,
        TrainingData validation, TrainingBatches batches, string outputName, TrainingSettings settings, TrainingHooks hooks)
    {
        int rows = validation.RowCount;
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        double lossSum = 0;
        long? correct = 0;
        module.eval();
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < rows; start += settings.BatchSize)
            {
                hooks.ThrowIfCanceled();
                int count = Math.Min(settings.BatchSize, rows - start);
                using var scope = NewDisposeScope();
                var batch = batches.Build(order, start, count);
                var output = module.Forward(batch.Inputs)[outputName];
                lossSum += objective.Compute(output, batch.Labels, TeacherOutput(teacher, batch.Inputs, outputName), Padding(settings, batch)).item<float>() * (double)count;
                correct = objective.CountCorrect(output, batch.Labels) is long c ? correct + c : null;
            }
        }
        finally
        {
            module.train();
        }
        return (lossSum / rows, correct is long right ? (double)right / rows : null);
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
        if (data.Labels is null) throw new ArgumentException("Gradients of the loss need labelled rows; these have no labels.", nameof(data));
        hooks ??= new TrainingHooks();
        // The task loss on the output as logits (gradient criteria score through a final Softmax/Sigmoid's input).
        using var objective = new TrainingObjective(new TrainingSettings { Loss = loss, ScoreKind = ScoreKind.Logits }, labelled: true, hasTeacher: false, log: null);
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
                    var value = objective.Compute(module.Forward(batch.Inputs)[outputName], batch.Labels!, teacher: null);
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
}
