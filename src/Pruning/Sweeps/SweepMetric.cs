using System;
using System.Linq;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// The metric a sweep or sensitivity analysis measures on the validation rows after scoring them with the pruned model.
/// Plain and serializable, so a worker on another machine measures the same thing; only <see cref="Custom"/> is not.
/// </summary>
/// <example>
/// <code>
/// var accuracy = SweepMetric.Accuracy(labelColumnName: "Label", scoreColumnName: "Score");
/// var fidelity = SweepMetric.Fidelity(scoreColumnName: "sentence_embedding"); // no labels: cosine to the dense model
/// </code>
/// </example>
public sealed class SweepMetric
{
    /// <summary>What is measured.</summary>
    public SweepMetricKind Kind { get; set; } = SweepMetricKind.Accuracy;

    /// <summary>The label column of the validation rows; not used by <see cref="SweepMetricKind.Fidelity"/>.</summary>
    public string? LabelColumnName { get; set; }

    /// <summary>The model output column that is scored (one of the pruning options' OutputColumnNames).</summary>
    public string ScoreColumnName { get; set; } = "";

    /// <summary>A name for reports and plots; null uses <see cref="Kind"/>'s.</summary>
    public string? Name { get; set; }

    /// <summary>For <see cref="SweepMetricKind.Custom"/>: whether larger values are better.</summary>
    public bool CustomHigherIsBetter { get; set; } = true;

    /// <summary>For <see cref="SweepMetricKind.Custom"/>: the metric of the validation rows scored by the pruned model. Not serialized.</summary>
    [JsonIgnore]
    public Func<IDataView, double>? CustomMetric { get; set; }

    /// <summary>Whether a larger value is better.</summary>
    [JsonIgnore]
    public bool HigherIsBetter => Kind switch
    {
        SweepMetricKind.Rmse or SweepMetricKind.MeanAbsoluteError => false,
        SweepMetricKind.Custom => CustomHigherIsBetter,
        _ => true,
    };

    /// <summary>The name shown in tables and plots.</summary>
    [JsonIgnore]
    public string DisplayName => Name ?? Kind switch
    {
        SweepMetricKind.Accuracy => "accuracy",
        SweepMetricKind.MacroAccuracy => "macro accuracy",
        SweepMetricKind.Auc => "AUC",
        SweepMetricKind.Rmse => "RMSE",
        SweepMetricKind.MeanAbsoluteError => "MAE",
        SweepMetricKind.Fidelity => "cosine to dense",
        _ => "metric",
    };

    /// <summary>Multiclass accuracy: argmax of <paramref name="scoreColumnName"/> against <paramref name="labelColumnName"/>.</summary>
    public static SweepMetric Accuracy(string labelColumnName, string scoreColumnName) =>
        new() { Kind = SweepMetricKind.Accuracy, LabelColumnName = labelColumnName, ScoreColumnName = scoreColumnName };

    /// <summary>Mean cosine similarity of <paramref name="scoreColumnName"/> to the dense model's; needs no labels.</summary>
    public static SweepMetric Fidelity(string scoreColumnName) => new() { Kind = SweepMetricKind.Fidelity, ScoreColumnName = scoreColumnName };

    /// <summary>Root mean squared error of a single-value score.</summary>
    public static SweepMetric Rmse(string labelColumnName, string scoreColumnName) =>
        new() { Kind = SweepMetricKind.Rmse, LabelColumnName = labelColumnName, ScoreColumnName = scoreColumnName };

    /// <summary>Area under the ROC curve of a single-value score against a boolean label.</summary>
    public static SweepMetric Auc(string labelColumnName, string scoreColumnName) =>
        new() { Kind = SweepMetricKind.Auc, LabelColumnName = labelColumnName, ScoreColumnName = scoreColumnName };

    /// <summary>Any function of the scored validation rows, e.g. one of ML.NET's evaluators; in-process runners only.</summary>
    public static SweepMetric Custom(string name, Func<IDataView, double> metric, bool higherIsBetter = true) =>
        new() { Kind = SweepMetricKind.Custom, Name = name, CustomMetric = metric, CustomHigherIsBetter = higherIsBetter };

    /// <summary>Checks the metric, and that it scores one of <paramref name="options"/>' output columns (not for Custom).</summary>
    internal void Validate(PruningOptions options)
    {
        Validate();
        if (Kind != SweepMetricKind.Custom && !(options.OutputColumnNames ?? []).Contains(ScoreColumnName, StringComparer.Ordinal))
            throw new ArgumentException(
                $"{nameof(SweepMetric)}.{nameof(ScoreColumnName)} '{ScoreColumnName}' is not one of the base options' OutputColumnNames " +
                $"({string.Join(", ", options.OutputColumnNames ?? [])}).", nameof(ScoreColumnName));
    }

    /// <summary>Checks the metric on its own; the one place it is validated. Messages name the option.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(Kind))
            throw new ArgumentOutOfRangeException(nameof(Kind), Kind, $"{nameof(SweepMetric)}.{nameof(Kind)} must be one of {string.Join(", ", Enum.GetNames<SweepMetricKind>())}; got {Kind}.");
        if (Kind == SweepMetricKind.Custom)
        {
            if (CustomMetric is null)
                throw new ArgumentException($"{nameof(SweepMetric)}.{nameof(CustomMetric)} must be set for Kind Custom.", nameof(CustomMetric));
            return;
        }
        if (string.IsNullOrEmpty(ScoreColumnName))
            throw new ArgumentException($"{nameof(SweepMetric)}.{nameof(ScoreColumnName)} must name a model output column.", nameof(ScoreColumnName));
        if (Kind != SweepMetricKind.Fidelity && string.IsNullOrEmpty(LabelColumnName))
            throw new ArgumentException($"{nameof(SweepMetric)}.{nameof(LabelColumnName)} must be set for Kind {Kind}.", nameof(LabelColumnName));
    }
}
