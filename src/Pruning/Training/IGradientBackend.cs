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
}
