using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The memory guard of layer reconstruction: before any data is read, the Gram matrices a configuration will hold at once
/// (the largest layer's in sequential mode, every layer's in parallel mode) are compared with
/// <see cref="CoordinateDescentPruningOptions.MaxGramMegabytes"/>, so a layer too wide for the machine fails with its name
/// and size instead of running out of memory. Calibration inputs X are never held whole (they stream into G).
/// </summary>
internal static class GramMemoryBudget
{
    /// <summary>Bytes of <paramref name="layer"/>'s Gram matrices: n² doubles, per group for Conv.</summary>
    public static long Bytes(OnnxModel model, PrunableWeight layer)
    {
        var (groups, n) = Size(model, layer);
        return groups * n * n * sizeof(double);
    }

    /// <summary>Refuses <paramref name="layers"/> when their Gram matrices exceed the budget or one .NET array.</summary>
    /// <exception cref="InvalidOperationException">Over budget, naming the largest layer, its G and the option to change.</exception>
    /// <exception cref="NotSupportedException">A layer whose G has more values than one array holds.</exception>
    public static void Check(OnnxModel model, IReadOnlyList<PrunableWeight> layers, CoordinateDescentPruningOptions options)
    {
        if (layers.Count == 0) return;
        // Sequential mode also holds C = XᵀX_d and D = X_dᵀX_d of a Gemm/MatMul layer (fitting the dense output): 3 n² doubles.
        long Held(PrunableWeight l) => Bytes(model, l) * (options.Sequential && l.Role != PrunableWeightRole.ConvWeight ? 3 : 1);
        var sizes = layers.Select(l => (Layer: l, Size: Size(model, l), Bytes: Held(l))).ToList();
        foreach (var (layer, (groups, n), _) in sizes)
        {
            if (n * n > Array.MaxLength)
                throw new NotSupportedException(
                    $"Layer '{layer.Name}' ({layer.OpType} node '{layer.NodeName}') has {n} inputs{(layer.Role == PrunableWeightRole.ConvWeight ? " per group" : "")}; " +
                    $"its G = XᵀX ({n}² values) is larger than one array can hold. Add it to {nameof(PruningOptions.ExcludedLayers)}.");
        }
        var largest = sizes.MaxBy(s => s.Bytes);
        long held = options.Sequential ? largest.Bytes : sizes.Sum(s => s.Bytes);
        long limit = (long)options.MaxGramMegabytes << 20;
        if (held <= limit) return;
        var (weight, (g, inputs), bytes) = largest;
        string size = g > 1 ? $"{g} groups × {inputs}² doubles" : $"{inputs}² doubles";
        string mode = options.Sequential
            ? $"Its G = XᵀX ({size}{(weight.Role == PrunableWeightRole.ConvWeight ? "" : ", with C = XᵀX_d and D = X_dᵀX_d of the dense model's input: 3×")}) takes {Megabytes(bytes)} MiB"
            : $"Parallel mode holds every layer's G = XᵀX at once, {Megabytes(held)} MiB in all; the largest is this one's ({size}, {Megabytes(bytes)} MiB)";
        throw new InvalidOperationException(
            $"Layer '{weight.Name}' ({weight.OpType} node '{weight.NodeName}'): {mode}, more than {nameof(CoordinateDescentPruningOptions.MaxGramMegabytes)} = {options.MaxGramMegabytes}. " +
            $"Add it to {nameof(PruningOptions.ExcludedLayers)}{(options.Sequential ? "" : ", set Sequential = true")} or raise {nameof(CoordinateDescentPruningOptions.MaxGramMegabytes)}.");
    }

    private static (long Groups, long N) Size(OnnxModel model, PrunableWeight layer)
    {
        if (layer.Role != PrunableWeightRole.ConvWeight) return (1, layer.ParameterCount / Math.Max(1, layer.OutputUnits));
        var geometry = ConvGeometry.Read(model, layer);
        return (geometry.Groups, geometry.PatchLength);
    }

    private static string Megabytes(long bytes) => (bytes / (double)(1 << 20)).ToString("F0", CultureInfo.InvariantCulture);
}
