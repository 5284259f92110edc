using System;
using System.Collections.Generic;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Block coordinate descent for a layer's group Lasso in Gram form,
/// min_B ½‖Y − XB‖²_F + λ Σ_g ω_g‖B_g‖_F given only G = XᵀX, C = XᵀY and ‖Y‖²_F (B = Ŵᵀ, n × m; a group is a set of
/// inputs, its block the rows of B for them, i.e. the columns of Ŵ: every output's weights on those inputs), with
/// working sets, gap-safe screening and a stop on the duality gap.
/// </summary>
/// <remarks>
/// <para>
/// <b>Block update.</b> With Q = G·B kept current, the gradient on block g is Q_g − C_g. The update is one proximal
/// step of size 1/L_g, L_g the largest eigenvalue of G_gg: Z = B_g − (Q_g − C_g)/L_g, then the group soft-threshold
/// B_g ← Z·max(0, 1 − λω_g/(L_g‖Z‖_F)). For a group of one input j, L_g = G_jj and this is the exact minimiser of the
/// objective over the block (the block's quadratic is G_jj/2·‖b‖² − rᵀb with r = G_jj·b + c_j − q_j, minimised under
/// λω‖b‖ by b = r/G_jj·max(0, 1 − λω/‖r‖)), so for neurons feeding a Gemm/MatMul the method is exact block coordinate
/// descent. For larger groups (a Conv input channel's kernel block) it is block coordinate proximal gradient, which
/// decreases the objective at every step and converges to the same minimiser; an exact block solve would need a
/// one-dimensional root search over G_gg's eigenvectors per visit, which a step of 1/L_g repeated over passes replaces.
/// A change of the block costs O(|g|·n·m) (the axpys Q += G[:, j]·Δ_jᵀ).
/// </para>
/// <para>
/// <b>Duality gap in Gram form</b>, as for the Lasso row solver (<see cref="CoordinateDescentLasso"/>): with R = Y − XB,
/// XᵀR = C − Q, ‖R‖² = ‖Y‖² − 2⟨C, B⟩ + ⟨B, Q⟩ and ⟨Y, R⟩ = ‖Y‖² − ⟨C, B⟩. The dual is
/// max_Θ ½‖Y‖² − λ²/2·‖Θ − Y/λ‖² subject to ‖X_gᵀΘ‖_F ≤ ω_g for every g; the dual point Θ = R/s with
/// s = max(λ, max_g ‖C_g − Q_g‖_F/ω_g) is feasible, and with t = λ/s the dual objective is t⟨Y, R⟩ − ½t²‖R‖².
/// The solve stops when the gap is at most <see cref="LassoSolverOptions.Tolerance"/>·‖Y‖² (the reported stop: the
/// duality gap, never a relative change of the objective, except at λ = 0 where the gap is the objective itself and
/// the solve stops when a full pass moves the blocks by less than the gap target).
/// </para>
/// <para>
/// <b>Working sets and acceleration.</b> A full pass over the unscreened groups, then passes over the non-zero groups
/// until they stop moving, then a full pass again; during the working-set passes every K = 5 passes are extrapolated
/// (<see cref="AndersonExtrapolation"/>), which matters on neural activations, whose large common component makes plain
/// block coordinate descent creep.
/// </para>
/// <para>
/// <b>Gap-safe screening</b> for groups (Ndiaye, Fercoq, Gramfort, Salmon 2017): the dual optimum lies within
/// r = √(2·gap)/λ of Θ, so if ‖X_gᵀΘ‖_F + r·‖X_g‖₂ &lt; ω_g then B*_g = 0. Both terms are Gram quantities:
/// ‖X_gᵀΘ‖ = ‖C_g − Q_g‖/s and ‖X_g‖₂ = √L_g (L_g is rounded up, which only makes the test stricter).
/// </para>
/// </remarks>
internal static class BlockCoordinateDescentGroupLasso
{
    private const double GapRoundingPad = 1e-12;

    /// <summary>
    /// Solves at <paramref name="lambda"/>, starting from the state's current B (a warm start), leaving the solution in
    /// it. Excluded groups and groups whose inputs are all zero on the calibration data (L_g = 0) are held at 0.
    /// </summary>
    /// <param name="state">The layer's problem and its current B.</param>
    /// <param name="lambda">The group-ℓ2 weight.</param>
    /// <param name="options">Tolerance, passes, screening.</param>
    /// <param name="tolerance">A relative duality-gap tolerance replacing the options' (looser for path points); null keeps it.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lambda"/> negative, NaN or infinite.</exception>
    public static GroupLassoResult Solve(GroupLassoState state, double lambda, LassoSolverOptions options, double? tolerance = null)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        if (!(lambda >= 0) || double.IsInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be a finite value ≥ 0.");
        }

        int groups = state.Groups.Count;
        var screened = new bool[groups];
        for (int g = 0; g < groups; g++)
        {
            if (state.Excluded[g] || state.Lipschitz[g] <= 0)
            {
                screened[g] = true;
                state.ZeroGroup(g);
            }
        }

        state.RecomputeQ();
        double yy = state.TargetSquaredNorm;
        if (yy == 0)
        {
            Array.Clear(state.Beta);
            Array.Clear(state.Q);
            return new GroupLassoResult(lambda, 0, 0, 0, 0, 0, true, groups);
        }

        double gapTarget = (tolerance ?? options.Tolerance) * yy;
        var scratch = new Scratch(state);
        var anderson = new AndersonExtrapolation(state);
        var active = new List<int>();
        int epochs = 0;
        double gap = DualityGap(state, lambda, out double objective);
        bool converged = gap <= gapTarget;
        int screenedCount = 0;
        if (!converged && options.Screening && lambda > 0)
        {
            screenedCount += Screen(state, screened, lambda, gap);
        }

        while (!converged && epochs < options.MaxEpochs)
        {
            double movedInFullPass = Pass(state, screened, null, lambda, scratch);
            epochs++;
            if (anderson.Record(state, lambda))
            {
                continue; // never stop on an extrapolated point: a pass cleans up the groups it left barely non-zero
            }

            gap = DualityGap(state, lambda, out objective);
            if (gap <= gapTarget || (lambda == 0 && movedInFullPass <= gapTarget))
            {
                converged = true;
                break;
            }

            if (options.Screening && lambda > 0)
            {
                int newly = Screen(state, screened, lambda, gap);
                if (newly > 0)
                {
                    screenedCount += newly;
                    anderson.Reset(); // earlier iterates have the screened groups non-zero
                }
            }

            active.Clear();
            for (int g = 0; g < groups; g++)
            {
                if (!screened[g] && state.IsNonZero(g))
                {
                    active.Add(g);
                }
            }

            while (epochs < options.MaxEpochs)
            {
                double moved = Pass(state, screened, active, lambda, scratch);
                epochs++;
                if (anderson.Record(state, lambda))
                {
                    continue;
                }

                gap = DualityGap(state, lambda, out objective);
                if (gap <= gapTarget)
                {
                    converged = true;
                    break;
                }

                if (options.Screening && lambda > 0)
                {
                    int newly = Screen(state, screened, lambda, gap);
                    if (newly > 0)
                    {
                        screenedCount += newly;
                        active.RemoveAll(g => screened[g]);
                        anderson.Reset(); // earlier iterates have the screened groups non-zero
                    }
                }

                if (moved <= gapTarget)
                {
                    break;
                }
            }
        }

        state.RecomputeQ();
        gap = DualityGap(state, lambda, out objective);
        return new GroupLassoResult(lambda, epochs, gap, gap / yy, state.NonZeroGroups(), objective, converged, screenedCount);
    }

    /// <summary>
    /// The duality gap P(B) − D(R/s), s = max(λ, max_g ‖C_g − Q_g‖/ω_g) over the groups that are not excluded, and P(B).
    /// Clamped at 0.
    /// </summary>
    public static double DualityGap(GroupLassoState state, double lambda, out double primal)
    {
        double scale = DualScale(state, lambda);
        double yy = state.TargetSquaredNorm;
        double residual = state.ResidualSquaredNorm();
        double yResidual = yy - TensorPrimitives.Dot<double>(state.RightHandSide, state.Beta);
        primal = (0.5 * residual) + (lambda * state.Penalty());
        if (scale == 0)
        {
            return 0;
        }

        double t = lambda / scale;
        double dual = (t * yResidual) - (0.5 * t * t * residual);
        return Math.Max(primal - dual, 0);
    }

    /// <summary>max(λ, max_g ‖C_g − Q_g‖_F/ω_g) over the groups that are not excluded.</summary>
    public static double DualScale(GroupLassoState state, double lambda)
    {
        double scale = lambda;
        for (int g = 0; g < state.Groups.Count; g++)
        {
            if (!state.Excluded[g])
            {
                scale = Math.Max(scale, state.ResidualCorrelation(g) / state.PenaltyWeights[g]);
            }
        }

        return scale;
    }

    /// <summary>One cyclic pass over <paramref name="coordinates"/> (every unscreened group when null); returns Σ L_g‖Δ_g‖².</summary>
    private static double Pass(GroupLassoState state, bool[] screened, List<int>? coordinates, double lambda, Scratch scratch)
    {
        double moved = 0;
        if (coordinates is null)
        {
            for (int g = 0; g < screened.Length; g++)
            {
                if (!screened[g])
                {
                    moved += Update(state, g, lambda, scratch);
                }
            }
        }
        else
        {
            foreach (int g in coordinates)
            {
                moved += Update(state, g, lambda, scratch);
            }
        }

        return moved;
    }

    /// <summary>The block's proximal step (exact for a group of one); returns L_g‖Δ_g‖².</summary>
    private static double Update(GroupLassoState state, int group, double lambda, Scratch scratch)
    {
        ReadOnlySpan<int> members = state.Groups.Members(group);
        int m = state.Outputs;
        double step = 1 / state.Lipschitz[group];
        Span<double> z = scratch.Block.AsSpan(0, members.Length * m);
        double squared = 0;
        for (int a = 0; a < members.Length; a++)
        {
            int j = members[a];
            Span<double> za = z.Slice(a * m, m);
            ReadOnlySpan<double> c = state.RightHandSide.AsSpan(j * m, m);
            ReadOnlySpan<double> q = state.Q.AsSpan(j * m, m);
            ReadOnlySpan<double> b = state.Row(j);
            for (int k = 0; k < m; k++)
            {
                za[k] = b[k] + ((c[k] - q[k]) * step);
            }

            squared += TensorPrimitives.SumOfSquares<double>(za);
        }

        double norm = Math.Sqrt(squared);
        double threshold = lambda * state.PenaltyWeights[group] * step;
        double shrink = norm > threshold ? 1 - (threshold / norm) : 0;
        double moved = 0;
        Span<double> delta = scratch.Delta;
        for (int a = 0; a < members.Length; a++)
        {
            int j = members[a];
            ReadOnlySpan<double> za = z.Slice(a * m, m);
            Span<double> b = state.Row(j);
            bool changed = false;
            for (int k = 0; k < m; k++)
            {
                delta[k] = (shrink * za[k]) - b[k];
                changed |= delta[k] != 0;
            }

            if (!changed)
            {
                continue;
            }

            moved += TensorPrimitives.SumOfSquares<double>(delta);
            state.AddToRow(j, delta);
            if (shrink == 0)
            {
                b.Clear(); // exactly zero, whatever the rounding of b + (−b)
            }
        }

        return moved * state.Lipschitz[group];
    }

    /// <summary>Gap-safe sphere test on every unscreened group; screened groups are set to 0. Returns how many were newly screened.</summary>
    private static int Screen(GroupLassoState state, bool[] screened, double lambda, double gap)
    {
        double scale = DualScale(state, lambda);
        double radius = Math.Sqrt(2 * (gap + (GapRoundingPad * state.TargetSquaredNorm))) / lambda;
        var newly = new List<int>();
        for (int g = 0; g < screened.Length; g++)
        {
            if (screened[g])
            {
                continue;
            }

            double correlation = state.ResidualCorrelation(g) / scale;
            if (correlation + (radius * Math.Sqrt(state.Lipschitz[g])) < state.PenaltyWeights[g])
            {
                newly.Add(g);
            }
        }

        // Zeroed only after the test: every group was judged against the same Θ and gap.
        foreach (int g in newly)
        {
            screened[g] = true;
            state.ZeroGroup(g);
        }

        return newly.Count;
    }

    /// <summary>Buffers reused by every block update of one solve.</summary>
    private sealed class Scratch(GroupLassoState state)
    {
        public double[] Block { get; } = new double[state.Groups.LargestGroup * state.Outputs];

        public double[] Delta { get; } = new double[state.Outputs];
    }
}
