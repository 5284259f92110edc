using System;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// The values of one prunable layer, in its flattened (row-major) order: either its weights or an importance
/// score per weight, depending on what the receiving method asks for. The memory is only read, never changed.
/// </summary>
/// <param name="Name">The layer's name (e.g. the ONNX initializer name); unique within one call.</param>
/// <param name="Values">The layer's values; a <see cref="float"/>[] converts implicitly.</param>
/// <example>
/// <code>
/// var layers = new[] { new LayerValues("fc1.weight", fc1Weights), new LayerValues("fc2.weight", fc2Weights) };
/// </code>
/// </example>
public readonly record struct LayerValues(string Name, ReadOnlyMemory<float> Values);
