using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// Group Lasso by proximal steps (<see cref="GroupL1Regularization"/>): after each optimizer step at learning rate η,
/// each output unit g of a named weight (the slice along its <see cref="RegularizedWeight.OutputAxis"/>) is shrunk as a
/// whole, w_g ← w_g·max(0, 1 − η·λ·√|g| / ‖w_g‖₂), the proximal operator of η·λ·√|g|·‖w_g‖₂, so whole neurons or
/// filters reach exactly zero.
/// </summary>
internal sealed class GroupL1ProximalRegularizer : ProximalRegularizer
{
    /// <summary>Acts on the weights <paramref name="description"/> names, which must be parameters of <paramref name="module"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A weight's output axis is not an axis of its shape.</exception>
    public GroupL1ProximalRegularizer(OnnxTorchModule module, GroupL1Regularization description) : base(module, description)
    {
        foreach (var weight in Weights)
        {
            int rank = ParameterOf(weight).shape.Length;
            if (weight.OutputAxis >= rank)
                throw new ArgumentOutOfRangeException(nameof(description), weight.OutputAxis,
                    $"GroupL1Regularization: weight '{weight.Name}' has rank {rank}; output axis {weight.OutputAxis} is not one of its axes.");
        }
    }

    /// <summary>The axes summed over for a unit's norm: all but the output axis.</summary>
    private static long[] WithinUnit(Tensor parameter, RegularizedWeight weight) =>
        [.. Enumerable.Range(0, parameter.shape.Length).Where(d => d != weight.OutputAxis).Select(d => (long)d)];

    /// <summary>|g|: weights per unit.</summary>
    private static double GroupSize(Tensor parameter, RegularizedWeight weight) =>
        (double)parameter.numel() / Math.Max(1, parameter.shape[weight.OutputAxis]);

    /// <summary>‖w_g‖₂ per unit, shaped to broadcast against the weight (size 1 on every axis but the output axis).</summary>
    private static Tensor UnitNorms(Tensor parameter, RegularizedWeight weight)
    {
        long[] axes = WithinUnit(parameter, weight);
        return axes.Length == 0 ? parameter.abs() : parameter.square().sum(axes, true, null).sqrt_();
    }

    /// <inheritdoc />
    protected override void Shrink(Tensor parameter, RegularizedWeight weight, double threshold)
    {
        // factor = max(0, 1 − t/‖w_g‖); a zero unit gives 1/0 = ∞ → −∞ → 0 (t > 0 here), never NaN.
        var minusThreshold = (-threshold * Math.Sqrt(GroupSize(parameter, weight))).ToScalar();
        var one = 1f.ToScalar();
        var factor = UnitNorms(parameter, weight).reciprocal_().mul_(minusThreshold).add_(one, one).relu_();
        parameter.mul_(factor);
        GC.KeepAlive(minusThreshold);
        GC.KeepAlive(one);
    }

    /// <inheritdoc />
    protected override double Penalty(Tensor parameter, RegularizedWeight weight) =>
        weight.Lambda == 0 ? 0 : weight.Lambda * Math.Sqrt(GroupSize(parameter, weight)) * UnitNorms(parameter, weight).sum().item<float>();

    /// <summary>Non-zero units of each weight, as "<c>name</c> units".</summary>
    protected override void Measure(Tensor parameter, RegularizedWeight weight, Dictionary<string, double> measures)
    {
        var zero = 0f.ToScalar();
        measures[$"{weight.Name} units"] = UnitNorms(parameter, weight).ne(zero).sum().item<long>();
        GC.KeepAlive(zero);
    }
}
