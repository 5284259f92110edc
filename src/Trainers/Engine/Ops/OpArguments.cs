using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Reading and checking the integer arguments of ops: axes, index lists, shapes.</summary>
internal static class OpArguments
{
    /// <summary>
    /// The values of an integer tensor (any integer type, any device) as longs. Reading a CPU tensor does not
    /// synchronize anything; a tensor on another device is copied to the CPU, which waits for it.
    /// </summary>
    public static long[] ReadIntegers(Tensor tensor, string label, string what)
    {
        var type = tensor.dtype;
        if (type == ScalarType.Int64 && tensor.device_type == DeviceType.CPU)
            return TensorValues.ToArray<long>(tensor);
        if (type is ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte)
        {
            using var wide = tensor.to(ScalarType.Int64, CPU);
            return TensorValues.ToArray<long>(wide);
        }
        throw new InvalidDataException($"{label}: {what} must hold integers, not {type}.");
    }

    /// <summary><paramref name="axis"/> in [0, rank), counting negative axes from the end.</summary>
    public static long Axis(long axis, long rank, string label, string what = "axis")
    {
        if (axis < -rank || axis >= rank)
            throw new InvalidDataException($"{label}: {what} {axis} is out of range for a tensor of rank {rank}.");
        return axis < 0 ? axis + rank : axis;
    }

    /// <summary>Each axis in [0, rank), sorted; repeated axes are an error.</summary>
    public static long[] SortedAxes(long[] axes, long rank, string label, string what = "axes")
    {
        var result = new long[axes.Length];
        for (int i = 0; i < axes.Length; i++) result[i] = Axis(axes[i], rank, label, what);
        Array.Sort(result);
        for (int i = 1; i < result.Length; i++)
            if (result[i] == result[i - 1])
                throw new InvalidDataException($"{label}: {what} [{string.Join(", ", axes)}] name axis {result[i]} more than once.");
        return result;
    }

    /// <summary>The numpy broadcast of two shapes.</summary>
    public static long[] Broadcast(long[] a, long[] b, string label)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new long[rank];
        for (int i = 1; i <= rank; i++)
        {
            long da = i <= a.Length ? a[^i] : 1, db = i <= b.Length ? b[^i] : 1;
            if (da != db && da != 1 && db != 1)
                throw new InvalidDataException($"{label}: shapes {Format(a)} and {Format(b)} do not broadcast.");
            result[rank - i] = da == 1 ? db : da;
        }
        return result;
    }

    /// <summary>"[2, 3]", for messages.</summary>
    public static string Format(long[] shape) => $"[{string.Join(", ", shape)}]";

    /// <summary>
    /// <paramref name="tensor"/> moved to the device of <paramref name="reference"/>, or null when it is already there
    /// (the caller disposes a moved copy). Run-time shape values (Shape's output) live on the CPU while constants
    /// follow the module to its device; on the CPU this costs two property reads.
    /// </summary>
    public static Tensor? OnDeviceOf(Tensor tensor, Tensor reference) =>
        tensor.device_type == reference.device_type && tensor.device_index == reference.device_index ? null : tensor.to(reference.device);
}
