using System;

namespace Microsoft.ML.Pruning;

/// <summary>Adds <c>mlContext.Pruning()</c>.</summary>
public static class MLContextPruningExtensions
{
    /// <summary>The catalog of pruning estimators.</summary>
    /// <example><code>
    /// var pruner = mlContext.Pruning().Magnitude("model.onnx", ["Score"], ["Features"], sparsity: 0.9f);
    /// var pruned = pruner.Fit(data);
    /// pruned.SaveOnnx("model.pruned.onnx");
    /// </code></example>
    public static PruningCatalog Pruning(this MLContext mlContext)
    {
        ArgumentNullException.ThrowIfNull(mlContext);
        return new PruningCatalog(mlContext);
    }
}
