using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>Labelled rows in memory, the loss their label type asks for, and the model output trained against them.</summary>
internal sealed record TrainingTask(TrainingData Data, TrainingLoss Loss, string ScoreOutput);
