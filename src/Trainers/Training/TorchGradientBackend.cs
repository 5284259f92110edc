using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>The TorchSharp implementation of <see cref="IGradientBackend"/>; Microsoft.ML.Pruning finds it by name.</summary>
internal sealed class TorchGradientBackend : IGradientBackend
{
    public IMaskedTraining Open(OnnxModel model, string trainOutput, int? gpuDeviceId, bool fallbackToCpu) =>
        new MaskedTrainer(model, trainOutput, TorchDevice.Resolve(gpuDeviceId, fallbackToCpu));
}
