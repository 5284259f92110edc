using System;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// A linear regression's training problem in Gram form, built from <see cref="RegressionSums"/>: G = X̃ᵀX̃,
/// c = X̃ᵀỹ and ‖ỹ‖², where X̃ and ỹ are the rows centered at their own means (with an intercept, as scikit-learn's
/// <c>fit_intercept</c>) or not centered at all (without). The intercept follows from the centering:
/// b = ȳ − x̄ᵀβ.
/// </summary>
/// <remarks>
/// The sums are taken about a shift s (the means of all rows); centering at a point o is then a rank-one
/// correction with e = o − s: Σ(z−e)(z−e)ᵀ = Σzzᵀ − (Σz)eᵀ − e(Σz)ᵀ + n·eeᵀ, and likewise for c and ‖ỹ‖². A feature
/// that is constant over the rows (all-zero included) has a zero column in X̃: its row and column of G are set to
/// exactly 0 when its centered sum of squares is within rounding (1e-12) of its sum of squares about the shift,
/// so the solver holds its weight at 0 instead of chasing rounding noise.
/// </remarks>
internal sealed class RegressionProblem
{
    private const double ConstantColumnRatio = 1e-12;

    private RegressionProblem(GramMatrix gram, double[] rightHandSide, double targetSquaredNorm, long rows, double[] centerOffset,
        double labelCenterOffset, bool fitIntercept)
    {
        FitIntercept = fitIntercept;
        Gram = gram;
        RightHandSide = rightHandSide;
        TargetSquaredNorm = targetSquaredNorm;
        Rows = rows;
        CenterOffset = centerOffset;
        LabelCenterOffset = labelCenterOffset;
    }

    /// <summary>G = X̃ᵀX̃ (undamped).</summary>
    public GramMatrix Gram { get; }

    /// <summary>c = X̃ᵀỹ.</summary>
    public double[] RightHandSide { get; }

    /// <summary>‖ỹ‖².</summary>
    public double TargetSquaredNorm { get; }

    /// <summary>Whether the rows were centered at their means (an intercept is fitted) or not at all (b = 0).</summary>
    public bool FitIntercept { get; }

    /// <summary>n, the training rows.</summary>
    public long Rows { get; }

    /// <summary>e: where the features were centered, in shifted coordinates (the rows' mean − shift, or −shift).</summary>
    public double[] CenterOffset { get; }

    /// <summary>e_y: where the label was centered, in shifted coordinates.</summary>
    public double LabelCenterOffset { get; }

    /// <summary>The training problem of the rows summed in <paramref name="sums"/> (symmetry completed).</summary>
    /// <param name="sums">The rows' sums about the shift.</param>
    /// <param name="fitIntercept">Center at the rows' means (true) or at the origin (false).</param>
    /// <param name="featureShift">The shift of the features the sums were taken about.</param>
    /// <param name="labelShift">The shift of the label.</param>
    public static RegressionProblem Create(RegressionSums sums, bool fitIntercept, ReadOnlySpan<double> featureShift, double labelShift)
    {
        ArgumentNullException.ThrowIfNull(sums);
        int p = sums.Features;
        long n = sums.Rows;
        if (n < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(sums), "A regression problem needs at least one row.");
        }

        var e = new double[p];
        double ey;
        if (fitIntercept)
        {
            TensorPrimitives.Divide(sums.FeatureSums, n, e);
            ey = sums.LabelSum / n;
        }
        else
        {
            TensorPrimitives.Negate(featureShift, e);
            ey = -labelShift;
        }

        double[] s = sums.FeatureSums;
        double[] cross = sums.Cross;
        var g = new double[(long)p * p];
        var c = new double[p];
        for (int i = 0; i < p; i++)
        {
            for (int j = i; j < p; j++)
            {
                double v = cross[(i * p) + j] - (s[i] * e[j]) - (e[i] * s[j]) + (n * e[i] * e[j]);
                g[(i * p) + j] = v;
                g[(j * p) + i] = v;
            }

            c[i] = sums.FeatureLabelSums[i] - (s[i] * ey) - (e[i] * sums.LabelSum) + (n * e[i] * ey);
        }

        for (int j = 0; j < p; j++)
        {
            double aboutShift = cross[(j * p) + j] + (n * e[j] * e[j]);
            if (g[(j * p) + j] <= ConstantColumnRatio * aboutShift)
            {
                for (int k = 0; k < p; k++)
                {
                    g[(j * p) + k] = 0;
                    g[(k * p) + j] = 0;
                }

                c[j] = 0;
            }
        }

        double yy = Math.Max(sums.LabelSquares - (2 * ey * sums.LabelSum) + (n * ey * ey), 0);
        var gram = GramMatrix.FromValues(g, p, n <= int.MaxValue ? (int)n : null);
        return new RegressionProblem(gram, c, yy, n, e, ey, fitIntercept);
    }

    /// <summary>
    /// The model's offset in shifted coordinates, o with ŷ − shift_y = o + zᵀβ: o = e_y − eᵀβ
    /// (what <see cref="RegressionSums.SquaredError"/> takes).
    /// </summary>
    public double ShiftedOffset(ReadOnlySpan<double> beta) => LabelCenterOffset - TensorPrimitives.Dot(CenterOffset, beta);

    /// <summary>The intercept b of ŷ = b + xᵀβ in the original coordinates: shift_y + o − shiftᵀβ (exactly 0 without an intercept).</summary>
    public double Intercept(ReadOnlySpan<double> beta, ReadOnlySpan<double> featureShift, double labelShift) =>
        FitIntercept ? labelShift + ShiftedOffset(beta) - TensorPrimitives.Dot(featureShift, beta) : 0;

    /// <summary>‖ỹ − X̃β‖² = ‖ỹ‖² − 2cᵀβ + βᵀGβ with the undamped G (clamped at 0).</summary>
    public double ResidualSquaredNorm(ReadOnlySpan<double> beta) =>
        Math.Max(TargetSquaredNorm - (2 * TensorPrimitives.Dot(RightHandSide, beta)) + Gram.QuadraticForm(beta), 0);
}
