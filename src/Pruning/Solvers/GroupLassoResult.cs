namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// How a layer's group-Lasso problem was solved at one λ.
/// </summary>
/// <param name="Lambda">The λ solved at.</param>
/// <param name="Epochs">Block passes made at that λ (full or working-set).</param>
/// <param name="DualityGap">P(B) − D(Θ) at the end: an upper bound on how far the objective is from its minimum.</param>
/// <param name="RelativeGap">The gap as a fraction of ‖Y‖²_F = ‖XWᵀ‖²_F (what <see cref="LassoSolverOptions.Tolerance"/> bounds).</param>
/// <param name="NonZeroGroups">Groups whose block of Ŵ is not all zero.</param>
/// <param name="Objective">½‖X(Wᵀ − Ŵᵀ)‖²_F + λ Σ_g ω_g‖Ŵ_{:,g}‖_F with the (damped) G solved with.</param>
/// <param name="Converged">Whether the stop was met within <see cref="LassoSolverOptions.MaxEpochs"/>: the duality gap for λ &gt; 0,
/// the objective's change for λ = 0.</param>
/// <param name="Screened">Groups gap-safe screening proved zero in this solve.</param>
internal readonly record struct GroupLassoResult(
    double Lambda,
    int Epochs,
    double DualityGap,
    double RelativeGap,
    int NonZeroGroups,
    double Objective,
    bool Converged,
    int Screened);
