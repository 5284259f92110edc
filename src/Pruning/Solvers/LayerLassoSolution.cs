using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// A layer's pruned weights and how they were found: per row λ, passes, duality gap, non-zeros, objective; per
/// layer the relative reconstruction error and the damping used.
/// </summary>
internal sealed class LayerLassoSolution
{
    internal LayerLassoSolution(
        float[] weights,
        int rows,
        int columns,
        LassoRowResult[] rowResults,
        double[] rowRelativeErrors,
        double relativeReconstructionError,
        double damping,
        bool rankDeficient,
        IReadOnlyList<int> zeroColumns,
        double[] refitDamping,
        double? layerLambda)
    {
        Weights = weights;
        Rows = rows;
        Columns = columns;
        RowResults = rowResults;
        RowRelativeErrors = rowRelativeErrors;
        RelativeReconstructionError = relativeReconstructionError;
        Damping = damping;
        RankDeficient = rankDeficient;
        ZeroColumns = zeroColumns;
        RefitDamping = refitDamping;
        LayerLambda = layerLambda;
        long nonZeros = 0;
        foreach (float w in weights)
        {
            nonZeros += w != 0 ? 1 : 0;
        }

        NonZeros = nonZeros;
    }

    /// <summary>ŵ, rows × columns row-major.</summary>
    public float[] Weights { get; }

    /// <summary>Output rows m.</summary>
    public int Rows { get; }

    /// <summary>Inputs n.</summary>
    public int Columns { get; }

    /// <summary>Per row: λ, passes, duality gap, non-zeros, objective. After a refit, Objective is ½(ŵ−w)ᵀG(ŵ−w)
    /// of the refit weights and the gap is that of the Lasso solve that chose the support (0 for a given support).</summary>
    public IReadOnlyList<LassoRowResult> RowResults { get; }

    /// <summary>Per row ‖X(w−ŵ)‖/‖Xw‖ with the undamped G (0 for a row with Xw = 0).</summary>
    public IReadOnlyList<double> RowRelativeErrors { get; }

    /// <summary>
    /// ‖X(W−Ŵ)ᵀ‖_F / ‖XWᵀ‖_F = sqrt(Σ_rows (w−ŵ)ᵀG(w−ŵ) / Σ_rows wᵀGw), with the undamped G.
    /// </summary>
    public double RelativeReconstructionError { get; }

    /// <summary>δ added to G's diagonal for the solve (0 when undamped).</summary>
    public double Damping { get; }

    /// <summary>Whether G came from fewer calibration rows than inputs (singular; see <see cref="Damping"/>).</summary>
    public bool RankDeficient { get; }

    /// <summary>Inputs that were all zero on the calibration data; their weights are 0 in every row.</summary>
    public IReadOnlyList<int> ZeroColumns { get; }

    /// <summary>Per row, the extra damping the least-squares refit needed for a singular G_SS (0 when none or no refit).</summary>
    public IReadOnlyList<double> RefitDamping { get; }

    /// <summary>The single λ of all rows, for a per-layer target or a fixed λ; null when each row has its own.</summary>
    public double? LayerLambda { get; }

    /// <summary>Non-zero weights in <see cref="Weights"/>.</summary>
    public long NonZeros { get; }
}
