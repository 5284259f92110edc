using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// scikit-learn's Lasso/ElasticNet, (1/(2n))‖ỹ − X̃β‖² + α·ρ‖β‖₁ + ½α(1−ρ)‖β‖², solved along a decreasing α path with
/// warm starts by the Gram-form coordinate descent of the layer solver (<see cref="CoordinateDescentLasso"/>).
/// </summary>
/// <remarks>
/// Times n, the objective is ½‖ỹ − X̃β‖² + ½δ‖β‖² + λ‖β‖₁ with λ = nαρ and δ = nα(1−ρ): a Lasso with Gram matrix
/// G + δI (the ridge part is the Gram matrix of X̃ stacked on √δ·I, ỹ stacked on zeros), so the solver's duality gap
/// and gap-safe screening hold unchanged, and its stop, gap ≤ tol·‖ỹ‖², is scikit-learn's. For ρ &lt; 1 each α has its
/// own δ, so each gets a damped copy of G, warm-started from the previous α's β.
/// </remarks>
internal static class ElasticNetPath
{
    /// <summary>
    /// α_max = ‖X̃ᵀỹ‖∞ / (n·ρ), the smallest α whose solution is β = 0 (scikit-learn's <c>_alphas_grid</c>).
    /// </summary>
    public static double AlphaMax(RegressionProblem problem, double l1Ratio)
    {
        ArgumentNullException.ThrowIfNull(problem);
        double max = 0;
        foreach (double c in problem.RightHandSide)
        {
            max = Math.Max(max, Math.Abs(c));
        }

        return max / (problem.Rows * l1Ratio);
    }

    /// <summary>
    /// <paramref name="length"/> values from α_max down to α_max·<paramref name="ratio"/>, evenly spaced in log α
    /// (scikit-learn's <c>np.logspace(log10(α_max·eps), log10(α_max), n_alphas)[::-1]</c>).
    /// </summary>
    public static double[] GeometricAlphas(double alphaMax, double ratio, int length)
    {
        var alphas = new double[length];
        double top = Math.Log10(alphaMax);
        double bottom = Math.Log10(alphaMax * ratio);
        for (int k = 0; k < length; k++)
        {
            // The same arithmetic as numpy's logspace: 10^(bottom + i·step), i counted from the bottom.
            int i = length - 1 - k;
            double exponent = length == 1 ? top : bottom + (i * ((top - bottom) / (length - 1)));
            alphas[k] = Math.Pow(10, exponent);
        }

        return alphas;
    }

    /// <summary>
    /// Solves at each α of <paramref name="alphas"/> (decreasing), each warm-started from the one before.
    /// </summary>
    /// <param name="problem">The centered training problem.</param>
    /// <param name="alphas">α values, largest first, each &gt; 0.</param>
    /// <param name="l1Ratio">ρ in (0, 1].</param>
    /// <param name="options">Tolerance (relative to ‖ỹ‖²), passes per α, screening.</param>
    /// <param name="isCanceled">Checked before each α.</param>
    public static IReadOnlyList<ElasticNetStep> Solve(RegressionProblem problem, IReadOnlyList<double> alphas, double l1Ratio,
        LassoSolverOptions options, Func<bool> isCanceled)
    {
        ArgumentNullException.ThrowIfNull(problem);
        ArgumentNullException.ThrowIfNull(alphas);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(isCanceled);
        var steps = new List<ElasticNetStep>(alphas.Count);
        LassoRowState? state = null;
        double n = problem.Rows;
        foreach (double alpha in alphas)
        {
            if (isCanceled())
            {
                throw new OperationCanceledException("LassoCoordinateDescent was canceled (MLContext.CancelExecution).");
            }

            double lambda = n * alpha * l1Ratio;
            double damping = n * alpha * (1 - l1Ratio);
            if (state is null || damping > 0)
            {
                var gram = damping > 0 ? problem.Gram.WithDamping(damping) : problem.Gram;
                var next = new LassoRowState(gram, problem.RightHandSide, problem.TargetSquaredNorm);
                if (state is not null)
                {
                    next.SetBeta(state.Beta);
                }

                state = next;
            }

            var result = CoordinateDescentLasso.Solve(state, lambda, options);
            steps.Add(new ElasticNetStep(alpha, (double[])state.Beta.Clone(), result));
        }

        return steps;
    }
}
