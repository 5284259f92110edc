using System;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// A copy of an opened model's trainable state (parameters and normalization statistics), taken by
/// <see cref="IMaskedTraining.Checkpoint"/> and put back with <see cref="Restore"/>: warm starts of a λ search go
/// back to the weights of an earlier λ without reopening the model.
/// </summary>
internal interface ITrainingCheckpoint : IDisposable
{
    /// <summary>Puts the captured values back; the masks in force are re-applied.</summary>
    void Restore();
}
