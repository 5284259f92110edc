using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// How the learning rate changes over a training run, step by step. Either can start with a linear warm-up
/// (<see cref="GradientTrainingOptions.WarmupSteps"/> or <see cref="GradientTrainingOptions.WarmupFraction"/>).
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<LearningRateSchedule>))]
public enum LearningRateSchedule
{
    /// <summary><see cref="GradientTrainingOptions.LearningRate"/> at every step (after the warm-up, if any).</summary>
    Constant = 0,

    /// <summary>
    /// Cosine annealing from <see cref="GradientTrainingOptions.LearningRate"/> down to
    /// <see cref="GradientTrainingOptions.MinimumLearningRate"/> over all steps after the warm-up, as PyTorch's
    /// <c>CosineAnnealingLR</c> with <c>T_max</c> = those steps: lr = min + (max − min)·(1 + cos(π·s/S))/2.
    /// </summary>
    Cosine = 1,
}
