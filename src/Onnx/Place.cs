using System;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Where something sits in a model ("initializer of graph 'main' in ONNX file '/m.onnx'"), put into words only
/// when a message needs it. Loading checks every tensor and attribute of an untrusted file; a description built
/// eagerly for each of them repeats the names around it (a long node name times many attributes), which makes
/// loading quadratic in the file's size. A place holds references to the messages instead: constant size.
/// </summary>
internal abstract class Place
{
    /// <summary>The description, e.g. "attribute 'value' of node 'c' (Constant, #0) in graph 'main' in ONNX file '/m.onnx'".</summary>
    public abstract override string ToString();

    /// <summary>A fixed description (the caller's own words, e.g. "replacement initializer").</summary>
    public static implicit operator Place(string text) => new Text(text);

    /// <summary>A description made by <paramref name="describe"/> when it is needed.</summary>
    public static Place Lazy(Func<string> describe) => new Deferred(describe);

    private sealed class Text(string text) : Place
    {
        public override string ToString() => text;
    }

    private sealed class Deferred(Func<string> describe) : Place
    {
        public override string ToString() => describe();
    }
}

/// <summary>
/// A graph, a function body or a subgraph: "graph 'main'", "function 'custom.F'", or
/// "subgraph 'body' (attribute 'body' of node 'loop' (Loop, #4) in graph 'main')" (the owner only, so deep
/// nesting stays readable).
/// </summary>
internal sealed class GraphPlace : Place
{
    private readonly string _kind;
    private readonly GraphProto? _graph;
    private readonly FunctionProto? _function;
    private readonly GraphPlace? _parent;
    private readonly AttributeProto? _attribute;
    private readonly NodeProto? _owner;
    private readonly int _ownerIndex;

    private GraphPlace(string kind, GraphProto? graph, FunctionProto? function, GraphPlace? parent, AttributeProto? attribute, NodeProto? owner, int ownerIndex)
    {
        _kind = kind;
        _graph = graph;
        _function = function;
        _parent = parent;
        _attribute = attribute;
        _owner = owner;
        _ownerIndex = ownerIndex;
        Depth = parent is null ? 0 : parent.Depth + 1;
    }

    /// <summary>How many subgraphs deep this graph sits (0 for a main graph, training graph or function).</summary>
    public int Depth { get; }

    public static GraphPlace Main(GraphProto graph) => new("graph", graph, null, null, null, null, -1);

    /// <summary>A graph known by its role, e.g. "training initialization graph" (its own name follows).</summary>
    public static GraphPlace Named(string role, GraphProto graph) => new(role, graph, null, null, null, null, -1);

    public static GraphPlace Function(FunctionProto function) => new("function", null, function, null, null, null, -1);

    public GraphPlace Subgraph(GraphProto graph, AttributeProto attribute, NodeProto owner, int ownerIndex) =>
        new("subgraph", graph, null, this, attribute, owner, ownerIndex);

    /// <summary>"subgraph 'body'", without its owner.</summary>
    public string ShortLabel => $"{_kind} '{(_function is null ? _graph!.Name : $"{_function.Domain}.{_function.Name}")}'";

    public override string ToString() =>
        _parent is null
            ? ShortLabel
            : $"{ShortLabel} (attribute '{_attribute!.Name}' of {OnnxModelValidator.Describe(_owner!, _ownerIndex)} in {_parent.ShortLabel})";
}

/// <summary>A tensor's place: an initializer or sparse initializer of a graph, or a tensor in a node's attribute.</summary>
internal sealed class TensorPlace : Place
{
    private readonly TensorPosition _position;

    public TensorPlace(in TensorPosition position) => _position = position;

    public static TensorPlace Initializer(GraphPlace graph, string? source) => new(new TensorPosition(graph, null, -1, null, sparse: false, source));

    public static TensorPlace SparseInitializer(GraphPlace graph, string? source) => new(new TensorPosition(graph, null, -1, null, sparse: true, source));

    public static TensorPlace Attribute(AttributeProto attribute, NodeProto node, int nodeIndex, GraphPlace graph, string? source) =>
        new(new TensorPosition(graph, node, nodeIndex, attribute, sparse: false, source));

    public override string ToString()
    {
        var p = _position;
        string where = p.Attribute is null
            ? $"{(p.Sparse ? "sparse initializer" : "initializer")} of {p.Graph}"
            : $"attribute '{p.Attribute.Name}' of {OnnxModelValidator.Describe(p.Node!, p.NodeIndex)} in {p.Graph}";
        return p.Source is null ? where : $"{where} in {p.Source}";
    }
}

/// <summary>
/// Where the walker found a tensor, as references (no text, nothing allocated); <see cref="ToPlace"/> when a
/// message needs it.
/// </summary>
internal readonly struct TensorPosition(GraphPlace graph, NodeProto? node, int nodeIndex, AttributeProto? attribute, bool sparse, string? source)
{
    public GraphPlace Graph { get; } = graph;
    public NodeProto? Node { get; } = node;
    public int NodeIndex { get; } = nodeIndex;
    public AttributeProto? Attribute { get; } = attribute;
    public bool Sparse { get; } = sparse;
    public string? Source { get; } = source;

    public TensorPlace ToPlace() => new(this);
}
