namespace Microsoft.ML.Pruning.Solvers;

/// <summary>The weight ω_g of group g's norm in the group-Lasso penalty λ Σ_g ω_g‖Ŵ_{:,g}‖_F.</summary>
internal enum GroupPenaltyWeighting
{
    /// <summary>ω_g = √|g| (Yuan and Lin 2006): groups of different sizes compete on equal terms.</summary>
    SquareRootOfSize = 0,

    /// <summary>ω_g = 1.</summary>
    Uniform = 1,
}
