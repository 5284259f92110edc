using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// A layer's structured pruning by group Lasso: which input groups it keeps, its new weights, and how the solve went.
/// </summary>
/// <param name="Weights">Ŵ, rows × n row-major: zero on every input of a removed group.</param>
/// <param name="KeptGroups">Per group, whether it is kept.</param>
/// <param name="Lambda">The λ the kept groups were chosen at (for a count: where the path and bisection settled).</param>
/// <param name="Lasso">The last group-Lasso solve (its gap, passes, non-zero groups).</param>
/// <param name="TotalEpochs">Block passes over the whole path, bisection and re-solves.</param>
/// <param name="RoundedByRank">Whether the search found no λ with exactly the target count, so the groups were ranked by
/// ‖X_g·Ŵ_gᵀ‖ of the nearest solution (or of W for the groups it zeroed) and cut to the count.</param>
/// <param name="RelativeReconstructionError">‖X(W − Ŵ)ᵀ‖_F / ‖XWᵀ‖_F with the undamped G.</param>
/// <param name="Damping">δ added to G's diagonal for the solve (0 when undamped).</param>
/// <param name="RefitDamping">The extra damping the shared least-squares refit needed for a singular G_SS (0 when none or no refit).</param>
/// <param name="RankDeficient">Whether G came from fewer calibration rows than inputs.</param>
/// <param name="ZeroColumns">Inputs all zero on the calibration data.</param>
internal sealed record LayerGroupLassoSolution(
    float[] Weights,
    bool[] KeptGroups,
    double Lambda,
    GroupLassoResult Lasso,
    long TotalEpochs,
    bool RoundedByRank,
    double RelativeReconstructionError,
    double Damping,
    double RefitDamping,
    bool RankDeficient,
    IReadOnlyList<int> ZeroColumns)
{
    /// <summary>How many groups are kept.</summary>
    public int KeptCount
    {
        get
        {
            int count = 0;
            foreach (bool kept in KeptGroups)
            {
                count += kept ? 1 : 0;
            }

            return count;
        }
    }
}
