using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>Visits the parts of a model that nest: subgraphs in node attributes, functions, training graphs.</summary>
internal static class GraphWalker
{
    /// <summary>Called for each tensor with where it sits (as references; described only if a message needs it).</summary>
    public delegate void TensorVisitor(TensorProto tensor, in TensorPosition position);

    /// <summary>
    /// Visits every <see cref="TensorProto"/> in the model: initializers, sparse initializers (values and
    /// indices), and tensors in node attributes, at any subgraph depth, in functions and in training-info graphs.
    /// Allocates one small place per graph and nothing per tensor.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="source">What the model is, for messages: "ONNX file '/m.onnx'".</param>
    /// <param name="visit">Called for each tensor.</param>
    /// <exception cref="InvalidDataException">Subgraphs nest deeper than <see cref="OnnxModel.MaxSubgraphDepth"/>; the message names the subgraph and <paramref name="source"/>.</exception>
    public static void ForEachTensor(ModelProto model, string source, TensorVisitor visit)
    {
        if (model.Graph is not null) VisitGraph(model.Graph, GraphPlace.Main(model.Graph), source, visit);
        foreach (var function in model.Functions.Each())
        {
            var place = GraphPlace.Function(function);
            for (int i = 0; i < function.Node.Count; i++)
                VisitNode(function.Node[i], i, place, source, visit);
        }
        foreach (var training in model.TrainingInfo.Each())
        {
            if (training.Initialization is not null)
                VisitGraph(training.Initialization, GraphPlace.Named("training initialization graph", training.Initialization), source, visit);
            if (training.Algorithm is not null)
                VisitGraph(training.Algorithm, GraphPlace.Named("training algorithm graph", training.Algorithm), source, visit);
        }
    }

    /// <summary>Visits every tensor of one graph and its subgraphs (see <see cref="ForEachTensor(ModelProto, string, TensorVisitor)"/>).</summary>
    public static void ForEachTensor(GraphProto graph, GraphPlace place, string source, TensorVisitor visit) =>
        VisitGraph(graph, place, source, visit);

    /// <summary>
    /// Whether a subgraph reads <paramref name="name"/> from its enclosing scope: a node input or a graph
    /// output names it and the subgraph (or a nested one, up to the point of use) does not define it itself.
    /// </summary>
    public static bool ReadsFromOuterScope(GraphProto graph, string name, int depth = 0)
    {
        CheckDepth(depth, graph);
        if (DefinesLocally(graph, name)) return false;
        foreach (var node in graph.Node.Each())
        {
            foreach (string input in node.Input.Each())
                if (input == name) return true;
            foreach (var attribute in node.Attribute.Each())
            {
                if (attribute.G is not null && ReadsFromOuterScope(attribute.G, name, depth + 1)) return true;
                foreach (var g in attribute.Graphs.Each())
                    if (ReadsFromOuterScope(g, name, depth + 1)) return true;
            }
        }
        foreach (var output in graph.Output.Each())
            if (output.Name == name) return true;
        return false;
    }

    private static bool DefinesLocally(GraphProto graph, string name)
    {
        foreach (var input in graph.Input.Each()) if (input.Name == name) return true;
        foreach (var init in graph.Initializer.Each()) if (init.Name == name) return true;
        foreach (var sparse in graph.SparseInitializer.Each()) if (sparse.Values?.Name == name) return true;
        foreach (var node in graph.Node.Each())
            foreach (string output in node.Output.Each())
                if (output == name) return true;
        return false;
    }

    private static void VisitGraph(GraphProto graph, GraphPlace place, string source, TensorVisitor visit)
    {
        CheckDepth(place, source);
        foreach (var init in graph.Initializer.Each()) visit(init, new TensorPosition(place, null, -1, null, sparse: false, source));
        foreach (var sparse in graph.SparseInitializer.Each()) VisitSparse(sparse, new TensorPosition(place, null, -1, null, sparse: true, source), visit);
        for (int i = 0; i < graph.Node.Count; i++) VisitNode(graph.Node[i], i, place, source, visit);
    }

    private static void VisitNode(NodeProto node, int index, GraphPlace graph, string source, TensorVisitor visit)
    {
        foreach (var attribute in node.Attribute.Each())
        {
            var position = new TensorPosition(graph, node, index, attribute, sparse: false, source);
            if (attribute.T is not null) visit(attribute.T, position);
            foreach (var t in attribute.Tensors.Each()) visit(t, position);
            if (attribute.SparseTensor is not null) VisitSparse(attribute.SparseTensor, position, visit);
            foreach (var s in attribute.SparseTensors.Each()) VisitSparse(s, position, visit);
            if (attribute.G is not null) VisitGraph(attribute.G, graph.Subgraph(attribute.G, attribute, node, index), source, visit);
            foreach (var g in attribute.Graphs.Each()) VisitGraph(g, graph.Subgraph(g, attribute, node, index), source, visit);
        }
    }

    private static void VisitSparse(SparseTensorProto sparse, in TensorPosition position, TensorVisitor visit)
    {
        if (sparse.Values is not null) visit(sparse.Values, position);
        if (sparse.Indices is not null) visit(sparse.Indices, position);
    }

    /// <summary>Rejects a graph nested deeper than <see cref="OnnxModel.MaxSubgraphDepth"/>, naming it and the source.</summary>
    internal static void CheckDepth(GraphPlace place, string source)
    {
        int depth = place.Depth;
        if (depth > OnnxModel.MaxSubgraphDepth)
            throw new InvalidDataException(
                $"Invalid {source}: {place} is nested {depth} subgraphs deep; at most {OnnxModel.MaxSubgraphDepth} levels are accepted.");
    }

    private static void CheckDepth(int depth, GraphProto graph)
    {
        if (depth > OnnxModel.MaxSubgraphDepth)
            throw new InvalidDataException(
                $"Graph '{graph.Name}' is nested {depth} subgraphs deep; at most {OnnxModel.MaxSubgraphDepth} levels are accepted.");
    }
}
