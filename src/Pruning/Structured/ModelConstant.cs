using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// A constant tensor of the main graph that removal rewrites: an initializer (dense; a sparse one, or a Constant
/// node's <c>sparse_value</c>, is made dense when found, see <see cref="OnnxModel.GetInitializer"/>) or a
/// Constant node's dense <c>value</c> attribute.
/// </summary>
internal sealed class ModelConstant
{
    private const string ValueAttribute = "value";

    private readonly OnnxModel model;
    private readonly NodeProto? constantNode;

    private ModelConstant(OnnxModel model, string name, TensorProto tensor, NodeProto? constantNode)
    {
        this.model = model;
        Name = name;
        Tensor = tensor;
        this.constantNode = constantNode;
    }

    /// <summary>The value's name in the graph.</summary>
    public string Name { get; }

    /// <summary>The current dense tensor (live: the initializer itself, or the Constant node's attribute value).</summary>
    public TensorProto Tensor { get; private set; }

    /// <summary>The constant with this name, or null when no initializer or Constant node with a dense <c>value</c> writes it.</summary>
    public static ModelConstant? Find(OnnxModel model, string name)
    {
        if (model.HasInitializer(name))
            return new ModelConstant(model, name, model.GetInitializer(name), null);
        foreach (var node in model.Graph.Node)
        {
            if (node.OpType != "Constant" || node.Domain is not ("" or "ai.onnx") || node.Output.Count != 1 || node.Output[0] != name) continue;
            foreach (var attribute in node.Attribute)
                if (attribute.Name == ValueAttribute && attribute.T is { } tensor)
                    return new ModelConstant(model, name, tensor, node);
            return null;
        }
        return null;
    }

    /// <summary>Replaces the tensor's content where it is stored (the initializer keeps its position; the Constant node its attribute).</summary>
    public void Replace(TensorProto tensor)
    {
        if (constantNode is null)
        {
            tensor.Name = Name;
            model.ReplaceInitializer(Name, tensor);
        }
        else
        {
            tensor.Name = Tensor.Name; // a Constant's value may carry any name; keep the one it had
            foreach (var attribute in constantNode.Attribute)
                if (attribute.Name == ValueAttribute) attribute.T = tensor;
        }
        Tensor = tensor;
    }

    /// <summary>
    /// Adds a second constant named <paramref name="newName"/> holding <paramref name="tensor"/>, stored like this
    /// one: a new initializer, or a new Constant node right after this one's (so it precedes every reader of it).
    /// </summary>
    public void AddCopy(string newName, TensorProto tensor)
    {
        var graph = model.Graph;
        if (constantNode is null)
        {
            tensor.Name = newName;
            graph.Initializer.Add(tensor);
            return;
        }
        var copy = constantNode.Clone();
        copy.Name = constantNode.Name.Length == 0 ? "" : UniqueNames.Next(NodeNames(graph), constantNode.Name);
        copy.Output[0] = newName;
        tensor.Name = Tensor.Name;
        foreach (var attribute in copy.Attribute)
            if (attribute.Name == ValueAttribute) attribute.T = tensor;
        graph.Node.Insert(graph.Node.IndexOf(constantNode) + 1, copy);
    }

    private static HashSet<string> NodeNames(GraphProto graph)
    {
        var names = new HashSet<string>(System.StringComparer.Ordinal);
        foreach (var node in graph.Node)
            if (node.Name.Length > 0) names.Add(node.Name);
        return names;
    }
}
