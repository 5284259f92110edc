using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// The gradient side of pruning (training with masks, gradients of the loss), implemented on TorchSharp in
/// Microsoft.ML.Pruning.Trainers and found at run time by <see cref="GradientBackend"/>, so that this assembly,
/// and a user who prunes without gradients, never loads TorchSharp.
/// </summary>
internal interface IGradientBackend
{
    /// <summary>
    /// Opens the sub-graph of <paramref name="model"/> that computes <paramref name="trainOutput"/> for training,
    /// on the device the MLContext asks for.
    /// </summary>
    IMaskedTraining Open(OnnxModel model, string trainOutput, int? gpuDeviceId, bool fallbackToCpu);

    /// <summary>
    /// Checks, without building parameters or reading data, that the engine can train the sub-graph of
    /// <paramref name="model"/> computing <paramref name="trainOutput"/>: every op is supported, with the attributes
    /// it carries, and the output depends on at least one FLOAT initializer. Returns those initializers' names.
    /// </summary>
    /// <exception cref="System.NotSupportedException">An op or attribute the engine does not support (naming op, node and the supported list).</exception>
    /// <exception cref="System.InvalidOperationException">The output depends on no FLOAT initializer, so nothing can be trained.</exception>
    IReadOnlyList<string> CheckTrainable(OnnxModel model, string trainOutput);
}
