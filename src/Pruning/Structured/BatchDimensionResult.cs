using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>What <see cref="BatchDimension.MakeDynamic"/> produced.</summary>
/// <param name="Model">The new model: with a symbolic batch dimension when <paramref name="IsDynamic"/>, else an unchanged copy.</param>
/// <param name="IsDynamic">True when every batch-carrying graph input (and output) now has a symbolic batch dimension (or already had one).</param>
/// <param name="Reason">Why the batch could not be made dynamic, naming the node or value; null when <paramref name="IsDynamic"/>.</param>
public sealed record BatchDimensionResult(OnnxModel Model, bool IsDynamic, string? Reason);
