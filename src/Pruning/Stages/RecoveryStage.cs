using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>recover</em> stage's fine-tuning: trains the pruned model on the gradient backend with the masks fixed
/// (or, for the Gradual schedule, updated by a step hook) and writes the weights back into the model.
/// </summary>
internal static class RecoveryStage
{
    /// <param name="backend">The gradient backend.</param>
    /// <param name="model">The pruned model; trained in place.</param>
    /// <param name="masks">Masks held fixed (the hook may replace them).</param>
    /// <param name="task">The labelled rows and loss.</param>
    /// <param name="options">Fine-tuning settings.</param>
    /// <param name="seed">Shuffling seed.</param>
    /// <param name="services">Log, device, cancellation.</param>
    /// <param name="stepHook">Gradual pruning's hook, given the open training; null keeps the masks.</param>
    public static IReadOnlyList<EpochResult> FineTune(IGradientBackend backend, OnnxModel model, IReadOnlyList<PruningMask> masks, TrainingTask task,
        FineTuneOptions options, int seed, MLContextServices services, Func<IMaskedTraining, Action<long>>? stepHook = null)
    {
        using var training = backend.Open(model, TrainingGraph.TrainableOutput(model, task.ScoreOutput, task.Loss), services.GpuDeviceId, services.FallbackToCpu);
        training.SetMasks(masks);
        var results = training.Train(task.Data, options.ToSettings(task.Loss, seed), new TrainingHooks
        {
            EpochCompleted = e => services.Info($"Fine-tune {e}"),
            StepCompleted = stepHook?.Invoke(training),
            IsCanceled = services.IsCanceled,
        });
        training.WriteBack(model);
        return results;
    }
}
