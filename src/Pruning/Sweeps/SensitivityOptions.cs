using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// A sensitivity analysis: each prunable layer pruned alone (every other layer dense) at each of <see cref="Sparsities"/>
/// with the base options' estimator, criterion and granularity, and the metric measured on validation rows.
/// </summary>
public sealed class SensitivityOptions
{
    /// <summary>The estimator's options (model, columns, criterion, granularity, calibration rows); Sparsity, Scope and LayerSparsity are set per run.</summary>
    public PruningOptions? BaseOptions { get; set; }

    /// <summary>The sparsities each layer is tried at, each in (0, 1). Default 0.3, 0.5, 0.7, 0.9.</summary>
    public IList<double> Sparsities { get; set; } = new List<double> { 0.3, 0.5, 0.7, 0.9 };

    /// <summary>What is measured on the validation rows (with no labels: <see cref="SweepMetricKind.Fidelity"/>).</summary>
    public SweepMetric Metric { get; set; } = new();

    /// <summary>The layers analysed (weight names as in the report, or group ids/producers for structured granularities); empty: every layer the base options would prune.</summary>
    public IList<string> Layers { get; set; } = new List<string>();

    /// <summary>
    /// Checks the options on their own (the layers are checked against the model by <see cref="SensitivityAnalysis.Analyze"/>);
    /// the one place they are validated. Messages name the option.
    /// </summary>
    internal void Validate()
    {
        if (BaseOptions is null)
            throw new ArgumentNullException(nameof(BaseOptions), $"{nameof(SensitivityOptions)}.{nameof(BaseOptions)} must be set: the estimator's options each layer is pruned with.");
        BaseOptions.Validate();
        if (BaseOptions.Granularity == PruningGranularity.NM)
            throw new ArgumentException(
                $"{nameof(SensitivityOptions)}.{nameof(BaseOptions)}: Granularity NM prunes every layer to 1 − N/M, so a layer cannot be tried at several sparsities; use Unstructured.",
                nameof(PruningOptions.Granularity));
        if (Sparsities is null || Sparsities.Count == 0)
            throw new ArgumentException($"{nameof(SensitivityOptions)}.{nameof(Sparsities)} must list at least one sparsity in (0, 1).", nameof(Sparsities));
        for (int i = 0; i < Sparsities.Count; i++)
        {
            double s = Sparsities[i];
            if (!(s > 0 && s < 1))
                throw new ArgumentOutOfRangeException(nameof(Sparsities), s,
                    string.Create(CultureInfo.InvariantCulture, $"{nameof(SensitivityOptions)}.{nameof(Sparsities)}[{i}] must be in (0, 1); got {s}."));
            if (i > 0 && !(s > Sparsities[i - 1]))
                throw new ArgumentOutOfRangeException(nameof(Sparsities), s,
                    string.Create(CultureInfo.InvariantCulture, $"{nameof(SensitivityOptions)}.{nameof(Sparsities)} must be increasing and distinct; [{i - 1}] is {Sparsities[i - 1]}, [{i}] is {s}."));
        }
        if (Metric is null) throw new ArgumentNullException(nameof(Metric), $"{nameof(SensitivityOptions)}.{nameof(Metric)} must be set.");
        Metric.Validate(BaseOptions);
        if (Layers is null) throw new ArgumentNullException(nameof(Layers), $"{nameof(SensitivityOptions)}.{nameof(Layers)} is null; leave it empty for every layer.");
        for (int i = 0; i < Layers.Count; i++)
            if (string.IsNullOrEmpty(Layers[i]))
                throw new ArgumentException($"{nameof(SensitivityOptions)}.{nameof(Layers)}[{i}] is empty.", nameof(Layers));
    }
}
