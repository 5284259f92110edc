using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Gram-form cyclic coordinate descent for one row's Lasso, min_β ½‖y − Xβ‖² + λ‖β‖₁ given only G = XᵀX, c = Xᵀy
/// and ‖y‖², with working sets, gap-safe screening and a stop on the duality gap.
/// </summary>
/// <remarks>
/// <para>
/// <b>Penalty factors.</b> With <see cref="LassoRowState.PenaltyFactors"/> p (the adaptive Lasso) the penalty is
/// λ·Σ_j p_j|β_j|: the threshold of coordinate j is λ·p_j, the dual constraint |x_jᵀθ| ≤ p_j, so the dual scale is
/// max(λ, max_j |c_j − q_j| / p_j) and the screening test compares with p_j instead of 1. Everything below is the
/// case p = 1.
/// </para>
/// <para>
/// <b>Update.</b> With q = G·β kept current, the exact minimiser along coordinate j is
/// β_j ← S(G_jj·β_j + c_j − q_j, λ) / G_jj (S = soft-thresholding). Computing it is O(1); only a change of β_j costs
/// O(n), the axpy q += Δ·G[:, j] on a contiguous row of the symmetric G.
/// </para>
/// <para>
/// <b>Duality gap in Gram form.</b> The residual ρ = y − Xβ is never formed: Xᵀρ = c − q, ‖ρ‖² = ‖y‖² − 2cᵀβ + βᵀq
/// and yᵀρ = ‖y‖² − cᵀβ. The dual point is θ = ρ / max(λ, ‖c − q‖∞) (dual-feasible: |x_jᵀθ| ≤ 1), and with
/// s = max(λ, ‖c − q‖∞) the dual objective ½‖y‖² − λ²/2·‖θ − y/λ‖² is (λ/s)·yᵀρ − ½(λ/s)²‖ρ‖². The gap costs O(n).
/// </para>
/// <para>
/// <b>Gap-safe screening</b> (Fercoq, Gramfort, Salmon 2015). The dual objective is λ²-strongly concave, so the
/// dual optimum lies in the ball of radius r = √(2·gap)/λ around θ; if |x_jᵀθ| + r·‖x_j‖ &lt; 1 then
/// |x_jᵀθ*| &lt; 1 and β*_j = 0 for every solution. Both terms are Gram quantities: x_jᵀθ = (c_j − q_j)/s and
/// ‖x_j‖ = √G_jj. Nothing needs X itself, and nothing needs G to be invertible: the proof works in the space of the
/// rows of X, whatever their number, and holds for every X with XᵀX = G. Damping G + δI is the Gram matrix of X
/// stacked on √δ·I (and c = (G + δI)w of y stacked on √δ·w), so it is covered too. The gap is padded by 1e-12·‖y‖²
/// against rounding in its O(n) sums before the test.
/// </para>
/// <para>
/// <b>Working sets.</b> A full pass over the unscreened coordinates, then passes over the non-zeros only until
/// they stop moving (Σ G_jj·Δ_j² ≤ the gap target), then a full pass again (which catches KKT violators among the
/// zeros); the gap is checked after every pass and ends the solve as soon as it is within tolerance.
/// </para>
/// <para>
/// <b>λ = 0</b> (least squares) has no useful dual bound (the gap is then the objective itself); the solve stops when
/// a full pass moves the objective by less than the tolerance. Least squares on a chosen support is better done by
/// <see cref="SupportRefit"/>.
/// </para>
/// </remarks>
internal static class CoordinateDescentLasso
{
    private const double GapRoundingPad = 1e-12;

    /// <summary>
    /// Solves at <paramref name="lambda"/>, starting from the state's current β (a warm start), leaving the solution
    /// in it. Excluded coordinates and those of all-zero columns are held at 0.
    /// </summary>
    /// <param name="state">The row's problem and its current β.</param>
    /// <param name="lambda">The ℓ1 weight.</param>
    /// <param name="options">Solver settings.</param>
    /// <param name="tolerance">A relative duality-gap tolerance replacing the options' (looser for the warm-start points of a path); null keeps it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> negative, NaN or infinite.</exception>
    public static LassoRowResult Solve(LassoRowState state, double lambda, LassoSolverOptions options, double? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        if (!(lambda >= 0) || double.IsInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be a finite value ≥ 0.");
        }

        GramMatrix g = state.Gram;
        int n = g.Size;
        double[] beta = state.Beta;
        double[] q = state.Q;
        double[] c = state.RightHandSide;
        double yy = state.TargetSquaredNorm;

        var screened = new bool[n];
        for (int j = 0; j < n; j++)
        {
            if (state.Excluded[j] || g.Diagonal(j) == 0)
            {
                screened[j] = true;
                beta[j] = 0;
            }
        }

        state.RecomputeQ();
        if (yy == 0)
        {
            // y = 0 (Xw = 0): β = 0 is optimal, the gap is 0.
            Array.Clear(beta);
            Array.Clear(q);
            return new LassoRowResult(lambda, 0, 0, 0, 0, 0, 0, true, n);
        }

        double gapTarget = (tolerance ?? options.Tolerance) * yy;
        var active = new List<int>();
        var anderson = options.Extrapolation ? new AndersonExtrapolation(n, n) : null;
        var previousActive = new List<int>();
        double Objective(double[] b, double[] qb) =>
            (0.5 * Math.Max(yy - (2 * TensorPrimitives.Dot<double>(c, b)) + TensorPrimitives.Dot<double>(b, qb), 0)) +
            (lambda * state.PenaltyNorm(b));
        int epochs = 0;
        double gap = DualityGap(state, lambda, out double objective);
        bool converged = gap <= gapTarget;
        if (!converged && options.Screening && lambda > 0)
        {
            Screen(state, screened, lambda, gap);
        }

        while (!converged && epochs < options.MaxEpochs)
        {
            // Full pass: every unscreened coordinate, so zeros violating KKT come in.
            double movedInFullPass = Pass(state, screened, null, lambda);
            epochs++;
            gap = DualityGap(state, lambda, out objective);
            if (gap <= gapTarget || (lambda == 0 && movedInFullPass <= gapTarget))
            {
                converged = true;
                break;
            }

            if (options.Screening && lambda > 0)
            {
                Screen(state, screened, lambda, gap);
            }

            active.Clear();
            for (int j = 0; j < n; j++)
            {
                if (!screened[j] && beta[j] != 0)
                {
                    active.Add(j);
                }
            }

            if (anderson is not null && !active.SequenceEqual(previousActive))
            {
                anderson.Reset(); // a new working set: the stored iterates moved other coordinates
                previousActive.Clear();
                previousActive.AddRange(active);
            }

            while (epochs < options.MaxEpochs)
            {
                double moved = Pass(state, screened, active, lambda);
                epochs++;
                anderson?.Record(beta, q, Objective);
                gap = DualityGap(state, lambda, out objective);
                if (gap <= gapTarget)
                {
                    converged = true;
                    break;
                }

                if (options.Screening && lambda > 0 && Screen(state, screened, lambda, gap) > 0)
                {
                    active.RemoveAll(j => screened[j]);
                    anderson?.Reset(); // earlier iterates have the screened coordinates non-zero
                    previousActive.Clear();
                }

                if (moved <= gapTarget)
                {
                    break;
                }
            }
        }

        // Rounding of the incremental updates is cleared before the reported numbers.
        state.RecomputeQ();
        gap = DualityGap(state, lambda, out objective);
        int screenedCount = 0;
        foreach (bool s in screened)
        {
            screenedCount += s ? 1 : 0;
        }

        return new LassoRowResult(lambda, epochs, epochs, gap, gap / yy, state.NonZeros(), objective, converged, screenedCount);
    }

    /// <summary>
    /// The duality gap P(β) − D(θ) with θ = ρ / max(λ, ‖c − q‖∞), and P(β). Clamped at 0. Screened coordinates
    /// belong to the problem and count in ‖c − q‖∞; excluded ones do not (the problem is the Lasso over the free
    /// coordinates).
    /// </summary>
    public static double DualityGap(LassoRowState state, double lambda, out double primal)
    {
        double[] c = state.RightHandSide;
        double dualScale = DualScale(state, lambda);
        double yy = state.TargetSquaredNorm;
        double residual = state.ResidualSquaredNorm();
        double yResidual = yy - TensorPrimitives.Dot<double>(c, state.Beta);
        primal = (0.5 * residual) + (lambda * state.PenaltyNorm(state.Beta));
        if (dualScale == 0)
        {
            // λ = 0 and c = q: β solves the normal equations exactly.
            return 0;
        }

        double t = lambda / dualScale;
        double dual = (t * yResidual) - (0.5 * t * t * residual);
        return Math.Max(primal - dual, 0);
    }

    /// <summary>One cyclic pass over <paramref name="coordinates"/> (all unscreened ones when null); returns Σ G_jj·Δ_j².</summary>
    private static double Pass(LassoRowState state, bool[] screened, List<int>? coordinates, double lambda)
    {
        double moved = 0;
        if (coordinates is null)
        {
            for (int j = 0; j < screened.Length; j++)
            {
                if (!screened[j])
                {
                    moved += Update(state, j, lambda);
                }
            }
        }
        else
        {
            foreach (int j in coordinates)
            {
                moved += Update(state, j, lambda);
            }
        }

        return moved;
    }

    private static double Update(LassoRowState state, int j, double lambda)
    {
        double gjj = state.Gram.Diagonal(j);
        double old = state.Beta[j];
        double t = (gjj * old) + state.RightHandSide[j] - state.Q[j];
        double magnitude = Math.Abs(t) - (lambda * state.Penalty(j));
        double updated = magnitude > 0 ? Math.CopySign(magnitude, t) / gjj : 0;
        if (updated == old)
        {
            return 0;
        }

        state.SetCoordinate(j, updated);
        double delta = updated - old;
        return gjj * delta * delta;
    }

    /// <summary>Gap-safe sphere test on every unscreened coordinate; screened ones are set to 0. Returns how many were newly screened.</summary>
    private static int Screen(LassoRowState state, bool[] screened, double lambda, double gap)
    {
        double[] c = state.RightHandSide;
        double[] q = state.Q;
        double dualScale = DualScale(state, lambda);
        double radius = Math.Sqrt(2 * (gap + (GapRoundingPad * state.TargetSquaredNorm))) / lambda;
        int count = 0;
        for (int j = 0; j < c.Length; j++)
        {
            if (screened[j])
            {
                continue;
            }

            double correlation = Math.Abs(c[j] - q[j]) / dualScale;
            if (correlation + (radius * Math.Sqrt(state.Gram.Diagonal(j))) < state.Penalty(j))
            {
                screened[j] = true;
                count++;
            }
        }

        // Zeroed only after the test: every coordinate was judged against the same θ and gap.
        if (count > 0)
        {
            for (int j = 0; j < c.Length; j++)
            {
                if (screened[j] && !state.Excluded[j] && state.Beta[j] != 0)
                {
                    state.SetCoordinate(j, 0);
                }
            }
        }

        return count;
    }

    /// <summary>max(λ, max_j |c_j − q_j| / p_j) over the coordinates that are not excluded (‖c − q‖∞ for the plain Lasso).</summary>
    private static double DualScale(LassoRowState state, double lambda)
    {
        double[] c = state.RightHandSide;
        double[] q = state.Q;
        double scale = lambda;
        for (int j = 0; j < c.Length; j++)
        {
            if (!state.Excluded[j])
            {
                scale = Math.Max(scale, Math.Abs(c[j] - q[j]) / state.Penalty(j));
            }
        }

        return scale;
    }
}
