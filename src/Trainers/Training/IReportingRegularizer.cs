using System.Collections.Generic;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// A regularizer that records what it did after each epoch; <see cref="MaskedTrainer"/> returns the record in
/// <see cref="TrainingResult.Regularization"/>. ADMM reports its residuals through <see cref="RegularizationEpoch.Measures"/>.
/// </summary>
public interface IReportingRegularizer : ITrainingRegularizer
{
    /// <summary>One entry per completed epoch of the run, in order.</summary>
    IReadOnlyList<RegularizationEpoch> Trace { get; }
}
