using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// The constant values of a graph (dense and sparse initializers, Constant node outputs) and who reads each value,
/// read without touching the model (unlike <see cref="OnnxModel.GetInitializer"/>, which densifies sparse storage).
/// </summary>
internal sealed class GraphConstants
{
    private readonly Dictionary<string, TensorProto> _initializers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SparseTensorProto> _sparse = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NodeProto> _constantNodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<int>> _readers = new(StringComparer.Ordinal);
    private readonly HashSet<string> _graphOutputs = new(StringComparer.Ordinal);

    public GraphConstants(GraphProto graph)
    {
        foreach (var init in graph.Initializer) _initializers.TryAdd(init.Name, init);
        foreach (var sparse in graph.SparseInitializer)
            if (sparse.Values is { } values) _sparse.TryAdd(values.Name, sparse);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.OpType == "Constant" && IsDefaultDomain(node.Domain) && node.Output.Count == 1) _constantNodes.TryAdd(node.Output[0], node);
            foreach (string input in node.Input.Distinct(StringComparer.Ordinal))
            {
                if (input.Length == 0) continue;
                if (!_readers.TryGetValue(input, out var list)) _readers[input] = list = [];
                list.Add(i);
            }
        }
        foreach (var output in graph.Output) _graphOutputs.Add(output.Name);
    }

    /// <summary>Whether an operator domain is ONNX's default one ("" or "ai.onnx").</summary>
    public static bool IsDefaultDomain(string domain) => domain.Length == 0 || domain == "ai.onnx";

    /// <summary>Whether the value is a dense or sparse initializer (what a <see cref="ChannelSlice"/> may name).</summary>
    public bool IsInitializer(string name) => _initializers.ContainsKey(name) || _sparse.ContainsKey(name);

    /// <summary>Whether the value is an initializer or a Constant node's output.</summary>
    public bool IsConstant(string name) => IsInitializer(name) || _constantNodes.ContainsKey(name);

    /// <summary>Whether the value is a graph output.</summary>
    public bool IsGraphOutput(string name) => _graphOutputs.Contains(name);

    /// <summary>Indexes of the nodes that list the value as an input (each once).</summary>
    public IReadOnlyList<int> Readers(string name) => _readers.TryGetValue(name, out var list) ? list : [];

    /// <summary>Whether a node or a graph output reads the value.</summary>
    public bool IsRead(string name) => _readers.ContainsKey(name) || _graphOutputs.Contains(name);

    /// <summary>The constant as a dense tensor (a copy for sparse storage), or null when the value is not constant.</summary>
    public TensorProto? Dense(string name)
    {
        if (_initializers.TryGetValue(name, out var init)) return init;
        if (_sparse.TryGetValue(name, out var sparse)) return OnnxSparseTensor.ToDense(sparse);
        if (!_constantNodes.TryGetValue(name, out var node) || node.Attribute.Count != 1) return null;
        var attribute = node.Attribute[0];
        return attribute.Name switch
        {
            "value" => attribute.T,
            "sparse_value" => OnnxSparseTensor.ToDense(attribute.SparseTensor),
            "value_float" => OnnxTensor.FromFloats(name, [attribute.F], []),
            "value_floats" => OnnxTensor.FromFloats(name, attribute.Floats.ToArray(), [attribute.Floats.Count]),
            "value_int" => OnnxTensor.FromInt64s(name, [attribute.I], []),
            "value_ints" => OnnxTensor.FromInt64s(name, attribute.Ints.ToArray(), [attribute.Ints.Count]),
            _ => null,
        };
    }

    /// <summary>An INT64/INT32 constant's values, or null when the value is not such a constant.</summary>
    public long[]? Int64s(string name) =>
        Dense(name) is { } t && t.DataType is (int)TensorProto.Types.DataType.Int64 or (int)TensorProto.Types.DataType.Int32 ? OnnxTensor.ToInt64Array(t) : null;

    /// <summary>A FLOAT constant's values, or null when the value is not such a constant.</summary>
    public float[]? Floats(string name) =>
        Dense(name) is { } t && t.DataType == (int)TensorProto.Types.DataType.Float ? OnnxTensor.ToFloatArray(t) : null;
}
