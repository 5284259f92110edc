using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Data;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// The α path of <c>LassoCoordinateDescent</c> and the choice of the model on it: the path on all rows, and with no
/// α given, the same path on each cross-validation fold's training rows, scored on the fold's held-out rows.
/// </summary>
/// <remarks>
/// As scikit-learn's <c>LassoCV</c>: one α grid for every fold, computed on all rows (α_max from X̃ᵀỹ of all rows);
/// each fold's problem is centered at its own training rows' means, and its held-out error is measured with the
/// intercept those give; the error at α is the unweighted mean over the folds of each fold's mean squared error.
/// Validation errors come from the held-out fold's sums (<see cref="RegressionSums.SquaredError"/>), so no row is read
/// twice. The folds and the full path are independent and solved in parallel. Memory: (folds + 3)·p² doubles.
/// </remarks>
internal static class LassoRegressionFit
{
    public static LassoModelParameters Fit(RegressionData data, LassoCoordinateDescentOptions options, Func<bool> isCanceled)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        var solver = new LassoSolverOptions { Tolerance = options.Tolerance, MaxEpochs = options.MaxIterations, Screening = true };
        var all = new RegressionSums(data.Folds[0].Features);
        foreach (var fold in data.Folds)
        {
            all.Add(fold);
        }

        var full = RegressionProblem.Create(all, options.FitIntercept, data.FeatureMeans, data.LabelMean);
        double l1Ratio = options.L1Ratio;
        double alphaMax = ElasticNetPath.AlphaMax(full, l1Ratio);
        double totalSquares = Math.Max(all.LabelSquares - (all.LabelSum * all.LabelSum / all.Rows), 0);

        double[] alphas;
        string selection;
        if (alphaMax == 0)
        {
            // X̃ᵀỹ = 0 (constant labels or features): β = 0 at every α, nothing to choose.
            alphas = [options.Alpha ?? 0];
            selection = "every α gives all-zero weights: the labels are constant or no feature varies with them";
            var zero = ElasticNetPath.Solve(full, [Math.Max(alphas[0], double.Epsilon)], l1Ratio, solver, isCanceled);
            return new LassoModelParameters([Point(full, zero[0], alphas[0], data, l1Ratio, totalSquares, null, null)], 0, l1Ratio, selection);
        }

        var grid = ElasticNetPath.GeometricAlphas(alphaMax, options.PathRatio, options.PathLength);
        if (options.Alpha is double alpha)
        {
            alphas = [.. grid.Where(a => a > alpha), alpha];
            selection = "given";
            var steps = ElasticNetPath.Solve(full, alphas, l1Ratio, solver, isCanceled);
            var points = steps.Select(s => Point(full, s, s.Alpha, data, l1Ratio, totalSquares, null, null)).ToArray();
            return new LassoModelParameters(points, points.Length - 1, l1Ratio, selection);
        }

        alphas = grid;
        int folds = data.Folds.Length;
        var errors = new double[folds][];
        IReadOnlyList<ElasticNetStep>? fullSteps = null;
        try
        {
            Parallel.For(0, folds + 1, task =>
            {
                if (task == folds)
                {
                    fullSteps = ElasticNetPath.Solve(full, alphas, l1Ratio, solver, isCanceled);
                    return;
                }

                errors[task] = FoldErrors(data, task, options.FitIntercept, alphas, l1Ratio, solver, isCanceled);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            // The first failure as it was thrown (cancellation, or a solver error), not wrapped.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }

        var mean = new double[alphas.Length];
        var standardError = new double[alphas.Length];
        for (int a = 0; a < alphas.Length; a++)
        {
            double sum = 0;
            for (int k = 0; k < folds; k++)
            {
                sum += errors[k][a];
            }

            mean[a] = sum / folds;
            double squares = 0;
            for (int k = 0; k < folds; k++)
            {
                squares += (errors[k][a] - mean[a]) * (errors[k][a] - mean[a]);
            }

            standardError[a] = Math.Sqrt(squares / (folds - 1)) / Math.Sqrt(folds);
        }

        int best = 0;
        for (int a = 1; a < alphas.Length; a++)
        {
            if (mean[a] < mean[best])
            {
                best = a;
            }
        }

        int chosen = best;
        if (options.Selection == LassoAlphaSelection.OneStandardError)
        {
            double limit = mean[best] + standardError[best];
            chosen = Array.FindIndex(mean, m => m <= limit);
        }

        selection = string.Create(CultureInfo.InvariantCulture,
            $"{folds}-fold cross-validation{(options.ShuffleFolds ? " (shuffled)" : "")}, {(options.Selection == LassoAlphaSelection.MinimumError ? "minimum mean squared error" : "one standard error rule")}");
        var pathPoints = fullSteps!.Select((s, a) => Point(full, s, s.Alpha, data, l1Ratio, totalSquares, mean[a], standardError[a])).ToArray();
        return new LassoModelParameters(pathPoints, chosen, l1Ratio, selection);
    }

    /// <summary>The held-out mean squared error of fold <paramref name="fold"/> at each α, the model fitted on the other folds.</summary>
    private static double[] FoldErrors(RegressionData data, int fold, bool fitIntercept, double[] alphas, double l1Ratio,
        LassoSolverOptions solver, Func<bool> isCanceled)
    {
        var training = new RegressionSums(data.Folds[0].Features);
        for (int k = 0; k < data.Folds.Length; k++)
        {
            if (k != fold)
            {
                training.Add(data.Folds[k]);
            }
        }

        var problem = RegressionProblem.Create(training, fitIntercept, data.FeatureMeans, data.LabelMean);
        var heldOut = data.Folds[fold];
        var steps = ElasticNetPath.Solve(problem, alphas, l1Ratio, solver, isCanceled);
        return steps.Select(s => heldOut.SquaredError(s.Beta, problem.ShiftedOffset(s.Beta)) / heldOut.Rows).ToArray();
    }

    private static LassoPathPoint Point(RegressionProblem problem, ElasticNetStep step, double alpha, RegressionData data, double l1Ratio,
        double totalSquares, double? validationError, double? validationStandardError)
    {
        double[] beta = step.Beta;
        double n = problem.Rows;
        double residual = problem.ResidualSquaredNorm(beta);
        double l1 = 0, l2 = 0;
        foreach (double b in beta)
        {
            l1 += Math.Abs(b);
            l2 += b * b;
        }

        double objective = (residual / (2 * n)) + (alpha * l1Ratio * l1) + (0.5 * alpha * (1 - l1Ratio) * l2);
        double rSquared = totalSquares > 0 ? 1 - (residual / totalSquares) : 0;
        double bias = problem.Intercept(beta, data.FeatureMeans, data.LabelMean);
        return new LassoPathPoint(alpha, beta, bias, objective, rSquared, step.Result.RelativeGap, step.Result.Epochs, step.Result.Converged,
            validationError, validationStandardError);
    }
}
