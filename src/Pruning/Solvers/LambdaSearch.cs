using System;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Finds λ for a target non-zero count: down the geometric path from λ_max with warm starts until the count reaches
/// the target, then bisection on log λ between the last two path points.
/// </summary>
/// <remarks>
/// When the path's smallest λ (λ_max·<see cref="LassoSolverOptions.PathMinRatio"/>) still keeps fewer weights than the
/// target, the path goes on down with the same ratio, up to <see cref="ExtensionFactor"/> times as many steps: one
/// outlier can set λ_max far above the rest (a layer's λ_max is its largest row's, and with adaptive penalties one large
/// weight on a large input sets it), and stopping there would leave the support to the fallback order of
/// <see cref="SupportChoice"/> instead of the Lasso.
/// </remarks>
internal static class LambdaSearch
{
    /// <summary>How a search ended.</summary>
    /// <param name="Lambda">The λ of the solution left in the solve.</param>
    /// <param name="NonZeros">Its non-zero count.</param>
    /// <param name="Exact">Whether the count equals the target.</param>
    internal readonly record struct Outcome(double Lambda, long NonZeros, bool Exact);

    /// <summary>The extended path has at most this many times the options' path length in steps (down to PathMinRatio^ExtensionFactor·λ_max).</summary>
    internal const int ExtensionFactor = 4;

    /// <summary>
    /// Leaves in <paramref name="solve"/> a solution with exactly <paramref name="target"/> non-zeros when the search
    /// finds one; otherwise the smallest-λ solution found with more (restored), or, when the extended path's end has fewer, that one.
    /// </summary>
    public static Outcome ForCount(ICountedLassoSolve solve, double lambdaMax, long target, LassoSolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(solve);
        ArgumentNullException.ThrowIfNull(options);
        long count = solve.SolveAt(lambdaMax);
        if (count >= target || lambdaMax == 0)
        {
            return new Outcome(lambdaMax, count, count == target);
        }

        double above = lambdaMax;
        double below = double.NaN;
        long belowCount = 0;
        double lambda = lambdaMax;
        // The path, then (when its end still keeps too few) its extension, one step of the same ratio at a time.
        double ratio = Math.Pow(options.PathMinRatio, 1.0 / (options.PathLength - 1));
        for (int t = 1; t < ExtensionFactor * options.PathLength; t++)
        {
            double next = t < options.PathLength ? lambdaMax * Math.Pow(options.PathMinRatio, t / (double)(options.PathLength - 1)) : lambda * ratio;
            if (!(next > 0))
            {
                break;
            }

            lambda = next;
            count = solve.SolveAt(lambda);
            if (count == target)
            {
                return new Outcome(lambda, count, true);
            }

            if (count > target)
            {
                below = lambda;
                belowCount = count;
                solve.KeepOverTarget();
                break;
            }

            above = lambda;
        }

        if (double.IsNaN(below))
        {
            // Even the extended path's smallest λ keeps fewer than the target.
            return new Outcome(lambda, count, false);
        }

        for (int step = 0; step < options.BisectionSteps && above / below > 1 + 1e-12; step++)
        {
            double middle = Math.Sqrt(above * below);
            count = solve.SolveAt(middle);
            if (count == target)
            {
                return new Outcome(middle, count, true);
            }

            if (count > target)
            {
                below = middle;
                belowCount = count;
                solve.KeepOverTarget();
            }
            else
            {
                above = middle;
            }
        }

        solve.RestoreOverTarget();
        return new Outcome(below, belowCount, false);
    }
}
