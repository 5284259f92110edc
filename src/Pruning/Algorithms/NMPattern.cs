using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// An N:M pattern (<see cref="PruningGranularity.NM"/>): of every M consecutive weights along a layer's input dimension,
/// per output unit, N are kept. Where the groups lie in a weight tensor, and how many a group keeps part-way through an
/// iterative or gradual schedule.
/// </summary>
/// <param name="N">Weights kept per group, 1 ≤ N &lt; M.</param>
/// <param name="M">Weights per group, at least 2.</param>
internal readonly record struct NMPattern(int N, int M)
{
    /// <summary>The share of weights the pattern prunes, 1 − N/M, in double as the report computes it.</summary>
    public double Sparsity => 1.0 - ((double)N / M);

    /// <summary>"2:4".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{N}:{M}");

    /// <summary>
    /// Weights a group keeps at <paramref name="fraction"/> of the way to the pattern (iterative rounds, the gradual ramp):
    /// M − round((M − N)·fraction), midpoints to even, so 0 keeps all M and 1 keeps N, never increasing with the fraction.
    /// </summary>
    public int KeptAt(double fraction)
    {
        double f = Math.Clamp(fraction, 0, 1);
        return M - (int)Math.Round((M - N) * f, MidpointRounding.ToEven);
    }

    /// <summary>
    /// The axis of <paramref name="weight"/>'s shape along which the groups run: the input dimension. Gemm/MatMul: K (axis 1
    /// of [N, K] with transB = 1, axis 0 of [K, N]); Conv [M, C/group, kernel…]: the input channels, axis 1 (as NVIDIA's 2:4
    /// for convolutions), one run of groups per (filter, kernel position).
    /// </summary>
    public static int GroupAxis(PrunableWeight weight) =>
        weight.Role == PrunableWeightRole.ConvWeight ? 1 : 1 - weight.OutputAxis;

    /// <summary>
    /// Throws unless M divides <paramref name="weight"/>'s input dimension; the message names the layer, the dimension and
    /// its size, and says how to leave the layer dense.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">M does not divide the layer's input dimension.</exception>
    public void CheckDivides(PrunableWeight weight, string optionName)
    {
        int axis = GroupAxis(weight);
        long length = weight.Shape[axis];
        if (length % M == 0) return;
        string dimension = weight.Role == PrunableWeightRole.ConvWeight
            ? $"input channels per group (C/group = {length}, axis 1 of [{string.Join(", ", weight.Shape)}])"
            : $"input features (K = {length}, axis {axis} of [{string.Join(", ", weight.Shape)}])";
        throw new ArgumentOutOfRangeException(optionName, M,
            string.Create(CultureInfo.InvariantCulture,
                $"N:M pattern {this}: M = {M} does not divide the {dimension} of layer '{weight.Name}'. " +
                $"Choose an M that divides {length}, or add '{weight.Name}' to ExcludedLayers to leave it dense."));
    }

    /// <summary>Splits a row-major <paramref name="shape"/> around <paramref name="axis"/>: [outer, length, inner].</summary>
    /// <exception cref="ArgumentOutOfRangeException">The axis is outside the shape, or a dimension is negative.</exception>
    public static (long Outer, long Length, long Inner) Split(IReadOnlyList<long> shape, int axis)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (axis < 0 || axis >= shape.Count)
            throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis {axis} is outside the shape [{string.Join(", ", shape)}].");
        long outer = 1, inner = 1;
        for (int d = 0; d < shape.Count; d++)
        {
            if (shape[d] < 0)
                throw new ArgumentOutOfRangeException(nameof(shape), $"The shape [{string.Join(", ", shape)}] has a negative dimension.");
            if (d < axis) outer *= shape[d];
            else if (d > axis) inner *= shape[d];
        }
        return (outer, shape[axis], inner);
    }
}
