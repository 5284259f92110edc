using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Rows in memory (labelled, or unlabelled for distillation alone), the loss their label type (or, without labels, the
/// score output) asks for, the model output trained against them, and held-out rows read the same way, if any.
/// </summary>
internal sealed record TrainingTask(TrainingData Data, TrainingLoss Loss, string ScoreOutput, TrainingData? Validation = null);
