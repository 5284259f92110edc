using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning;

/// <summary>Options of <see cref="MagnitudePruningEstimator"/>: which model, which columns, how much to prune.</summary>
public sealed class MagnitudePruningOptions
{
    /// <summary>Path of the ONNX model to prune (read only). Set this or <see cref="Model"/>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>In-memory model to prune (a copy is pruned). Set this or <see cref="ModelPath"/>.</summary>
    public OnnxModel? Model { get; set; }

    /// <summary>Model outputs scored into columns of the same names, as in <c>ApplyOnnxModel</c>.</summary>
    public string[] OutputColumnNames { get; set; } = [];

    /// <summary>Columns fed to the model inputs of the same names.</summary>
    public string[] InputColumnNames { get; set; } = [];

    /// <summary>Fraction of prunable weights set to zero, in [0, 1). 0 leaves the model unchanged.</summary>
    public double Sparsity { get; set; } = 0.5;

    /// <summary>One magnitude threshold across all layers, or each layer pruned to the target on its own.</summary>
    public PruningScope Scope { get; set; } = PruningScope.Global;

    /// <summary>Prunable weights (initializer names, see the report) left untouched.</summary>
    public IList<string> ExcludedLayers { get; set; } = new List<string>();

    /// <summary>Per-layer sparsity overriding <see cref="Sparsity"/> for the named weights, each in [0, 1).</summary>
    public IDictionary<string, double> LayerSparsity { get; set; } = new Dictionary<string, double>();

    /// <summary>Re-train the pruned model with masks fixed; null (default) prunes one-shot without training.</summary>
    public FineTuneOptions? FineTune { get; set; }

    /// <summary>Checks every option; the one place options are validated.</summary>
    internal void Validate()
    {
        if ((ModelPath is null) == (Model is null))
            throw new ArgumentException("Set exactly one of ModelPath and Model.", nameof(ModelPath));
        if (ModelPath is not null && ModelPath.Length == 0)
            throw new ArgumentException("ModelPath is empty.", nameof(ModelPath));
        if (OutputColumnNames is null || OutputColumnNames.Length == 0)
            throw new ArgumentException("OutputColumnNames must name at least one model output.", nameof(OutputColumnNames));
        if (InputColumnNames is null || InputColumnNames.Length == 0)
            throw new ArgumentException("InputColumnNames must name at least one model input.", nameof(InputColumnNames));
        CheckSparsity(nameof(Sparsity), Sparsity);
        if (!Enum.IsDefined(Scope))
            throw new ArgumentOutOfRangeException(nameof(Scope), Scope, "Scope must be Layer or Global.");
        ArgumentNullException.ThrowIfNull(ExcludedLayers, nameof(ExcludedLayers));
        ArgumentNullException.ThrowIfNull(LayerSparsity, nameof(LayerSparsity));
        foreach (var (layer, sparsity) in LayerSparsity)
            CheckSparsity($"{nameof(LayerSparsity)}['{layer}']", sparsity);
        FineTune?.Validate();
    }

    internal static void CheckSparsity(string option, double value)
    {
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(option, value, $"{option} must be in [0, 1); got {value}.");
    }
}
