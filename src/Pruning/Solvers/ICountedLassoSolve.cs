namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// A Lasso solve whose non-zero count λ is searched for: one row, or all rows of a layer at one λ.
/// </summary>
internal interface ICountedLassoSolve
{
    /// <summary>Solves at λ (warm-started from the last solve) and returns the non-zero count.</summary>
    long SolveAt(double lambda);

    /// <summary>Remembers the current solution as the smallest-λ one found above the target count.</summary>
    void KeepOverTarget();

    /// <summary>Puts the remembered over-target solution back.</summary>
    void RestoreOverTarget();
}
