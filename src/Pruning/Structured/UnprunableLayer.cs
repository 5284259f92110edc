namespace Microsoft.ML.Pruning.Structured;

/// <summary>A layer whose output units the dependency analysis cannot prove safe to remove; it stays dense.</summary>
/// <param name="Layer">The layer's weight name (as <c>PrunableWeight.Name</c>).</param>
/// <param name="Node">The layer node's display name.</param>
/// <param name="Reason">Why, naming the node and op that stopped the analysis (e.g. "Sigmoid_7: Sigmoid(0) ≠ 0").</param>
public sealed record UnprunableLayer(string Layer, string Node, string Reason);
