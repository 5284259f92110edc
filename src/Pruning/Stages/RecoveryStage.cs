using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>recover</em> stage's fine-tuning: trains the pruned model on the gradient backend with the masks fixed
/// (or, for the Gradual schedule, updated by a step hook), distilling from the dense model if asked, and writes the
/// weights back into the model. A diverging run ends with its last good weights and a warning, not an exception.
/// </summary>
internal static class RecoveryStage
{
    /// <param name="backend">The gradient backend.</param>
    /// <param name="model">The pruned model; trained in place.</param>
    /// <param name="masks">Masks held fixed (the hook may replace them).</param>
    /// <param name="task">The rows, loss and validation rows.</param>
    /// <param name="options">Fine-tuning settings.</param>
    /// <param name="seed">Shuffling seed.</param>
    /// <param name="services">Log, device, cancellation.</param>
    /// <param name="teacher">The dense model before pruning, for distillation; null without.</param>
    /// <param name="stepHook">Gradual pruning's hook, given the open training; null keeps the masks.</param>
    public static TrainingResult FineTune(IGradientBackend backend, OnnxModel model, IReadOnlyList<PruningMask> masks, TrainingTask task,
        FineTuneOptions options, int seed, MLContextServices services, OnnxModel? teacher, Func<IMaskedTraining, Action<long>>? stepHook = null)
    {
        string trainOutput = TrainingGraph.TrainableOutput(model, task.ScoreOutput, task.Loss);
        // Through a final Softmax/Sigmoid the trained tensor is that node's input: logits, whatever ScoreKind says.
        var settings = options.ToFineTuneSettings(task.Loss, seed) with { ScoreKind = trainOutput != task.ScoreOutput ? ScoreKind.Logits : options.ScoreKind };
        using var training = backend.Open(model, trainOutput, services.GpuDeviceId, services.FallbackToCpu);
        training.SetMasks(masks);
        if (settings.Distillation is not null)
            training.SetTeacher(teacher ?? throw new InvalidOperationException("Distillation needs the dense model as the teacher."));
        var result = training.Train(task.Data, settings, new TrainingHooks
        {
            EpochCompleted = e => services.Info($"Fine-tune {e}"),
            StepCompleted = stepHook?.Invoke(training),
            Log = message => services.Info($"Fine-tune {message}"),
            IsCanceled = services.IsCanceled,
        }, task.Validation);
        if (result.Divergence is { } divergence) services.Warning($"Fine-tune: {divergence}");
        training.WriteBack(model);
        return result;
    }
}
