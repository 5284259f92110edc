using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

public sealed partial class OnnxModel
{
    /// <summary>IR version that introduced sparse tensors (sparse initializers and sparse attributes).</summary>
    private const long SparseInitializerIrVersion = 6;

    /// <summary>Default-domain opset whose Constant first has the <c>sparse_value</c> attribute.</summary>
    private const long ConstantSparseValueOpset = 11;

    private const string SparseValueAttribute = "sparse_value";

    /// <summary>
    /// Stores mostly-zero weights sparsely, as <see cref="SparseEncoding.ConstantNode"/>: see
    /// <see cref="Compact(SparseEncoding)"/>. The result passes <c>onnx.checker.check_model(model, full_check=True)</c>
    /// when the dense model did and imports opset 11 or later.
    /// </summary>
    /// <returns>How many initializers were converted.</returns>
    /// <example><code>var compact = pruned.Clone(); compact.Compact(); compact.Save("pruned.onnx");</code></example>
    public int Compact() => Compact(SparseEncoding.ConstantNode);

    /// <summary>
    /// Stores each FLOAT initializer of the main graph sparsely when that takes fewer serialized bytes than its
    /// dense entry. Each non-zero costs its 4 value bytes plus its INT64 linear index as a packed varint (1 byte
    /// below 2^7, 2 below 2^14, 3 below 2^21, 4 below 2^28), against 4 bytes per element densely, so a 300x784
    /// layer gains from about 43 % zeros, a 100x100 one from about 34 %, a 4096x4096 one from 50 %. The decision
    /// compares the two real serialized entries (the initializer against the <c>sparse_initializer</c> entry or
    /// the Constant node); the sparse copy is not built when a lower bound of its size (value bytes plus index
    /// varint bytes) already reaches the dense size.
    /// <list type="bullet">
    /// <item><see cref="SparseEncoding.ConstantNode"/>: each converted initializer becomes a <c>Constant</c> node
    /// (unnamed, output = the initializer's name, attribute <c>sparse_value</c>), inserted at the start of the main
    /// graph in initializer order, so every consumer, including subgraphs reading it from the enclosing scope,
    /// comes after it. A converted initializer that was also listed as a graph input (required before IR 4, an
    /// overridable default since) is removed from the graph inputs: its value is now fixed. Initializers that
    /// are graph outputs, or that <c>training_info</c> binds by name (its bindings name main-graph initializers),
    /// stay dense. If the model imports the default domain below opset 11 (or not at all),
    /// <see cref="SparseEncoding.SparseInitializer"/> is used instead, which keeps the size gain; such a model
    /// does not pass the full check.</item>
    /// <item><see cref="SparseEncoding.SparseInitializer"/>: converted initializers move from
    /// <c>graph.initializer</c> to the end of <c>graph.sparse_initializer</c> under the same name, so graph inputs
    /// and node inputs naming them stay valid.</item>
    /// </list>
    /// Scalars and tensors with a zero dimension stay dense (ONNX sparse tensors cannot hold them). Raises
    /// <c>ir_version</c> to 6 (the first with sparse tensors) when it was lower and something was converted.
    /// Subgraph initializers are left alone. <see cref="Densify"/> undoes either encoding.
    /// </summary>
    /// <returns>How many initializers were converted.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="encoding"/> is not a defined value.</exception>
    /// <example><code>var compact = pruned.Clone(); compact.Compact(SparseEncoding.SparseInitializer); compact.Save("pruned.onnx");</code></example>
    public int Compact(SparseEncoding encoding)
    {
        if (encoding is not (SparseEncoding.ConstantNode or SparseEncoding.SparseInitializer))
            throw new ArgumentOutOfRangeException(nameof(encoding), encoding, $"Unknown {nameof(SparseEncoding)} value.");
        var graph = Graph;
        bool asNodes = encoding == SparseEncoding.ConstantNode && GetOpsetVersion() >= ConstantSparseValueOpset;
        var mustStayInitializers = GraphOutputNames(graph);
        foreach (var training in Proto.TrainingInfo)
        {
            foreach (var binding in training.InitializationBinding) mustStayInitializers.Add(binding.Key);
            foreach (var binding in training.UpdateBinding) mustStayInitializers.Add(binding.Key);
        }

        var kept = new List<TensorProto>(graph.Initializer.Count);
        var sparseInitializers = new List<SparseTensorProto>();
        var constants = new List<NodeProto>();
        foreach (var tensor in graph.Initializer)
        {
            if (tensor.DataType == (int)TensorProto.Types.DataType.Float && OnnxSparseTensor.CanStore(tensor)
                && !(asNodes && mustStayInitializers.Contains(tensor.Name)))
            {
                long denseSize = OnnxSparseTensor.SerializedSize(tensor);
                if (OnnxSparseTensor.FromDenseIfItCanBeSmaller(tensor, denseSize) is { } sparse)
                {
                    if (!asNodes && OnnxSparseTensor.SerializedSize(sparse) < denseSize)
                    {
                        sparseInitializers.Add(sparse);
                        continue;
                    }
                    if (asNodes && ConstantNodeHolding(sparse, tensor.Name) is var node && SerializedSize(node) < denseSize)
                    {
                        constants.Add(node);
                        continue;
                    }
                }
            }
            kept.Add(tensor);
        }
        int converted = sparseInitializers.Count + constants.Count;
        if (converted == 0) return 0;

        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);
        graph.SparseInitializer.AddRange(sparseInitializers);
        if (constants.Count > 0)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in constants) names.Add(node.Output[0]);
            var nodes = new List<NodeProto>(constants.Count + graph.Node.Count);
            nodes.AddRange(constants);
            nodes.AddRange(graph.Node);
            graph.Node.Clear();
            graph.Node.AddRange(nodes);
            for (int i = graph.Input.Count - 1; i >= 0; i--)
                if (names.Contains(graph.Input[i].Name)) graph.Input.RemoveAt(i);
        }
        if (Proto.IrVersion < SparseInitializerIrVersion) Proto.IrVersion = SparseInitializerIrVersion;
        return converted;
    }

    /// <summary>
    /// Stores every sparse weight of the main graph densely again, the inverse of <see cref="Compact(SparseEncoding)"/>
    /// for both encodings: each sparse initializer, then each Constant node of the default domain whose only
    /// attribute is <c>sparse_value</c> and whose output is not a graph output (in node order), becomes an entry
    /// at the end of <c>graph.initializer</c> under the same name (the node's output name), with raw little-endian
    /// data; those Constant nodes are removed. Either all convert or, if one cannot (an element type without
    /// fixed size), none does and an exception says which. Other Constant nodes, sparse tensors inside subgraphs,
    /// and graph inputs that <see cref="SparseEncoding.ConstantNode"/> removed are not touched or restored.
    /// </summary>
    /// <returns>How many initializers were converted.</returns>
    /// <exception cref="InvalidDataException">A sparse tensor is malformed or cannot be expanded; the message names it (and the node).</exception>
    /// <example><code>var model = OnnxModel.Load("pruned.onnx"); model.Densify(); // plain initializers again</code></example>
    public int Densify()
    {
        var graph = Graph;
        var dense = new List<TensorProto>(graph.SparseInitializer.Count);
        foreach (var sparse in graph.SparseInitializer)
            dense.Add(OnnxSparseTensor.ToDense(sparse));

        var graphOutputs = GraphOutputNames(graph);
        var remaining = new List<NodeProto>(graph.Node.Count);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (SparseConstantValue(node, graphOutputs) is { } sparse)
                dense.Add(DenseCopyOfConstant(node, i, sparse));
            else
                remaining.Add(node);
        }

        graph.SparseInitializer.Clear();
        if (remaining.Count < graph.Node.Count)
        {
            graph.Node.Clear();
            graph.Node.AddRange(remaining);
        }
        graph.Initializer.AddRange(dense);
        return dense.Count;
    }

    /// <summary>
    /// The sparse tensor of a Constant node that holds a weight the way <see cref="SparseEncoding.ConstantNode"/>
    /// writes it (default domain, no inputs, one named output that is not a graph output, only a
    /// <c>sparse_value</c> attribute), or null for any other node.
    /// </summary>
    private static SparseTensorProto? SparseConstantValue(NodeProto node, HashSet<string> graphOutputs) =>
        node.OpType == "Constant" && IsDefaultDomain(node.Domain) && node.Input.Count == 0
        && node.Output.Count == 1 && node.Output[0].Length > 0 && !graphOutputs.Contains(node.Output[0])
        && node.Attribute.Count == 1 && node.Attribute[0] is { Name: SparseValueAttribute, SparseTensor: { } sparse }
            ? sparse
            : null;

    /// <summary>Index in the main graph of the Constant node holding the sparse weight <paramref name="name"/>, or -1.</summary>
    private static int IndexOfSparseConstant(GraphProto graph, string name)
    {
        HashSet<string>? graphOutputs = null;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.OpType != "Constant" || node.Output.Count != 1 || node.Output[0] != name) continue;
            graphOutputs ??= GraphOutputNames(graph);
            return SparseConstantValue(node, graphOutputs) is null ? -1 : i; // a name is written once
        }
        return -1;
    }

    private static TensorProto DenseCopyOfConstant(NodeProto node, int index, SparseTensorProto sparse)
    {
        TensorProto tensor;
        try { tensor = OnnxSparseTensor.ToDense(sparse); }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException(
                $"Attribute '{SparseValueAttribute}' of {OnnxModelValidator.Describe(node, index)}, output '{node.Output[0]}': {ex.Message}", ex);
        }
        tensor.Name = node.Output[0];
        return tensor;
    }

    private static NodeProto ConstantNodeHolding(SparseTensorProto sparse, string name)
    {
        var node = new NodeProto { OpType = "Constant" };
        node.Output.Add(name);
        node.Attribute.Add(new AttributeProto
        {
            Name = SparseValueAttribute, Type = AttributeProto.Types.AttributeType.SparseTensor, SparseTensor = sparse,
        });
        return node;
    }

    /// <summary>Bytes the node takes as an entry of <c>GraphProto.node</c> (field tag, length prefix and message).</summary>
    private static long SerializedSize(NodeProto node) =>
        CodedOutputStream.ComputeTagSize(GraphProto.NodeFieldNumber) + CodedOutputStream.ComputeMessageSize(node);

    private static HashSet<string> GraphOutputNames(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var output in graph.Output) names.Add(output.Name);
        return names;
    }
}
