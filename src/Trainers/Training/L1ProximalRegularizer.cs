using System;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// Lasso by proximal steps (<see cref="L1Regularization"/>): after each optimizer step at learning rate η, each named
/// weight is soft-thresholded, w ← sign(w)·max(|w| − η·λ, 0), so weights reach exactly zero (and stay there while the
/// gradient cannot pull them past η·λ in one step). Biases and normalization parameters are never touched unless named.
/// </summary>
/// <remarks>
/// η is the optimizer's nominal step (see <see cref="L1Regularization"/> for what that means with Adam). A weight held
/// at zero by a mask stays zero: masks are applied before this step and |0| − η·λ &lt; 0.
/// </remarks>
internal sealed class L1ProximalRegularizer : ProximalRegularizer
{
    /// <summary>Acts on the weights <paramref name="description"/> names, which must be parameters of <paramref name="module"/>.</summary>
    public L1ProximalRegularizer(OnnxTorchModule module, L1Regularization description) : base(module, description) { }

    /// <inheritdoc />
    protected override void Shrink(Tensor parameter, RegularizedWeight weight, double threshold)
    {
        // sign(w)·max(|w| − t, 0) = w − clamp(w, −t, t): one temporary and two kernels per weight, bit for bit the same
        // (w − w is +0 inside the threshold; w ∓ t outside). Explicit Scalars kept alive past the native calls (TorchSharp 0.107).
        var low = (-threshold).ToScalar();
        var high = threshold.ToScalar();
        var minusOne = (-1f).ToScalar();
        parameter.add_(parameter.clamp(low, high), minusOne);
        GC.KeepAlive(low);
        GC.KeepAlive(high);
        GC.KeepAlive(minusOne);
    }

    /// <inheritdoc />
    protected override double Penalty(Tensor parameter, RegularizedWeight weight) =>
        weight.Lambda == 0 ? 0 : weight.Lambda * parameter.abs().sum().item<float>();
}
