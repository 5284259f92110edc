namespace Microsoft.ML.Pruning.Onnx;

/// <summary>What a prunable weight is to the node that consumes it.</summary>
public enum PrunableWeightRole
{
    /// <summary>Input B of a Gemm node (a fully connected layer): shape [K, N], or [N, K] when transB = 1.</summary>
    GemmWeight,

    /// <summary>The second operand of a MatMul node, a 2-D initializer of shape [K, N].</summary>
    MatMulWeight,

    /// <summary>Input W of a Conv node: shape [M, C/group, kernel...], one filter per output channel M.</summary>
    ConvWeight,
}
