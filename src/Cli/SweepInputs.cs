using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// What <c>sensitivity</c> and <c>sweep</c> share: base options completed from the model (input and output columns when the
/// options leave them empty), the metric's columns, and the training and validation rows with the label the metric reads.
/// </summary>
internal static class SweepInputs
{
    /// <summary>The metric names <c>--metric</c> takes.</summary>
    public static readonly string[] MetricNames = ["accuracy", "macro-accuracy", "auc", "rmse", "mae", "fidelity"];

    /// <summary>The metric kind of a <c>--metric</c> name.</summary>
    public static SweepMetricKind MetricKind(string name) => name.ToLowerInvariant() switch
    {
        "accuracy" => SweepMetricKind.Accuracy,
        "macro-accuracy" => SweepMetricKind.MacroAccuracy,
        "auc" => SweepMetricKind.Auc,
        "rmse" => SweepMetricKind.Rmse,
        "mae" => SweepMetricKind.MeanAbsoluteError,
        "fidelity" => SweepMetricKind.Fidelity,
        _ => throw new ArgumentException($"--metric takes {string.Join(", ", MetricNames)}; got '{name}'.", "--metric"),
    };

    /// <summary>What the label column must be for <paramref name="kind"/>.</summary>
    public static LabelKind LabelFor(SweepMetricKind kind) => kind switch
    {
        SweepMetricKind.Accuracy or SweepMetricKind.MacroAccuracy => LabelKind.Key,
        SweepMetricKind.Auc => LabelKind.Boolean,
        SweepMetricKind.Rmse or SweepMetricKind.MeanAbsoluteError => LabelKind.Float,
        SweepMetricKind.Fidelity => LabelKind.None,
        _ => LabelKind.Auto,
    };

    /// <summary>Completes <paramref name="options"/> and <paramref name="metric"/> from the model; returns the model's columns.</summary>
    public static ModelColumns Complete(PruningOptions options, SweepMetric metric, string? inputColumn, string[]? outputColumns, string labelColumn)
    {
        string modelPath = options.ModelPath ?? throw new InvalidDataException("The base options have no ModelPath.");
        var model = OnnxModel.Load(modelPath);
        string? input = inputColumn ?? (options.InputColumnNames.Length == 1 ? options.InputColumnNames[0] : null);
        string[]? outputs = outputColumns is { Length: > 0 } ? outputColumns : options.OutputColumnNames.Length > 0 ? options.OutputColumnNames : null;
        var columns = ModelColumns.Resolve(model, modelPath, input, outputs);
        options.InputColumnNames = [columns.Input];
        options.OutputColumnNames = columns.Outputs;
        if (string.IsNullOrEmpty(metric.ScoreColumnName)) metric.ScoreColumnName = columns.Outputs[0];
        if (metric.Kind != SweepMetricKind.Fidelity && string.IsNullOrEmpty(metric.LabelColumnName)) metric.LabelColumnName = labelColumn;
        if (options.FineTune is { } tune && tune.LabelColumnName is null) tune.LabelColumnName = metric.LabelColumnName ?? labelColumn;
        return columns;
    }

    /// <summary>The training and validation rows for <paramref name="metric"/>.</summary>
    public static (CommandRows Train, CommandRows Validation) Load(MLContext ml, string train, string validation, PruningOptions options, ModelColumns columns,
        SweepMetric metric, string labelColumn)
    {
        var kind = LabelFor(metric.Kind);
        string label = metric.LabelColumnName ?? labelColumn;
        bool trains = options.FineTune is not null || options is LassoPruningOptions or AdmmPruningOptions;
        // Training needs labels even when the metric does not (fidelity); a key label then, as cross-entropy reads it.
        var trainKind = kind == LabelKind.None && trains ? LabelKind.Auto : kind;
        var trainRows = CommandData.Load(ml, train, "--data", options.ModelPath!, columns, label, trainKind != LabelKind.None, trainKind);
        var validationRows = CommandData.Load(ml, validation, "--validation", options.ModelPath!, columns, label, kind != LabelKind.None, kind);
        return (trainRows, validationRows);
    }
}
