using System.Collections.Generic;

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
}
