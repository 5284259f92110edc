namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// How one output row's Lasso problem was solved.
/// </summary>
/// <param name="Lambda">The λ solved at (for a target count: the one bisection settled on).</param>
/// <param name="Epochs">Coordinate passes made at that λ (full or working-set).</param>
/// <param name="TotalEpochs">Coordinate passes made for this row over the whole λ path and bisection.</param>
/// <param name="DualityGap">P(ŵ) − D(θ) at the end, an upper bound on how far the objective is from its minimum
/// (0 after a least-squares refit, where it does not apply).</param>
/// <param name="RelativeGap">The gap as a fraction of ‖Xw‖² (what <see cref="LassoSolverOptions.Tolerance"/> bounds).</param>
/// <param name="NonZeros">Weights of ŵ that are not zero.</param>
/// <param name="Objective">½(ŵ−w)ᵀG(ŵ−w) + λ‖ŵ‖₁ with the (damped) G solved with.</param>
/// <param name="Converged">Whether the gap reached the tolerance within <see cref="LassoSolverOptions.MaxEpochs"/>.</param>
/// <param name="Screened">Coordinates gap-safe screening proved zero in the last solve.</param>
internal readonly record struct LassoRowResult(
    double Lambda,
    int Epochs,
    int TotalEpochs,
    double DualityGap,
    double RelativeGap,
    int NonZeros,
    double Objective,
    bool Converged,
    int Screened);
