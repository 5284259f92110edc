using System;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Device choice follows MLContext.GpuDeviceId / FallbackToCpu; CUDA availability is injected.</summary>
[TestClass]
public sealed class TorchDeviceTests
{
    [TestMethod]
    public void Resolve_NoGpuRequested_IsCpu() =>
        Assert.AreEqual(DeviceType.CPU, TorchDevice.Resolve(null, fallbackToCpu: false, cudaDeviceCount: 2).type);

    [TestMethod]
    public void Resolve_GpuRequestedAndPresent_IsThatCudaDevice()
    {
        var device = TorchDevice.Resolve(1, fallbackToCpu: false, cudaDeviceCount: 2);
        Assert.AreEqual(DeviceType.CUDA, device.type);
        Assert.AreEqual(1, device.index);
    }

    [TestMethod]
    public void Resolve_GpuRequestedNoCudaWithFallback_IsCpu() =>
        Assert.AreEqual(DeviceType.CPU, TorchDevice.Resolve(0, fallbackToCpu: true, cudaDeviceCount: 0).type);

    [TestMethod]
    public void Resolve_GpuRequestedNoCudaWithoutFallback_ThrowsWithHint()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => TorchDevice.Resolve(0, fallbackToCpu: false, cudaDeviceCount: 0));
        StringAssert.Contains(ex.Message, "GPU device 0 was requested (MLContext.GpuDeviceId) but CUDA is not available");
        StringAssert.Contains(ex.Message, "MLContext.FallbackToCpu = true");
    }

    [TestMethod]
    public void Resolve_GpuIndexBeyondDeviceCount_FallsBackOrThrows()
    {
        Assert.AreEqual(DeviceType.CPU, TorchDevice.Resolve(2, fallbackToCpu: true, cudaDeviceCount: 1).type);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => TorchDevice.Resolve(2, fallbackToCpu: false, cudaDeviceCount: 1));
        StringAssert.Contains(ex.Message, "only 1 CUDA device is available");
    }

    [TestMethod]
    public void Resolve_NegativeGpuId_ThrowsArgumentOutOfRange() =>
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TorchDevice.Resolve(-1, fallbackToCpu: true, cudaDeviceCount: 1));

    [TestMethod]
    public void Resolve_ThisMachine_MatchesCudaAvailability()
    {
        Assert.AreEqual(DeviceType.CPU, TorchDevice.Resolve(null, fallbackToCpu: false).type);
        var expected = torch.cuda.is_available() ? DeviceType.CUDA : DeviceType.CPU;
        Assert.AreEqual(expected, TorchDevice.Resolve(0, fallbackToCpu: true).type);
    }
}
