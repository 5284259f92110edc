using System;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>Reading a tensor's values into a managed array, including empty tensors (TensorAccessor rejects those).</summary>
internal static class TensorValues
{
    /// <summary>The values of <paramref name="tensor"/> (copied to the CPU if needed), in row-major order.</summary>
    public static T[] ToArray<T>(Tensor tensor) where T : unmanaged
    {
        if (tensor.numel() == 0) return [];
        using var scope = NewDisposeScope();
        return tensor.contiguous().data<T>().ToArray();
    }
}
