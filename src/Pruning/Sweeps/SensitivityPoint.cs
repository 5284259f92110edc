namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>The metric with one layer pruned to one sparsity, every other layer dense.</summary>
/// <param name="Layer">The layer (weight name, or group for structured granularities).</param>
/// <param name="Sparsity">Its sparsity.</param>
/// <param name="Metric">The metric on the validation rows.</param>
public sealed record SensitivityPoint(string Layer, double Sparsity, double Metric);
