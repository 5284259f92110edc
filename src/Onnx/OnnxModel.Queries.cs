using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.IO;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

// Graph queries over the main graph. Nothing is cached: every query reads the current proto, so edits made
// through Proto are always seen.
public sealed partial class OnnxModel
{
    /// <summary>
    /// The initializer of the main graph with this name, as the live dense tensor: edits to it (for example
    /// <see cref="OnnxTensor.SetFloats"/>) are edits of the model. A sparse weight (a sparse initializer, or a
    /// Constant node holding it as <c>sparse_value</c>, see <see cref="SparseEncoding.ConstantNode"/>) is first
    /// converted to dense storage in the model (an entry at the end of <c>graph.initializer</c>; the Constant node
    /// is removed, so later nodes move up by one) so that holds for it too; call <see cref="Compact()"/> to store
    /// it sparsely again.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No initializer has this name.</exception>
    /// <example><code>float[] w = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.weight"));</code></example>
    public TensorProto GetInitializer(string name) =>
        TryGetInitializer(name, out var tensor)
            ? tensor
            : throw new KeyNotFoundException($"Could not find initializer '{name}' in graph '{Graph.Name}'.");

    /// <summary>Like <see cref="GetInitializer"/>, returning false when no initializer has this name.</summary>
    public bool TryGetInitializer(string name, [NotNullWhen(true)] out TensorProto? tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        var graph = Graph;
        int dense = IndexOfInitializer(graph, name);
        if (dense >= 0)
        {
            tensor = graph.Initializer[dense];
            return true;
        }
        int sparse = IndexOfSparseInitializer(graph, name);
        if (sparse >= 0)
        {
            tensor = OnnxSparseTensor.ToDense(graph.SparseInitializer[sparse]);
            graph.SparseInitializer.RemoveAt(sparse);
            graph.Initializer.Add(tensor);
            return true;
        }
        int constant = IndexOfSparseConstant(graph, name);
        if (constant >= 0)
        {
            var node = graph.Node[constant];
            tensor = DenseCopyOfConstant(node, constant, node.Attribute[0].SparseTensor);
            graph.Node.RemoveAt(constant);
            graph.Initializer.Add(tensor);
            return true;
        }
        tensor = null;
        return false;
    }

    /// <summary>
    /// Whether the main graph has a dense or sparse initializer with this name, or a Constant node holding it as a
    /// sparse weight (<see cref="SparseEncoding.ConstantNode"/>).
    /// </summary>
    public bool HasInitializer(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var graph = Graph;
        return IndexOfInitializer(graph, name) >= 0 || IndexOfSparseInitializer(graph, name) >= 0 || IndexOfSparseConstant(graph, name) >= 0;
    }

    /// <summary>
    /// Replaces an initializer of the main graph, keeping its position and storage: a dense one is replaced in
    /// place by <paramref name="tensor"/> itself (not a copy); a sparse one (a sparse initializer, or a Constant
    /// node's <c>sparse_value</c>) stays sparse at its position (converted with <see cref="OnnxSparseTensor.FromDense"/>)
    /// unless the new tensor cannot be stored sparsely (rank 0, a zero dimension), in which case it moves to the
    /// end of the dense list (and the Constant node is removed). An empty
    /// <c>tensor.Name</c> is set to <paramref name="name"/>. Graph input/value_info shapes are not updated.
    /// </summary>
    /// <exception cref="KeyNotFoundException">No initializer has this name.</exception>
    /// <exception cref="ArgumentException">The tensor has another name, or its data does not match its dims.</exception>
    /// <example><code>model.ReplaceInitializer("fc1.bias", OnnxTensor.FromFloats("fc1.bias", newBias, [newBias.Length]));</code></example>
    public void ReplaceInitializer(string name, TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.Name.Length > 0 && tensor.Name != name)
            throw new ArgumentException($"The replacement tensor is named '{tensor.Name}', not '{name}'.", nameof(tensor));
        try { TensorValidator.Validate(tensor, "replacement initializer"); }
        catch (InvalidDataException ex) { throw new ArgumentException(ex.Message, nameof(tensor), ex); }
        var graph = Graph;
        int dense = IndexOfInitializer(graph, name);
        int sparse = dense >= 0 ? -1 : IndexOfSparseInitializer(graph, name);
        int constant = dense >= 0 || sparse >= 0 ? -1 : IndexOfSparseConstant(graph, name);
        if (dense < 0 && sparse < 0 && constant < 0)
            throw new KeyNotFoundException($"Could not find initializer '{name}' in graph '{graph.Name}'.");
        tensor.Name = name;
        if (dense >= 0)
        {
            graph.Initializer[dense] = tensor;
            return;
        }
        bool canStoreSparse = OnnxSparseTensor.CanStore(tensor);
        if (sparse >= 0)
        {
            if (canStoreSparse) graph.SparseInitializer[sparse] = OnnxSparseTensor.FromDense(tensor);
            else graph.SparseInitializer.RemoveAt(sparse);
        }
        else
        {
            if (canStoreSparse) graph.Node[constant].Attribute[0].SparseTensor = OnnxSparseTensor.FromDense(tensor);
            else graph.Node.RemoveAt(constant);
        }
        if (!canStoreSparse) graph.Initializer.Add(tensor);
    }

    /// <summary>The node of the main graph that writes this value, or null (a graph input, initializer or unknown name).</summary>
    public NodeProto? FindProducer(string valueName)
    {
        ArgumentNullException.ThrowIfNull(valueName);
        if (valueName.Length == 0) return null;
        foreach (var node in Graph.Node)
            foreach (string output in node.Output)
                if (output == valueName) return node;
        return null;
    }

    /// <summary>
    /// The nodes of the main graph that read this value, in graph order: those listing it as an input, and
    /// those whose subgraphs (If/Loop/Scan bodies) read it from the enclosing scope. Graph outputs are not
    /// nodes; see <see cref="IsGraphOutput"/>.
    /// </summary>
    public IReadOnlyList<NodeProto> FindConsumers(string valueName)
    {
        ArgumentNullException.ThrowIfNull(valueName);
        var consumers = new List<NodeProto>();
        if (valueName.Length == 0) return consumers;
        foreach (var node in Graph.Node)
            if (Reads(node, valueName)) consumers.Add(node);
        return consumers;

        static bool Reads(NodeProto node, string name)
        {
            foreach (string input in node.Input)
                if (input == name) return true;
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null && GraphWalker.ReadsFromOuterScope(attribute.G, name, 1)) return true;
                foreach (var g in attribute.Graphs)
                    if (GraphWalker.ReadsFromOuterScope(g, name, 1)) return true;
            }
            return false;
        }
    }

    /// <summary>Whether the main graph lists this value as an output.</summary>
    public bool IsGraphOutput(string valueName)
    {
        ArgumentNullException.ThrowIfNull(valueName);
        foreach (var output in Graph.Output)
            if (output.Name == valueName) return true;
        return false;
    }

    /// <summary>
    /// The shape of a value of the main graph, from (first match) its initializer's dims, a sparse
    /// initializer's dims, the dims of a Constant node's <c>sparse_value</c> (<see cref="SparseEncoding.ConstantNode"/>),
    /// or the tensor type of a graph input, graph output or value_info entry. Symbolic or
    /// unknown dimensions are null. Returns null when the value is unknown or its rank is not recorded.
    /// </summary>
    /// <example><code>long?[]? shape = model.GetShape("input"); // e.g. [null, 784] for a batch dimension "N"</code></example>
    public long?[]? GetShape(string valueName)
    {
        ArgumentNullException.ThrowIfNull(valueName);
        var graph = Graph;
        foreach (var init in graph.Initializer)
            if (init.Name == valueName) return ToNullable(init.Dims);
        foreach (var sparse in graph.SparseInitializer)
            if (sparse.Values?.Name == valueName) return ToNullable(sparse.Dims);
        if (IndexOfSparseConstant(graph, valueName) is int constant and >= 0)
            return ToNullable(graph.Node[constant].Attribute[0].SparseTensor.Dims);
        foreach (var list in new[] { graph.Input, graph.Output, graph.ValueInfo })
            foreach (var info in list)
                if (info.Name == valueName && ShapeOf(info.Type) is { } shape)
                    return shape;
        return null;

        static long?[] ToNullable(IList<long> dims)
        {
            var shape = new long?[dims.Count];
            for (int i = 0; i < shape.Length; i++) shape[i] = dims[i];
            return shape;
        }

        static long?[]? ShapeOf(TypeProto? type)
        {
            var proto = type?.TensorType?.Shape ?? type?.SparseTensorType?.Shape;
            if (proto is null) return null;
            var shape = new long?[proto.Dim.Count];
            for (int i = 0; i < shape.Length; i++)
            {
                var dim = proto.Dim[i];
                shape[i] = dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue >= 0 ? dim.DimValue : null;
            }
            return shape;
        }
    }

    /// <summary>
    /// The opset version the model imports for an operator domain, or null when it does not import it. The
    /// default domain may be given as "" or "ai.onnx".
    /// </summary>
    /// <example><code>long opset = model.GetOpsetVersion() ?? throw new InvalidDataException("no ONNX opset");</code></example>
    public long? GetOpsetVersion(string domain = "")
    {
        ArgumentNullException.ThrowIfNull(domain);
        string wanted = NormalizeDomain(domain);
        foreach (var import in Proto.OpsetImport)
            if (NormalizeDomain(import.Domain) == wanted) return import.Version;
        return null;
    }

    /// <summary>
    /// A name for a node of the main graph in messages and reports: its own name, or for unnamed nodes
    /// "&lt;OpType&gt;_&lt;index&gt;" (e.g. "Gemm_3"), stable while nodes are not reordered. The proto is not changed.
    /// </summary>
    /// <exception cref="ArgumentException">The node is not in the main graph.</exception>
    public string GetNodeDisplayName(NodeProto node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var nodes = Graph.Node;
        for (int i = 0; i < nodes.Count; i++)
            if (ReferenceEquals(nodes[i], node)) return DisplayName(node, i); // messages compare by value; identity is wanted
        throw new ArgumentException($"Node '{node.Name}' ({node.OpType}) is not in the main graph.", nameof(node));
    }

    internal static string DisplayName(NodeProto node, int index) =>
        string.IsNullOrEmpty(node.Name) ? $"{node.OpType}_{index}" : node.Name;

    internal static bool IsDefaultDomain(string domain) => NormalizeDomain(domain).Length == 0;

    private static string NormalizeDomain(string domain) => domain == "ai.onnx" ? "" : domain;

    private static int IndexOfInitializer(GraphProto graph, string name)
    {
        for (int i = 0; i < graph.Initializer.Count; i++)
            if (graph.Initializer[i].Name == name) return i;
        return -1;
    }

    private static int IndexOfSparseInitializer(GraphProto graph, string name)
    {
        for (int i = 0; i < graph.SparseInitializer.Count; i++)
            if (graph.SparseInitializer[i].Values?.Name == name) return i;
        return -1;
    }
}
