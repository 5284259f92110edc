using System;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// Builds the regularizer a <see cref="TrainingRegularization"/> describes, for one run on one module: the one place a
/// description (core, plain values) becomes an <see cref="ITrainingRegularizer"/> (TorchSharp). A new method adds its
/// description record in Microsoft.ML.Pruning and a case here.
/// </summary>
internal static class TrainingRegularizers
{
    /// <exception cref="NotSupportedException">A description this backend has no regularizer for.</exception>
    /// <exception cref="ArgumentException">A named weight that is not a parameter of <paramref name="module"/>.</exception>
    public static ITrainingRegularizer Create(OnnxTorchModule module, TrainingRegularization description) => description switch
    {
        L1Regularization l1 => new L1ProximalRegularizer(module, l1),
        GroupL1Regularization group => new GroupL1ProximalRegularizer(module, group),
        null => throw new ArgumentNullException(nameof(description)),
        _ => throw new NotSupportedException($"The TorchSharp backend has no regularizer for {description.GetType().Name}."),
    };
}
