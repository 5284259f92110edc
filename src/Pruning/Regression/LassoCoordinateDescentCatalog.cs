namespace Microsoft.ML.Pruning;

/// <summary>
/// <c>LassoCoordinateDescent</c> on ML.NET's regression trainer catalog. Each method only constructs a
/// <see cref="LassoCoordinateDescentTrainer"/>.
/// </summary>
/// <example><code>
/// var model = mlContext.Regression.Trainers.LassoCoordinateDescent("Label", "Features", alpha: 0.01).Fit(train);
/// var metrics = mlContext.Regression.Evaluate(model.Transform(test));
/// Console.WriteLine($"R² {metrics.RSquared:F3}, {model.Model.NonZeros} of {model.Model.Weights.Count} weights non-zero");
/// </code></example>
public static class LassoCoordinateDescentCatalog
{
    /// <summary>
    /// A linear regression with an ℓ1 (Lasso) or elastic-net penalty, fitted by coordinate descent along an α path.
    /// </summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="labelColumnName">Single label column.</param>
    /// <param name="featureColumnName">Known-size vector of Single.</param>
    /// <param name="alpha">The regularization strength on scikit-learn's scale; null chooses it by 5-fold cross-validation.</param>
    /// <param name="l1Ratio">The ℓ1 share of the penalty in (0, 1]: 1 is the Lasso, below 1 the elastic net.</param>
    public static LassoCoordinateDescentTrainer LassoCoordinateDescent(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", double? alpha = null, double l1Ratio = 1)
        => LassoCoordinateDescent(catalog, new LassoCoordinateDescentOptions
        {
            LabelColumnName = labelColumnName,
            FeatureColumnName = featureColumnName,
            Alpha = alpha,
            L1Ratio = l1Ratio,
        });

    /// <summary>A Lasso or elastic-net linear regression, with every option.</summary>
    /// <param name="catalog">The regression trainer catalog.</param>
    /// <param name="options">The options (validated here).</param>
    public static LassoCoordinateDescentTrainer LassoCoordinateDescent(this RegressionCatalog.RegressionTrainers catalog, LassoCoordinateDescentOptions options)
        => new(MLContextServices.EnvironmentOf(catalog), options);
}
