using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Structural checks of an untrusted model, after parsing and before anything else reads it. Each failure
/// is an <see cref="InvalidDataException"/> that names the tensor, node or graph and the source.
/// </summary>
/// <remarks>
/// Rules (from the ONNX IR spec; every model of ONNX's backend test suite passes them):
/// tensors hold exactly the data their dims promise; initializer names are unique across dense and sparse;
/// each value name is assigned once per graph (graph inputs may share a name with an initializer, which then
/// is a default); every node input is a graph input, initializer, an output of an earlier node, or — inside a
/// subgraph — a name visible in an enclosing graph before the owning node ("" is an omitted optional input);
/// nodes are in topological order (cycles are reported as such); every graph output is produced; subgraphs
/// nest at most <see cref="OnnxModel.MaxSubgraphDepth"/> levels. Function bodies get the same node checks.
/// Training-info graphs are checked for their tensors only (they bind to the main graph's names).
/// </remarks>
internal sealed class OnnxModelValidator
{
    private const int GraphInput = -1;
    private const int Initializer = -2;
    private const int SparseInitializer = -3;

    private readonly string _source;

    private OnnxModelValidator(string source) => _source = source;

    public static void Validate(ModelProto model, string source)
    {
        if (model.Graph is null)
            throw new InvalidDataException($"The {source} has no graph.");
        var validator = new OnnxModelValidator(source);
        validator.ValidateGraph(model.Graph, GraphPlace.Main(model.Graph), outer: null);
        foreach (var function in model.Functions.Each())
            validator.ValidateFunction(function);
        foreach (var training in model.TrainingInfo.Each())
        {
            if (training.Initialization is not null)
                validator.ValidateTensorsOf(training.Initialization, GraphPlace.Named("training initialization graph", training.Initialization));
            if (training.Algorithm is not null)
                validator.ValidateTensorsOf(training.Algorithm, GraphPlace.Named("training algorithm graph", training.Algorithm));
        }
    }

    /// <summary>Names defined in one graph (with who defined them), chained to the enclosing graph's scope.</summary>
    private sealed class Scope(Scope? parent)
    {
        public Dictionary<string, int> Defined { get; } = new(System.StringComparer.Ordinal);

        public bool IsVisible(string name) => Defined.ContainsKey(name) || (parent?.IsVisible(name) ?? false);
    }

    private void ValidateGraph(GraphProto graph, GraphPlace label, Scope? outer)
    {
        GraphWalker.CheckDepth(label, _source);
        var scope = new Scope(outer);

        foreach (var input in graph.Input.Each())
        {
            if (string.IsNullOrEmpty(input.Name))
                throw Fail($"{label} has a graph input with an empty name");
            if (!scope.Defined.TryAdd(input.Name, GraphInput))
                throw Fail($"{label} lists graph input '{input.Name}' twice");
        }

        var initializers = graph.Initializer.Count + graph.SparseInitializer.Count == 0 ? null : new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var init in graph.Initializer.Each())
        {
            if (string.IsNullOrEmpty(init.Name))
                throw Fail($"{label} has an initializer with an empty name");
            if (!initializers!.Add(init.Name))
                throw Fail($"{label} has duplicate initializer '{init.Name}'");
            TensorValidator.Validate(init, TensorPlace.Initializer(label, _source));
            scope.Defined.TryAdd(init.Name, Initializer); // a graph input of the same name is allowed: the initializer is its default
        }
        foreach (var sparse in graph.SparseInitializer.Each())
        {
            OnnxSparseTensor.Validate(sparse, TensorPlace.SparseInitializer(label, _source));
            string name = sparse.Values!.Name;
            if (string.IsNullOrEmpty(name))
                throw Fail($"{label} has a sparse initializer with an empty name");
            if (!initializers!.Add(name))
                throw Fail($"{label} has duplicate initializer '{name}' (dense and sparse initializers share one namespace)");
            scope.Defined.TryAdd(name, SparseInitializer);
        }

        ValidateNodes(graph.Node, label, scope);

        foreach (var output in graph.Output.Each())
        {
            if (string.IsNullOrEmpty(output.Name))
                throw Fail($"{label} has a graph output with an empty name");
            if (!scope.IsVisible(output.Name))
                throw Fail($"{label} has graph output '{output.Name}', which no node produces and which is not a graph input or initializer");
        }
    }

    private void ValidateFunction(FunctionProto function)
    {
        var label = GraphPlace.Function(function);
        var scope = new Scope(null);
        foreach (string input in function.Input.Each())
            if (!string.IsNullOrEmpty(input) && !scope.Defined.TryAdd(input, GraphInput))
                throw Fail($"{label} lists input '{input}' twice");
        ValidateNodes(function.Node, label, scope);
        foreach (string output in function.Output.Each())
            if (!scope.IsVisible(output))
                throw Fail($"{label} has output '{output}', which no node produces and which is not an input");
    }

    private void ValidateTensorsOf(GraphProto graph, GraphPlace label)
    {
        GraphWalker.ForEachTensor(graph, label, _source, (tensor, in position) => TensorValidator.Validate(tensor, position.ToPlace()));
        foreach (var sparse in graph.SparseInitializer.Each())
            OnnxSparseTensor.Validate(sparse, TensorPlace.SparseInitializer(label, _source));
    }

    private void ValidateNodes(IList<NodeProto> nodes, GraphPlace label, Scope scope)
    {
        for (int i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            foreach (string input in node.Input.Each())
            {
                if (input.Length == 0 || scope.IsVisible(input)) continue;
                throw UndefinedInput(nodes, i, input, label, nested: label.Depth > 0);
            }

            foreach (var attribute in node.Attribute.Each())
            {
                if (attribute.T is not null || attribute.Tensors.Count > 0 || attribute.SparseTensor is not null || attribute.SparseTensors.Count > 0)
                {
                    var place = TensorPlace.Attribute(attribute, node, i, label, _source);
                    if (attribute.T is not null) TensorValidator.Validate(attribute.T, place);
                    foreach (var t in attribute.Tensors.Each()) TensorValidator.Validate(t, place);
                    if (attribute.SparseTensor is not null) OnnxSparseTensor.Validate(attribute.SparseTensor, place);
                    foreach (var s in attribute.SparseTensors.Each()) OnnxSparseTensor.Validate(s, place);
                }
                // A subgraph sees the names defined so far: not this node's outputs, nor later nodes'.
                if (attribute.G is not null) ValidateGraph(attribute.G, label.Subgraph(attribute.G, attribute, node, i), scope);
                foreach (var g in attribute.Graphs.Each()) ValidateGraph(g, label.Subgraph(g, attribute, node, i), scope);
            }

            foreach (string output in node.Output.Each())
            {
                if (output.Length == 0) continue; // an omitted optional output
                if (scope.Defined.TryGetValue(output, out int definer))
                    throw Fail($"{label}: {Describe(node, i)} writes '{output}', which is already {DescribeDefiner(nodes, definer)}; " +
                               "ONNX assigns each name once");
                scope.Defined.Add(output, i);
            }
        }
    }

    private InvalidDataException UndefinedInput(IList<NodeProto> nodes, int index, string input, GraphPlace label, bool nested)
    {
        int producer = -1;
        for (int j = index; j < nodes.Count && producer < 0; j++) // from the node itself: a self-loop is a cycle
            foreach (string output in nodes[j].Output.Each())
                if (output == input) { producer = j; break; }
        var node = nodes[index];
        if (producer < 0)
        {
            string where = nested ? "defined in this subgraph or before its node in an enclosing graph"
                                  : "a graph input, an initializer or an output of an earlier node";
            return Fail($"{label}: {Describe(node, index)} reads '{input}', which is not {where}");
        }
        int? onCycle = FindNodeOnCycle(nodes);
        if (onCycle is int c)
            return Fail($"{label}: nodes form a cycle through {Describe(nodes[c], c)}; " +
                        $"{Describe(node, index)} reads '{input}' from {Describe(nodes[producer], producer)}");
        return Fail($"{label}: {Describe(node, index)} reads '{input}' before {Describe(nodes[producer], producer)} produces it; " +
                    "ONNX requires nodes in topological order");
    }

    /// <summary>A node that lies on a cycle of direct data edges, or null when the nodes can be ordered.</summary>
    private static int? FindNodeOnCycle(IList<NodeProto> nodes)
    {
        var producerOf = new Dictionary<string, int>(System.StringComparer.Ordinal);
        for (int i = 0; i < nodes.Count; i++)
            foreach (string output in nodes[i].Output.Each())
                if (output.Length > 0) producerOf.TryAdd(output, i);

        // Kahn's algorithm: whatever cannot be scheduled lies on or after a cycle.
        var pending = new int[nodes.Count];
        var consumers = new List<int>[nodes.Count];
        for (int i = 0; i < nodes.Count; i++)
        {
            consumers[i] = [];
        }
        for (int i = 0; i < nodes.Count; i++)
            foreach (string input in nodes[i].Input.Each())
                if (input.Length > 0 && producerOf.TryGetValue(input, out int p))
                {
                    pending[i]++;
                    consumers[p].Add(i);
                }
        var ready = new Queue<int>();
        for (int i = 0; i < nodes.Count; i++) if (pending[i] == 0) ready.Enqueue(i);
        int scheduled = 0;
        while (ready.Count > 0)
        {
            int n = ready.Dequeue();
            scheduled++;
            foreach (int c in consumers[n])
                if (--pending[c] == 0) ready.Enqueue(c);
        }
        if (scheduled == nodes.Count) return null;

        // Walk backwards along unscheduled producers until a node repeats: that node is on a cycle.
        int current = System.Array.FindIndex(pending, p => p > 0);
        var seen = new HashSet<int>();
        while (seen.Add(current))
        {
            foreach (string input in nodes[current].Input.Each())
                if (input.Length > 0 && producerOf.TryGetValue(input, out int p) && pending[p] > 0)
                {
                    current = p;
                    break;
                }
        }
        return current;
    }

    private static string DescribeDefiner(IList<NodeProto> nodes, int definer) => definer switch
    {
        GraphInput => "a graph input",
        Initializer => "an initializer",
        SparseInitializer => "a sparse initializer",
        _ => $"written by {Describe(nodes[definer], definer)}",
    };

    /// <summary>"node 'conv1' (Conv, #3)"; unnamed nodes get their display name.</summary>
    internal static string Describe(NodeProto node, int index) =>
        string.IsNullOrEmpty(node.Name)
            ? $"unnamed node '{OnnxModel.DisplayName(node, index)}' ({node.OpType}, #{index})"
            : $"node '{node.Name}' ({node.OpType}, #{index})";

    private InvalidDataException Fail(string problem) =>
        new($"Invalid {_source}: {char.ToLowerInvariant(problem[0])}{problem[1..]}.");
}
