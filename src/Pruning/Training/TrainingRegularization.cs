using System;
using System.Collections.Generic;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// What a training run adds around each optimizer step, described in plain values (no TorchSharp), so the core can ask
/// the gradient backend for it through <see cref="IMaskedTraining.Train"/>: the backend builds the matching
/// regularizer (in Microsoft.ML.Pruning.Trainers, <c>TrainingRegularizers.Create</c>) and reports what it did in
/// <see cref="TrainingResult.Regularization"/>. Only the named weights are touched: biases and normalization
/// parameters are left alone unless a description names them.
/// </summary>
/// <remarks>
/// One derived record per method: <see cref="L1Regularization"/> and <see cref="GroupL1Regularization"/> (proximal
/// steps, Lasso); ADMM adds its own record (ρ schedule, kept counts) and a case in the backend's factory.
/// </remarks>
[JsonDerivedType(typeof(L1Regularization), "l1")]
[JsonDerivedType(typeof(GroupL1Regularization), "group-l1")]
public abstract record TrainingRegularization
{
    /// <summary>The weights regularized, each with its strength and unit layout.</summary>
    public IReadOnlyList<RegularizedWeight> Weights { get; init; } = [];

    /// <summary>Checks the description; messages name the weight.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A negative, NaN or infinite λ, or a negative output axis.</exception>
    /// <exception cref="ArgumentException">No weights, or a weight named twice.</exception>
    public virtual void Validate()
    {
        if (Weights is null || Weights.Count == 0)
            throw new ArgumentException($"{GetType().Name} names no weight to regularize.", nameof(Weights));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var weight in Weights)
        {
            ArgumentNullException.ThrowIfNull(weight, nameof(Weights));
            if (!seen.Add(weight.Name))
                throw new ArgumentException($"{GetType().Name} names weight '{weight.Name}' twice.", nameof(Weights));
            if (!(weight.Lambda >= 0) || double.IsInfinity(weight.Lambda))
                throw new ArgumentOutOfRangeException(nameof(RegularizedWeight.Lambda), weight.Lambda,
                    $"{GetType().Name}: λ of weight '{weight.Name}' must be a finite value ≥ 0; got {weight.Lambda}.");
            if (weight.OutputAxis < 0)
                throw new ArgumentOutOfRangeException(nameof(RegularizedWeight.OutputAxis), weight.OutputAxis,
                    $"{GetType().Name}: output axis of weight '{weight.Name}' must be ≥ 0; got {weight.OutputAxis}.");
        }
    }
}

/// <summary>One weight a regularizer acts on.</summary>
/// <param name="Name">The initializer's name (a trainable parameter of the opened sub-graph).</param>
/// <param name="Lambda">The penalty's strength λ ≥ 0 for this weight (0 leaves it alone).</param>
/// <param name="OutputAxis">The axis indexing output units (neurons, filters): the groups of <see cref="GroupL1Regularization"/>
/// are the slices along it (see <c>PrunableWeight.OutputAxis</c>). Unused by <see cref="L1Regularization"/>.</param>
public sealed record RegularizedWeight(string Name, double Lambda, int OutputAxis = 0);

/// <summary>
/// Lasso by proximal steps: after each optimizer step at learning rate η, every named weight is soft-thresholded,
/// w ← sign(w)·max(|w| − η·λ, 0), which sets weights to exactly zero.
/// </summary>
/// <remarks>
/// η is the optimizer's nominal step (the schedule's learning rate), as proximal SGD in PyTorch practice uses it. With
/// SGD this is the proximal gradient method for loss + λ‖w‖₁. With Adam, whose per-coordinate step is η·m̂/(√v̂ + ε)
/// (about η for a weight with a steady gradient, whatever the gradient's scale), a weight survives when its normalized
/// drive |m̂/(√v̂ + ε)| stays above λ: λ is then scale-free (useful values lie in about 1e-3…1), not the λ of loss + λ‖w‖₁.
/// </remarks>
public sealed record L1Regularization : TrainingRegularization;

/// <summary>
/// Group Lasso (ℓ2,1 over output units) by proximal steps: after each optimizer step at learning rate η, each output
/// unit g of a named weight (its slice along <see cref="RegularizedWeight.OutputAxis"/>, of |g| weights) is shrunk as a
/// whole, w_g ← w_g·max(0, 1 − η·λ·√|g| / ‖w_g‖₂), which zeroes whole neurons or filters. The √|g| factor makes λ
/// comparable across layers of different fan-in (Yuan and Lin 2006).
/// </summary>
public sealed record GroupL1Regularization : TrainingRegularization;
