namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>What a sweep or a sensitivity analysis measures on the validation rows.</summary>
public enum SweepMetricKind
{
    /// <summary>Share of rows whose largest score is at the label's index (multiclass; label as key, integer or float). Higher is better.</summary>
    Accuracy = 0,

    /// <summary>Mean over classes of each class's accuracy (ML.NET's MacroAccuracy). Higher is better.</summary>
    MacroAccuracy = 1,

    /// <summary>Area under the ROC curve of a single score against a boolean label (ML.NET's binary evaluator). Higher is better.</summary>
    Auc = 2,

    /// <summary>Root mean squared error of a single score against a float label (ML.NET's regression evaluator). Lower is better.</summary>
    Rmse = 3,

    /// <summary>Mean absolute error of a single score against a float label. Lower is better.</summary>
    MeanAbsoluteError = 4,

    /// <summary>
    /// Output fidelity without labels: the mean over rows of the cosine similarity between the pruned and the dense
    /// model's output vector (<see cref="SweepMetric.ScoreColumnName"/>). Higher is better; 1 is identical.
    /// </summary>
    Fidelity = 5,

    /// <summary>A function of the scored validation rows given in code (<see cref="SweepMetric.Custom"/>); runs in-process only.</summary>
    Custom = 6,
}
