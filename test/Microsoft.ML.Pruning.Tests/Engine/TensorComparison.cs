using System;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Compares tensors the way ONNX's backend tests do: same type and shape, values within tolerance.</summary>
internal static class TensorComparison
{
    public const double RelativeTolerance = 1e-5;
    public const double AbsoluteTolerance = 1e-6;

    /// <summary>Null when <paramref name="actual"/> matches <paramref name="expected"/>, else what differs.</summary>
    public static string? Difference(Tensor actual, Tensor expected)
    {
        if (actual.dtype != expected.dtype) return $"type {actual.dtype}, expected {expected.dtype}";
        if (!actual.shape.SequenceEqual(expected.shape))
            return $"shape [{string.Join(", ", actual.shape)}], expected [{string.Join(", ", expected.shape)}]";
        using var scope = NewDisposeScope();
        var a = TensorValues.ToArray<double>(actual.detach().to(ScalarType.Float64, CPU));
        var e = TensorValues.ToArray<double>(expected.to(ScalarType.Float64, CPU));
        bool exact = !expected.is_floating_point();
        for (int i = 0; i < a.Length; i++)
        {
            if (double.IsNaN(e[i]) && double.IsNaN(a[i])) continue;
            double tolerance = exact ? 0 : AbsoluteTolerance + RelativeTolerance * Math.Abs(e[i]);
            if (!(Math.Abs(a[i] - e[i]) <= tolerance) && a[i] != e[i])
                return $"element {i} is {a[i]:R}, expected {e[i]:R} (tolerance {tolerance:G3})";
        }
        return null;
    }

    /// <summary>Whether every element is finite.</summary>
    public static bool AllFinite(Tensor t)
    {
        using var scope = NewDisposeScope();
        return t.detach().isfinite().all().item<bool>();
    }
}
