namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// What one layer node costs: its parameters and its multiply-accumulates for one run of the model at the shapes
/// <see cref="ModelCost.Measure"/> was given (so MACs scale with the batch and, for token inputs, the sequence length).
/// </summary>
/// <param name="Node">The node's display name (its name, or "&lt;OpType&gt;_&lt;index&gt;"), which structured removal keeps.</param>
/// <param name="OpType">Conv, ConvTranspose, Gemm or MatMul.</param>
/// <param name="Weight">The initializer the node multiplies by (Conv/ConvTranspose W, Gemm/MatMul's initializer operand), or null when both operands are activations (attention's QKᵀ and attention·V).</param>
/// <param name="Units">
/// The layer's output units: Conv/ConvTranspose output channels (axis 1 of the output), Gemm/MatMul output features
/// (the output's last axis, or the one before it when the weight is the left operand); null for a MatMul of two activations.
/// </param>
/// <param name="Parameters">Elements of <paramref name="Weight"/> plus the node's own bias initializer (Conv/ConvTranspose B, Gemm C); 0 without a weight.</param>
/// <param name="Macs">Multiply-accumulates: output elements × inputs per output (Conv: C_in/group × Πkernel; Gemm/MatMul: K).</param>
public sealed record LayerCost(string Node, string OpType, string? Weight, long? Units, long Parameters, long Macs);
