namespace Microsoft.ML.Pruning;

/// <summary>
/// How <c>LassoCoordinateDescent</c> chooses α on its path by k-fold cross-validation, when
/// <see cref="LassoCoordinateDescentOptions.Alpha"/> is not given.
/// </summary>
public enum LassoAlphaSelection
{
    /// <summary>The α of the lowest mean validation error over the folds (scikit-learn's <c>LassoCV</c>, glmnet's <c>lambda.min</c>).</summary>
    MinimumError,

    /// <summary>
    /// The largest α (the sparsest model) whose mean validation error is within one standard error of the minimum
    /// (glmnet's <c>lambda.1se</c>); the standard error is the sample standard deviation of the folds' errors at the
    /// minimum over √folds.
    /// </summary>
    OneStandardError,
}
