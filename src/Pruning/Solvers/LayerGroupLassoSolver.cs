using System;
using System.Collections.Generic;
using System.IO;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Structured pruning of one consumer layer W (m × n, rows = outputs) whose inputs are partitioned into groups
/// (neurons or channels of the layer before it): the group Lasso
/// min_Ŵ ½‖X(Wᵀ − Ŵᵀ)‖²_F + λ Σ_g ω_g‖Ŵ_{:,g}‖_F by <see cref="BlockCoordinateDescentGroupLasso"/> chooses which groups
/// to keep, then the kept inputs are refit by least squares on G (He, Zhang, Sun 2017, "Channel pruning for accelerating
/// very deep neural networks").
/// </summary>
/// <remarks>
/// He et al. select channels with a Lasso on one scalar β_c per channel (the consumer's output as Σ_c β_c·X_c·W_cᵀ), then
/// refit W by least squares on the kept channels. The group Lasso on W's columns is the same selection in spirit: a
/// group is kept exactly when its column block is non-zero, the penalty being the block's norm instead of |β_c|; it lets
/// the weights move within the group while choosing, so the selection already sees the best reconstruction with the group,
/// not only a scaling of it. The least-squares refit afterwards removes the shrinkage the penalty caused.
/// <para>
/// For an exact count k, λ is searched with <see cref="LambdaSearch"/> (down the geometric path from λ_max with warm
/// starts, then bisection on log λ); when no λ gives exactly k non-zero groups (ties, or the bisection budget), the
/// groups of the nearest solution above k are ranked by ‖X_g·Ŵ_gᵀ‖_F (their share of the reconstruction; then ‖X_g·W_gᵀ‖
/// of the original weights, then the index) and the first k are kept. Groups whose inputs are all zero on the
/// calibration data are ranked last.
/// </para>
/// </remarks>
internal static class LayerGroupLassoSolver
{
    /// <summary>Solves the layer for <paramref name="target"/>.</summary>
    /// <param name="gram">G = XᵀX (undamped; damping comes from <paramref name="options"/> as for <see cref="LayerLassoSolver"/>).</param>
    /// <param name="weights">W, rows × n row-major.</param>
    /// <param name="rows">Output rows m.</param>
    /// <param name="groups">The partition of the n inputs.</param>
    /// <param name="target">A kept-group count or a fixed λ; refit or not.</param>
    /// <param name="options">Tolerance, passes, screening, path, damping.</param>
    /// <param name="weighting">ω_g of the penalty.</param>
    /// <exception cref="ArgumentOutOfRangeException">Sizes that do not match, a count above the number of groups, bad options.</exception>
    /// <exception cref="InvalidDataException">A NaN or infinite weight.</exception>
    public static LayerGroupLassoSolution Solve(GramMatrix gram, float[] weights, int rows, InputGroups groups, GroupSparsityTarget target, LassoSolverOptions options,
        GroupPenaltyWeighting weighting = GroupPenaltyWeighting.SquareRootOfSize)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = gram.Size;
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if ((long)rows * n != weights.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), $"W has {weights.Length} values; {rows} rows of G's {n} inputs need {(long)rows * n}.");
        }

        if (groups.Inputs != n)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"The groups partition {groups.Inputs} inputs; G has {n}.");
        }

        if (target.KeptGroups is int wanted && wanted > groups.Count)
        {
            throw new ArgumentOutOfRangeException(nameof(target), $"{wanted} groups are to be kept; the layer has {groups.Count}.");
        }

        for (long i = 0; i < weights.Length; i++)
        {
            if (!float.IsFinite(weights[i]))
            {
                throw new InvalidDataException($"The weights W have a {weights[i]} value at row {i / n}, column {i % n}.");
            }
        }

        double relativeDamping = options.RelativeDamping > 0 ? options.RelativeDamping : gram.IsRankDeficient ? options.RankDeficientDamping : 0;
        double meanDiagonal = gram.MeanUndampedDiagonal();
        GramMatrix solveGram = relativeDamping > 0 && meanDiagonal > 0 ? gram.WithDamping(relativeDamping * meanDiagonal) : gram;
        var state = GroupLassoState.ForWeights(solveGram, groups, weights, rows, weighting, options.MaxDegreeOfParallelism);
        var original = new double[weights.Length];
        TransposeInto(weights, rows, n, original);

        GroupLassoResult lasso;
        double lambda;
        long epochs;
        bool rounded = false;
        bool[] kept;
        if (target.Lambda is double fixedLambda)
        {
            var path = SolveAlongPath(state, fixedLambda, options);
            lasso = path.Result;
            epochs = path.Epochs;
            lambda = fixedLambda;
            kept = NonZeroGroups(state);
        }
        else if (target.KeptGroups == groups.Count)
        {
            // Nothing to choose: every group stays, the refit (if asked) is least squares on all inputs.
            lambda = 0;
            lasso = new GroupLassoResult(0, 0, 0, 0, groups.Count, 0, true, 0);
            epochs = 0;
            kept = new bool[groups.Count];
            Array.Fill(kept, true);
            state.SetBeta(original);
        }
        else
        {
            int count = target.KeptGroups!.Value;
            double searchTolerance = Math.Max(options.Tolerance, SearchTolerance);
            var solve = new CountedSolve(state, options, searchTolerance);
            LambdaSearch.Outcome found = LambdaSearch.ForCount(solve, state.LambdaMax(), count, options);
            lambda = found.Lambda;
            epochs = solve.Epochs;
            lasso = solve.Last with { Lambda = found.Lambda };
            if (searchTolerance > options.Tolerance)
            {
                // The search only needed supports; the chosen point is solved to the options' tolerance (the reported gap).
                lasso = BlockCoordinateDescentGroupLasso.Solve(state, found.Lambda, options);
                epochs += lasso.Epochs;
            }

            if (lasso.NonZeroGroups == count)
            {
                kept = NonZeroGroups(state);
            }
            else
            {
                rounded = true;
                kept = Rank(state, original, count);
            }
        }

        var result = new double[weights.Length];
        double refitDamping = 0;
        if (target.Refit)
        {
            var support = new List<int>();
            for (int g = 0; g < groups.Count; g++)
            {
                if (kept[g])
                {
                    support.AddRange(groups.Members(g).ToArray());
                }
            }

            refitDamping = SupportRefit.RefitSharedSupport(solveGram, state.RightHandSide, rows, weights, support.ToArray(), result);
        }
        else
        {
            if (!SameSet(kept, NonZeroGroups(state)))
            {
                // The Lasso's own values on exactly the kept groups: the others fixed at zero, re-solved at the same λ.
                for (int g = 0; g < groups.Count; g++)
                {
                    state.Excluded[g] = !kept[g];
                }

                lasso = BlockCoordinateDescentGroupLasso.Solve(state, lambda, options);
                epochs += lasso.Epochs;
            }

            TransposeInto(state.Beta, n, rows, result);
        }

        var pruned = new float[weights.Length];
        for (int i = 0; i < pruned.Length; i++)
        {
            pruned[i] = (float)result[i];
        }

        // Inputs of removed groups are exactly zero, whatever the solve left.
        for (int g = 0; g < groups.Count; g++)
        {
            if (!kept[g])
            {
                foreach (int j in groups.Members(g))
                {
                    for (int k = 0; k < rows; k++)
                    {
                        pruned[(k * n) + j] = 0;
                    }
                }
            }
        }

        double error = RelativeError(gram, weights, pruned, rows, options.MaxDegreeOfParallelism);
        return new LayerGroupLassoSolution(pruned, kept, lambda, lasso, epochs, rounded, error, solveGram.Damping - gram.Damping, refitDamping,
            gram.IsRankDeficient, gram.ZeroColumns);
    }

    /// <summary>The relative duality gap at which a warm-start point of the path is good enough.</summary>
    private const double PathPointTolerance = 1e-3;

    /// <summary>
    /// The relative duality gap of the count search's solves: they only decide which groups are non-zero at each λ. The
    /// point the search settles on is then solved to the options' tolerance, and rounded by rank if its count moved.
    /// </summary>
    private const double SearchTolerance = 1e-4;

    /// <summary>Solves at <paramref name="lambda"/> by warm starts down the geometric path from λ_max (looser gaps before the last point).</summary>
    private static (GroupLassoResult Result, long Epochs) SolveAlongPath(GroupLassoState state, double lambda, LassoSolverOptions options)
    {
        double lambdaMax = state.LambdaMax();
        long epochs = 0;
        if (lambda > 0 && lambda < lambdaMax)
        {
            double stepRatio = Math.Pow(options.PathMinRatio, 1.0 / (options.PathLength - 1));
            int steps = (int)Math.Ceiling(Math.Log(lambda / lambdaMax) / Math.Log(stepRatio));
            for (int t = 1; t < steps; t++)
            {
                epochs += BlockCoordinateDescentGroupLasso.Solve(state, lambdaMax * Math.Pow(lambda / lambdaMax, t / (double)steps), options,
                    Math.Max(options.Tolerance, PathPointTolerance)).Epochs;
            }
        }

        GroupLassoResult result = BlockCoordinateDescentGroupLasso.Solve(state, lambda, options);
        return (result, epochs + result.Epochs);
    }

    private static bool[] NonZeroGroups(GroupLassoState state)
    {
        var kept = new bool[state.Groups.Count];
        for (int g = 0; g < kept.Length; g++)
        {
            kept[g] = state.IsNonZero(g);
        }

        return kept;
    }

    private static bool SameSet(bool[] a, bool[] b)
    {
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The <paramref name="count"/> groups with the largest ‖X_g·B_g‖ in the current solution, then ‖X_g·W_gᵀ‖ of the
    /// original weights, then the lower index; groups of all-zero inputs last.
    /// </summary>
    private static bool[] Rank(GroupLassoState state, double[] original, int count)
    {
        int groups = state.Groups.Count;
        var primary = new double[groups];
        var secondary = new double[groups];
        var order = new int[groups];
        for (int g = 0; g < groups; g++)
        {
            bool usable = state.Lipschitz[g] - state.Gram.Damping > 0;
            primary[g] = usable ? state.Contribution(g) : -1;
            secondary[g] = usable ? state.Contribution(g, original) : -1;
            order[g] = g;
        }

        Array.Sort(order, (a, b) =>
        {
            int byLasso = primary[b].CompareTo(primary[a]);
            if (byLasso != 0)
            {
                return byLasso;
            }

            int byOriginal = secondary[b].CompareTo(secondary[a]);
            return byOriginal != 0 ? byOriginal : a.CompareTo(b);
        });
        var kept = new bool[groups];
        for (int r = 0; r < count; r++)
        {
            kept[order[r]] = true;
        }

        return kept;
    }

    /// <summary>Writes the transpose of <paramref name="source"/> (rows × columns row-major) into <paramref name="destination"/>.</summary>
    private static void TransposeInto(ReadOnlySpan<float> source, int rows, int columns, double[] destination)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                destination[((long)c * rows) + r] = source[(r * columns) + c];
            }
        }
    }

    private static void TransposeInto(ReadOnlySpan<double> source, int rows, int columns, double[] destination)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                destination[((long)c * rows) + r] = source[(r * columns) + c];
            }
        }
    }

    /// <summary>sqrt(Σ_rows (w − ŵ)ᵀG(w − ŵ) / Σ_rows wᵀGw) with the undamped G (0 when XWᵀ = 0).</summary>
    private static double RelativeError(GramMatrix gram, float[] weights, float[] pruned, int rows, int maxDegreeOfParallelism)
    {
        int n = gram.Size;
        var residuals = new double[rows];
        var outputs = new double[rows];
        Parallel.For(0, rows, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, k =>
        {
            var d = new double[n];
            var w = new double[n];
            for (int j = 0; j < n; j++)
            {
                w[j] = weights[(k * n) + j];
                d[j] = w[j] - pruned[(k * n) + j];
            }

            residuals[k] = Math.Max(gram.QuadraticForm(d), 0);
            outputs[k] = Math.Max(gram.QuadraticForm(w), 0);
        });
        double residual = 0;
        double output = 0;
        for (int k = 0; k < rows; k++)
        {
            residual += residuals[k];
            output += outputs[k];
        }

        return output > 0 ? Math.Sqrt(residual / output) : 0;
    }

    /// <summary>The layer's solve at one λ for <see cref="LambdaSearch"/>, counting non-zero groups.</summary>
    private sealed class CountedSolve(GroupLassoState state, LassoSolverOptions options, double tolerance) : ICountedLassoSolve
    {
        private readonly double[] _overTarget = new double[state.Beta.Length];
        private GroupLassoResult _overTargetResult;

        public GroupLassoResult Last { get; private set; }

        public long Epochs { get; private set; }

        public long SolveAt(double lambda)
        {
            Last = BlockCoordinateDescentGroupLasso.Solve(state, lambda, options, tolerance);
            Epochs += Last.Epochs;
            return Last.NonZeroGroups;
        }

        public void KeepOverTarget()
        {
            state.Beta.CopyTo(_overTarget, 0);
            _overTargetResult = Last;
        }

        public void RestoreOverTarget()
        {
            state.SetBeta(_overTarget);
            Last = _overTargetResult;
        }
    }
}
