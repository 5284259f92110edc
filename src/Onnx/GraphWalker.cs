using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>Visits the parts of a model that nest: subgraphs in node attributes, functions, training graphs.</summary>
internal static class GraphWalker
{
    /// <summary>
    /// Every <see cref="TensorProto"/> in the model, with a short description of where it sits: initializers,
    /// sparse initializers (values and indices), and tensors in node attributes, at any subgraph depth, in
    /// functions and in training-info graphs.
    /// </summary>
    public static List<(TensorProto Tensor, string Where)> AllTensors(ModelProto model)
    {
        var found = new List<(TensorProto, string)>();
        if (model.Graph is not null) AddGraph(model.Graph, found, 0);
        foreach (var function in model.Functions)
            foreach (var node in function.Node)
                AddNode(node, $"function '{function.Name}'", found, 0);
        foreach (var training in model.TrainingInfo)
        {
            if (training.Initialization is not null) AddGraph(training.Initialization, found, 0);
            if (training.Algorithm is not null) AddGraph(training.Algorithm, found, 0);
        }
        return found;
    }

    /// <summary>
    /// Whether a subgraph reads <paramref name="name"/> from its enclosing scope: a node input or a graph
    /// output names it and the subgraph (or a nested one, up to the point of use) does not define it itself.
    /// </summary>
    public static bool ReadsFromOuterScope(GraphProto graph, string name, int depth = 0)
    {
        CheckDepth(depth, graph);
        if (DefinesLocally(graph, name)) return false;
        foreach (var node in graph.Node)
        {
            foreach (string input in node.Input)
                if (input == name) return true;
            foreach (var attribute in node.Attribute)
            {
                if (attribute.G is not null && ReadsFromOuterScope(attribute.G, name, depth + 1)) return true;
                foreach (var g in attribute.Graphs)
                    if (ReadsFromOuterScope(g, name, depth + 1)) return true;
            }
        }
        foreach (var output in graph.Output)
            if (output.Name == name) return true;
        return false;
    }

    private static bool DefinesLocally(GraphProto graph, string name)
    {
        foreach (var input in graph.Input) if (input.Name == name) return true;
        foreach (var init in graph.Initializer) if (init.Name == name) return true;
        foreach (var sparse in graph.SparseInitializer) if (sparse.Values?.Name == name) return true;
        foreach (var node in graph.Node)
            foreach (string output in node.Output)
                if (output == name) return true;
        return false;
    }

    private static void AddGraph(GraphProto graph, List<(TensorProto, string)> found, int depth)
    {
        CheckDepth(depth, graph);
        string where = $"graph '{graph.Name}'";
        foreach (var init in graph.Initializer) found.Add((init, $"initializer of {where}"));
        foreach (var sparse in graph.SparseInitializer) AddSparse(sparse, $"sparse initializer of {where}", found);
        foreach (var node in graph.Node) AddNode(node, where, found, depth);
    }

    private static void AddNode(NodeProto node, string where, List<(TensorProto, string)> found, int depth)
    {
        foreach (var attribute in node.Attribute)
        {
            string place = $"attribute '{attribute.Name}' of node '{node.Name}' ({node.OpType}) in {where}";
            if (attribute.T is not null) found.Add((attribute.T, place));
            foreach (var t in attribute.Tensors) found.Add((t, place));
            if (attribute.SparseTensor is not null) AddSparse(attribute.SparseTensor, place, found);
            foreach (var s in attribute.SparseTensors) AddSparse(s, place, found);
            if (attribute.G is not null) AddGraph(attribute.G, found, depth + 1);
            foreach (var g in attribute.Graphs) AddGraph(g, found, depth + 1);
        }
    }

    private static void AddSparse(SparseTensorProto sparse, string where, List<(TensorProto, string)> found)
    {
        if (sparse.Values is not null) found.Add((sparse.Values, where));
        if (sparse.Indices is not null) found.Add((sparse.Indices, where));
    }

    private static void CheckDepth(int depth, GraphProto graph)
    {
        if (depth > OnnxModel.MaxSubgraphDepth)
            throw new InvalidDataException(
                $"Graph '{graph.Name}' is nested {depth} subgraphs deep; at most {OnnxModel.MaxSubgraphDepth} levels are accepted.");
    }
}
