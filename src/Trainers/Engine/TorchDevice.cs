using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// Chooses the device the engine trains on, following ML.NET's convention: <c>MLContext.GpuDeviceId</c> asks
/// for a CUDA device, and <c>MLContext.FallbackToCpu</c> says whether to use the CPU when it is not available.
/// </summary>
/// <example>
/// <code>
/// var device = TorchDevice.Resolve(mlContext.GpuDeviceId, mlContext.FallbackToCpu);
/// using var module = new OnnxTorchModule(model, device);
/// </code>
/// </example>
public static class TorchDevice
{
    /// <summary>
    /// CUDA device <paramref name="gpuDeviceId"/> when one is requested and present; the CPU when none is
    /// requested, or when the requested one is missing and <paramref name="fallbackToCpu"/> is true.
    /// </summary>
    /// <param name="gpuDeviceId">The CUDA device index (<c>MLContext.GpuDeviceId</c>); null for the CPU.</param>
    /// <param name="fallbackToCpu">Use the CPU when the requested GPU is not available (<c>MLContext.FallbackToCpu</c>).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gpuDeviceId"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">The GPU is not available and <paramref name="fallbackToCpu"/> is false.</exception>
    public static Device Resolve(int? gpuDeviceId, bool fallbackToCpu) =>
        Resolve(gpuDeviceId, fallbackToCpu, gpuDeviceId is null ? 0 : CudaDeviceCount());

    /// <summary>The decision, given how many CUDA devices are usable (0 when CUDA is unavailable).</summary>
    internal static Device Resolve(int? gpuDeviceId, bool fallbackToCpu, int cudaDeviceCount)
    {
        if (gpuDeviceId is null) return CPU;
        int id = gpuDeviceId.Value;
        ArgumentOutOfRangeException.ThrowIfNegative(id, nameof(gpuDeviceId));
        if (id < cudaDeviceCount) return new Device(DeviceType.CUDA, id);
        if (fallbackToCpu) return CPU;
        string why = cudaDeviceCount == 0
            ? "CUDA is not available"
            : $"only {cudaDeviceCount} CUDA device{(cudaDeviceCount == 1 ? " is" : "s are")} available";
        throw new InvalidOperationException(
            $"GPU device {id} was requested (MLContext.GpuDeviceId) but {why}; set MLContext.FallbackToCpu = true to train on the CPU instead, " +
            "or install a CUDA build of TorchSharp (e.g. the TorchSharp-cuda-linux or TorchSharp-cuda-windows package) on a machine with an NVIDIA GPU.");
    }

    private static int CudaDeviceCount() => torch.cuda.is_available() ? torch.cuda.device_count() : 0;
}
