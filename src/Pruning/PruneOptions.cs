using System;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Options of the general pruning estimator, <c>mlContext.Pruning().Prune(options)</c>: any criterion by name, at
/// any granularity, scope and schedule, with optional fine-tuning.
/// </summary>
/// <example><code>
/// var options = new PruneOptions
/// {
///     ModelPath = "model.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"],
///     Criterion = "taylor", LabelColumnName = "Label", Sparsity = 0.8, CalibrationRows = 1024,
///     FineTune = new FineTuneOptions { Epochs = 2 },
/// };
/// var pruned = mlContext.Pruning().Prune(options).Fit(data);
/// </code></example>
public sealed class PruneOptions : PruningOptions
{
    /// <summary>
    /// The importance criterion, by name (case-insensitive): magnitude, magnitude-l2, random, taylor, fisher, wanda,
    /// activation, apoz, entropy, fpgm, min-redundancy, gsap. <see cref="Criteria.PruningCriteria.Names"/> lists
    /// every criterion found, including ones added by other assemblies.
    /// </summary>
    public string Criterion { get; set; } = "magnitude";

    internal override string CriterionName => Criterion;

    internal override void Validate()
    {
        base.Validate();
        if (string.IsNullOrWhiteSpace(Criterion))
            throw new ArgumentException($"{nameof(Criterion)} is empty; known criteria: {string.Join(", ", Criteria.PruningCriteria.Names)}.", nameof(Criterion));
    }
}
