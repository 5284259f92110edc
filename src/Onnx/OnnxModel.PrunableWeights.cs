using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

public sealed partial class OnnxModel
{
    /// <summary>
    /// The weights pruning can act on, in main-graph node order: FLOAT initializers (dense or sparse) used as
    /// Gemm input B (2-D), MatMul's second operand (2-D), or Conv input W (rank 3 or more), by nodes of the
    /// default ONNX domain. A weight shared by several such nodes is listed once, for its first use.
    /// Biases, other element types and computed (non-initializer) operands are not listed, with one exception:
    /// a weight that <see cref="Compact(SparseEncoding)"/> stored as a Constant node's <c>sparse_value</c>
    /// (<see cref="SparseEncoding.ConstantNode"/>) is listed like a sparse initializer, with its name (the node's
    /// output), dense shape and consuming node; <see cref="GetInitializer"/> reads it (turning the Constant node
    /// into an initializer, which moves the later nodes up by one: list the weights again after that).
    /// </summary>
    /// <example>
    /// <code>
    /// var weights = model.GetPrunableWeights();
    /// long total = weights.Sum(w => w.ParameterCount);
    /// </code>
    /// </example>
    public IReadOnlyList<PrunableWeight> GetPrunableWeights()
    {
        var graph = Graph;
        var floatShapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var init in graph.Initializer)
            if (init.DataType == (int)TensorProto.Types.DataType.Float) floatShapes.TryAdd(init.Name, [.. init.Dims]);
        foreach (var sparse in graph.SparseInitializer)
            if (sparse.Values is { DataType: (int)TensorProto.Types.DataType.Float } values) floatShapes.TryAdd(values.Name, [.. sparse.Dims]);
        var graphOutputs = GraphOutputNames(graph);
        foreach (var node in graph.Node)
            if (SparseConstantValue(node, graphOutputs) is { Values.DataType: (int)TensorProto.Types.DataType.Float } constant)
                floatShapes.TryAdd(node.Output[0], [.. constant.Dims]);

        var weights = new List<PrunableWeight>();
        var listed = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (!IsDefaultDomain(node.Domain) || node.Input.Count < 2) continue;
            string name = node.Input[1];
            if (!floatShapes.TryGetValue(name, out var shape)) continue;
            (PrunableWeightRole Role, int Axis)? use = node.OpType switch
            {
                "Gemm" when shape.Length == 2 => (PrunableWeightRole.GemmWeight, IntAttribute(node, "transB") != 0 ? 0 : 1),
                "MatMul" when shape.Length == 2 => (PrunableWeightRole.MatMulWeight, 1),
                "Conv" when shape.Length >= 3 => (PrunableWeightRole.ConvWeight, 0),
                _ => null,
            };
            if (use is not { } u || !listed.Add(name)) continue;
            long count = 1;
            foreach (long d in shape) count *= d; // validated on load: non-negative, no overflow
            weights.Add(new PrunableWeight(name, (long[])shape.Clone(), DisplayName(node, i), node.OpType, i, 1, u.Role, u.Axis, count));
        }
        return weights;
    }

    private static long IntAttribute(NodeProto node, string name)
    {
        foreach (var attribute in node.Attribute)
            if (attribute.Name == name) return attribute.I;
        return 0;
    }
}
