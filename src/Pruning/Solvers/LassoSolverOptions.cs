using System;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// How the Gram-form Lasso solver works: stopping rule, screening, λ path, damping and threads.
/// </summary>
internal sealed class LassoSolverOptions
{
    /// <summary>
    /// Stop when the duality gap is at most this fraction of ‖Xw‖² (wᵀGw) of the row: scikit-learn's rule for its
    /// <c>tol</c>, with our unscaled loss. Default 1e-6.
    /// </summary>
    public double Tolerance { get; set; } = 1e-6;

    /// <summary>At most this many passes over the coordinates (full or working-set) per λ. Default 10,000.</summary>
    public int MaxEpochs { get; set; } = 10_000;

    /// <summary>Gap-safe screening: drop coordinates proven zero at the solution. Default on.</summary>
    public bool Screening { get; set; } = true;

    /// <summary>
    /// Anderson extrapolation of the working-set passes (every 5 passes, kept when the objective drops;
    /// <see cref="AndersonExtrapolation"/>): on correlated inputs plain coordinate descent creeps.
    /// </summary>
    public bool Extrapolation { get; set; } = true;

    /// <summary>λ values on the geometric path from λ_max down to λ_max·<see cref="PathMinRatio"/>. Default 30.</summary>
    public int PathLength { get; set; } = 30;

    /// <summary>Smallest λ of the path as a fraction of λ_max. Default 1e-4.</summary>
    public double PathMinRatio { get; set; } = 1e-4;

    /// <summary>At most this many bisection steps (on log λ) to hit a target count. Default 50.</summary>
    public int BisectionSteps { get; set; } = 50;

    /// <summary>
    /// δ added to G's diagonal as a fraction of the mean diagonal (the problem solved is then
    /// ½(ŵ−w)ᵀ(G+δI)(ŵ−w) + λ‖ŵ‖₁). Default 0.
    /// </summary>
    public double RelativeDamping { get; set; }

    /// <summary>
    /// The relative damping used instead when <see cref="RelativeDamping"/> is 0 and G is known to be rank-deficient
    /// (fewer calibration rows than inputs). Default 0.01, SparseGPT's choice.
    /// </summary>
    public double RankDeficientDamping { get; set; } = 0.01;

    /// <summary>
    /// γ of the adaptive Lasso (<see cref="LassoRowState.SetAdaptivePenalty"/>): each weight's ℓ1 penalty is
    /// λ·(mean|w| / |w_j|)^γ for the row's dense weights w. Default 0: the plain Lasso.
    /// </summary>
    public double AdaptivePower { get; set; }

    /// <summary>Threads over output rows; -1 for as many as the runtime likes. Default -1.</summary>
    public int MaxDegreeOfParallelism { get; set; } = -1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first option out of range.</summary>
    public void Validate()
    {
        if (!(Tolerance > 0) || double.IsInfinity(Tolerance))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "The duality-gap tolerance must be a finite value > 0.");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MaxEpochs, 1, nameof(MaxEpochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(PathLength, 2, nameof(PathLength));
        if (!(PathMinRatio > 0 && PathMinRatio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(PathMinRatio), PathMinRatio, "The path's smallest λ ratio must lie in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(BisectionSteps, 0, nameof(BisectionSteps));
        if (!(RelativeDamping >= 0) || double.IsInfinity(RelativeDamping))
        {
            throw new ArgumentOutOfRangeException(nameof(RelativeDamping), RelativeDamping, "Damping must be a finite value ≥ 0.");
        }

        if (!(RankDeficientDamping >= 0) || double.IsInfinity(RankDeficientDamping))
        {
            throw new ArgumentOutOfRangeException(nameof(RankDeficientDamping), RankDeficientDamping, "Damping must be a finite value ≥ 0.");
        }

        if (!(AdaptivePower >= 0) || double.IsInfinity(AdaptivePower))
        {
            throw new ArgumentOutOfRangeException(nameof(AdaptivePower), AdaptivePower, "The adaptive Lasso's power γ must be a finite value ≥ 0.");
        }

        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), MaxDegreeOfParallelism, "Use -1 or a positive thread count.");
        }
    }
}
