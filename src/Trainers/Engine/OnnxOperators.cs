using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine.Ops;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// The one table of ONNX operators (default domain) the Torch engine executes. Adding an op is one line here
/// plus its compile function under Ops/.
/// </summary>
internal static class OnnxOperators
{
    private static readonly Dictionary<string, OpDefinition> Table = new(StringComparer.Ordinal)
    {
        //                        inputs  outputs
        ["Gemm"] = new(2, 3, 1, 1, MatrixOps.Gemm),
        ["MatMul"] = new(2, 2, 1, 1, MatrixOps.MatMul),
        ["Add"] = new(2, 2, 1, 1, ElementwiseOps.Add),
        ["Sub"] = new(2, 2, 1, 1, ElementwiseOps.Sub),
        ["Mul"] = new(2, 2, 1, 1, ElementwiseOps.Mul),
        ["Div"] = new(2, 2, 1, 1, ElementwiseOps.Div),
        ["Relu"] = new(1, 1, 1, 1, ActivationOps.Relu),
        ["LeakyRelu"] = new(1, 1, 1, 1, ActivationOps.LeakyRelu),
        ["Sigmoid"] = new(1, 1, 1, 1, ActivationOps.Sigmoid),
        ["Tanh"] = new(1, 1, 1, 1, ActivationOps.Tanh),
        ["Softmax"] = new(1, 1, 1, 1, ActivationOps.Softmax),
        ["LogSoftmax"] = new(1, 1, 1, 1, ActivationOps.LogSoftmax),
        ["Flatten"] = new(1, 1, 1, 1, ShapeOps.Flatten),
        ["Reshape"] = new(1, 2, 1, 1, ShapeOps.Reshape),
        ["Transpose"] = new(1, 1, 1, 1, ShapeOps.Transpose),
        ["Identity"] = new(1, 1, 1, 1, ShapeOps.Identity),
        ["Dropout"] = new(1, 3, 1, 2, DropoutOp.Compile, Foldable: false),
        ["Constant"] = new(0, 0, 1, 1, ConstantOp.Compile),
        ["Conv"] = new(2, 3, 1, 1, ConvOps.Conv),
        ["ConvTranspose"] = new(2, 3, 1, 1, ConvOps.ConvTranspose),
        ["BatchNormalization"] = new(5, 5, 1, 5, NormalizationOps.BatchNormalization, Foldable: false),
        ["MaxPool"] = new(1, 1, 1, 2, PoolOps.MaxPool),
        ["AveragePool"] = new(1, 1, 1, 1, PoolOps.AveragePool),
        ["GlobalAveragePool"] = new(1, 1, 1, 1, PoolOps.GlobalAveragePool),
        ["GlobalMaxPool"] = new(1, 1, 1, 1, PoolOps.GlobalMaxPool),
        ["Pad"] = new(1, 4, 1, 1, PadOp.Compile),
        ["Unsqueeze"] = new(1, 2, 1, 1, TensorShapeOps.Unsqueeze),
        ["Squeeze"] = new(1, 2, 1, 1, TensorShapeOps.Squeeze),
        ["Shape"] = new(1, 1, 1, 1, TensorShapeOps.Shape),
        ["Size"] = new(1, 1, 1, 1, TensorShapeOps.Size),
        ["Expand"] = new(2, 2, 1, 1, TensorShapeOps.Expand),
        ["Concat"] = new(1, int.MaxValue, 1, 1, TensorShapeOps.Concat),
        ["Split"] = new(1, 2, 1, int.MaxValue, TensorShapeOps.Split),
        ["Gather"] = new(2, 2, 1, 1, IndexingOps.Gather),
        ["Slice"] = new(1, 5, 1, 1, IndexingOps.Slice),
        ["Cast"] = new(1, 1, 1, 1, CastOp.Compile),
        ["ConstantOfShape"] = new(1, 1, 1, 1, TensorCreationOps.ConstantOfShape),
        ["Range"] = new(3, 3, 1, 1, TensorCreationOps.Range),
        ["Equal"] = new(2, 2, 1, 1, ComparisonOps.Equal),
        ["Less"] = new(2, 2, 1, 1, ComparisonOps.Less),
        ["LessOrEqual"] = new(2, 2, 1, 1, ComparisonOps.LessOrEqual),
        ["Greater"] = new(2, 2, 1, 1, ComparisonOps.Greater),
        ["GreaterOrEqual"] = new(2, 2, 1, 1, ComparisonOps.GreaterOrEqual),
        ["Not"] = new(1, 1, 1, 1, ComparisonOps.Not),
        ["And"] = new(2, 2, 1, 1, ComparisonOps.And),
        ["Or"] = new(2, 2, 1, 1, ComparisonOps.Or),
        ["Xor"] = new(2, 2, 1, 1, ComparisonOps.Xor),
        ["Where"] = new(3, 3, 1, 1, ComparisonOps.Where),
        ["ReduceMean"] = new(1, 2, 1, 1, ReductionOps.ReduceMean),
        ["ReduceSum"] = new(1, 2, 1, 1, ReductionOps.ReduceSum),
        ["ReduceMax"] = new(1, 2, 1, 1, ReductionOps.ReduceMax),
        ["ReduceMin"] = new(1, 2, 1, 1, ReductionOps.ReduceMin),
        ["LayerNormalization"] = new(2, 3, 1, 3, LayerNormOp.Compile),
        ["Erf"] = new(1, 1, 1, 1, MathOps.Erf),
        ["Pow"] = new(2, 2, 1, 1, MathOps.Pow),
        ["Sqrt"] = new(1, 1, 1, 1, MathOps.Sqrt),
        ["Exp"] = new(1, 1, 1, 1, MathOps.Exp),
        ["Log"] = new(1, 1, 1, 1, MathOps.Log),
        ["Neg"] = new(1, 1, 1, 1, MathOps.Neg),
        ["Abs"] = new(1, 1, 1, 1, MathOps.Abs),
        ["Elu"] = new(1, 1, 1, 1, ActivationOps.Elu),
        ["Selu"] = new(1, 1, 1, 1, ActivationOps.Selu),
        ["Softplus"] = new(1, 1, 1, 1, ActivationOps.Softplus),
        ["PRelu"] = new(2, 2, 1, 1, ActivationOps.PRelu),
        ["Reciprocal"] = new(1, 1, 1, 1, MathOps.Reciprocal),
        ["Clip"] = new(1, 3, 1, 1, MathOps.Clip),
        ["HardSigmoid"] = new(1, 1, 1, 1, ActivationOps.HardSigmoid),
        ["HardSwish"] = new(1, 1, 1, 1, ActivationOps.HardSwish),
        ["Gelu"] = new(1, 1, 1, 1, ActivationOps.Gelu),
    };

    /// <summary>The supported op types, sorted.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Table.Keys.Order(StringComparer.Ordinal)];

    /// <summary>The definition of <paramref name="opType"/> in the default ONNX domain, if supported.</summary>
    public static bool TryGet(string opType, out OpDefinition definition) => Table.TryGetValue(opType, out definition!);

    /// <summary>Whether a node's domain is the default ONNX domain.</summary>
    public static bool IsDefaultDomain(string domain) => domain.Length == 0 || domain == "ai.onnx";
}
