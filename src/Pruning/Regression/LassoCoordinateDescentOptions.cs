using System;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Options of <c>mlContext.Regression.Trainers.LassoCoordinateDescent(options)</c>: a linear model
/// ŷ = b + xᵀβ fitted by scikit-learn's Lasso/ElasticNet objective
/// (1/(2n))‖y − b − Xβ‖² + α·<see cref="L1Ratio"/>·‖β‖₁ + ½α(1 − <see cref="L1Ratio"/>)‖β‖², with the coordinate-descent
/// solver of <c>mlContext.Pruning().CoordinateDescent</c> (warm starts along an α path, gap-safe screening, stop on the
/// duality gap).
/// </summary>
/// <remarks>
/// With <see cref="Alpha"/> the model is the solution at that α (reached along the path from α_max). Without it, α
/// is chosen on the path by <see cref="NumberOfFolds"/>-fold cross-validation (<see cref="Selection"/>), as
/// scikit-learn's <c>LassoCV</c>/<c>ElasticNetCV</c> do, and the model is the path's solution on all rows at that α.
/// Features are not standardized (as in scikit-learn); put <c>NormalizeMeanVariance</c> before the trainer when their
/// scales differ, since the ℓ1 penalty treats every weight alike.
/// </remarks>
/// <example><code>
/// var trainer = mlContext.Regression.Trainers.LassoCoordinateDescent(new LassoCoordinateDescentOptions
/// {
///     L1Ratio = 0.5, NumberOfFolds = 10, Selection = LassoAlphaSelection.OneStandardError,
/// });
/// var model = trainer.Fit(train);
/// Console.WriteLine(model.Model);   // α, non-zero weights, and the path with validation errors
/// </code></example>
public sealed class LassoCoordinateDescentOptions
{
    /// <summary>Known-size vector of Single. Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Single. Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The regularization strength α &gt; 0 on scikit-learn's scale. Null (default) chooses it by cross-validation on
    /// the path.
    /// </summary>
    public double? Alpha { get; set; }

    /// <summary>ρ in (0, 1]: the ℓ1 share of the penalty. 1 (default) is the Lasso; below 1 the elastic net.</summary>
    public double L1Ratio { get; set; } = 1;

    /// <summary>
    /// α values on the path, evenly spaced in log α from α_max = ‖X̃ᵀỹ‖∞/(n·ρ) (where every weight is 0) down to
    /// α_max·<see cref="PathRatio"/>. At least 2. Default 100 (scikit-learn's <c>n_alphas</c>).
    /// </summary>
    public int PathLength { get; set; } = 100;

    /// <summary>The path's smallest α as a fraction of α_max, in (0, 1). Default 1e-3 (scikit-learn's <c>eps</c>).</summary>
    public double PathRatio { get; set; } = 1e-3;

    /// <summary>
    /// Each α's solve stops when the duality gap is at most this fraction of ‖ỹ‖² (the centered labels' sum of squares,
    /// times n the gap of scikit-learn's objective): scikit-learn's <c>tol</c>. Default 1e-4.
    /// </summary>
    public double Tolerance { get; set; } = 1e-4;

    /// <summary>At most this many passes over the coordinates per α (scikit-learn's <c>max_iter</c>). Default 1000.</summary>
    public int MaxIterations { get; set; } = 1000;

    /// <summary>Fit an intercept b (center the features and labels; default) or force b = 0.</summary>
    public bool FitIntercept { get; set; } = true;

    /// <summary>Folds of the cross-validation that chooses α when <see cref="Alpha"/> is null, at least 2. Default 5.</summary>
    public int NumberOfFolds { get; set; } = 5;

    /// <summary>How cross-validation picks α. Default <see cref="LassoAlphaSelection.MinimumError"/>.</summary>
    public LassoAlphaSelection Selection { get; set; } = LassoAlphaSelection.MinimumError;

    /// <summary>
    /// Shuffle the rows before cutting them into folds. Default false: contiguous blocks in row order, as
    /// scikit-learn's <c>KFold</c>; shuffle when the rows are ordered (by time, by label…).
    /// </summary>
    public bool ShuffleFolds { get; set; }

    /// <summary>Seed of the fold shuffle; null takes one from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>A copy, so that a trainer is not changed by later edits of the options it was made with.</summary>
    internal LassoCoordinateDescentOptions Clone() => (LassoCoordinateDescentOptions)MemberwiseClone();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (or <see cref="ArgumentException"/> for an empty name) naming the first bad option.</summary>
    internal void Validate()
    {
        if (string.IsNullOrEmpty(FeatureColumnName))
        {
            throw new ArgumentException("FeatureColumnName is empty.", nameof(FeatureColumnName));
        }

        if (string.IsNullOrEmpty(LabelColumnName))
        {
            throw new ArgumentException("LabelColumnName is empty.", nameof(LabelColumnName));
        }

        if (Alpha is double alpha && !(alpha > 0 && double.IsFinite(alpha)))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), alpha,
                "Alpha must be a finite value > 0, or null to choose it by cross-validation (unpenalized least squares is not this trainer's job).");
        }

        if (!(L1Ratio > 0 && L1Ratio <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(L1Ratio), L1Ratio, "L1Ratio must lie in (0, 1]: 1 is the Lasso, below 1 the elastic net.");
        }

        if (PathLength < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(PathLength), PathLength, "PathLength must be at least 2.");
        }

        if (!(PathRatio > 0 && PathRatio < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(PathRatio), PathRatio, "PathRatio (the smallest α over α_max) must lie in (0, 1).");
        }

        if (!(Tolerance > 0 && double.IsFinite(Tolerance)))
        {
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, "Tolerance (on the relative duality gap) must be a finite value > 0.");
        }

        if (MaxIterations < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, "MaxIterations must be at least 1.");
        }

        if (NumberOfFolds < 2)
        {
            throw new ArgumentOutOfRangeException(nameof(NumberOfFolds), NumberOfFolds, "NumberOfFolds must be at least 2.");
        }

        if (!Enum.IsDefined(Selection))
        {
            throw new ArgumentOutOfRangeException(nameof(Selection), Selection, "Unknown α selection.");
        }
    }
}
