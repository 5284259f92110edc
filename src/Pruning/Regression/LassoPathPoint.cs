using System.Collections.Generic;
using System.Globalization;

namespace Microsoft.ML.Pruning;

/// <summary>
/// One α of a <c>LassoCoordinateDescent</c> path: the model fitted on all training rows at that α and how well it
/// fits, with its cross-validation error when α was chosen by cross-validation.
/// </summary>
public sealed class LassoPathPoint
{
    internal LassoPathPoint(double alpha, double[] weights, double bias, double objective, double rSquared, double dualityGap,
        int iterations, bool converged, double? validationError, double? validationStandardError)
    {
        Alpha = alpha;
        Weights = weights;
        Bias = bias;
        Objective = objective;
        RSquared = rSquared;
        DualityGap = dualityGap;
        Iterations = iterations;
        Converged = converged;
        ValidationMeanSquaredError = validationError;
        ValidationStandardError = validationStandardError;
        int nonZeros = 0;
        foreach (double w in weights)
        {
            nonZeros += w != 0 ? 1 : 0;
        }

        NonZeros = nonZeros;
    }

    /// <summary>The regularization strength.</summary>
    public double Alpha { get; }

    /// <summary>β, one weight per feature slot, in doubles as solved.</summary>
    public IReadOnlyList<double> Weights { get; }

    /// <summary>The intercept b (0 without <see cref="LassoCoordinateDescentOptions.FitIntercept"/>).</summary>
    public double Bias { get; }

    /// <summary>Weights that are not zero.</summary>
    public int NonZeros { get; }

    /// <summary>scikit-learn's objective on the training rows: (1/(2n))‖y − b − Xβ‖² + αρ‖β‖₁ + ½α(1−ρ)‖β‖².</summary>
    public double Objective { get; }

    /// <summary>R² on the training rows, 1 − ‖y − ŷ‖² / ‖y − ȳ‖² (0 when the labels are constant).</summary>
    public double RSquared { get; }

    /// <summary>The duality gap at the end of the solve as a fraction of ‖ỹ‖² (what <see cref="LassoCoordinateDescentOptions.Tolerance"/> bounds).</summary>
    public double DualityGap { get; }

    /// <summary>Passes over the coordinates at this α.</summary>
    public int Iterations { get; }

    /// <summary>Whether the gap reached the tolerance within <see cref="LassoCoordinateDescentOptions.MaxIterations"/>.</summary>
    public bool Converged { get; }

    /// <summary>Mean over the folds of the validation mean squared error at this α; null when α was given.</summary>
    public double? ValidationMeanSquaredError { get; }

    /// <summary>Standard error of that mean (sample standard deviation of the folds' errors over √folds); null when α was given.</summary>
    public double? ValidationStandardError { get; }

    /// <inheritdoc />
    public override string ToString()
    {
        string fit = string.Create(CultureInfo.InvariantCulture,
            $"α {Alpha:G6}: {NonZeros} non-zero, objective {Objective:G6}, R² {RSquared:F6}, gap {DualityGap:G3}{(Converged ? "" : " (not converged)")}");
        return ValidationMeanSquaredError is double mse
            ? fit + string.Create(CultureInfo.InvariantCulture, $", validation MSE {mse:G6} ± {ValidationStandardError:G3}")
            : fit;
    }
}
