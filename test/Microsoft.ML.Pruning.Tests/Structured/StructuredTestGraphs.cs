using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Structured;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>Small graphs with declared input shapes for the dependency analysis, and lookups into its result.</summary>
internal static class StructuredTestGraphs
{
    /// <summary>A model whose inputs declare <paramref name="inputShapes"/> (FLOAT) and whose outputs are listed untyped-shaped.</summary>
    public static OnnxModel Build(IEnumerable<NodeProto> nodes, IEnumerable<TensorProto> initializers, (string Name, long[] Shape)[] inputShapes, string[] outputs, long opset = 13)
    {
        var model = BuildModel(opset, nodes, initializers, inputShapes.Select(i => i.Name).ToArray(), outputs);
        foreach (var (name, shape) in inputShapes)
        {
            var input = model.Graph.Input.Single(i => i.Name == name);
            input.Type.TensorType.Shape = new TensorShapeProto();
            foreach (long d in shape) input.Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }
        return model;
    }

    /// <summary>An INT64 initializer.</summary>
    public static TensorProto Int64s(string name, params long[] values) => OnnxTensor.FromInt64s(name, values, [values.Length]);

    /// <summary>A FLOAT scalar initializer.</summary>
    public static TensorProto Scalar(string name, float value) => OnnxTensor.FromFloats(name, [value], []);

    /// <summary>Analyses the model with shapes from ONNX Runtime.</summary>
    public static ChannelDependencyGraph Analyze(OnnxModel model, bool pruneOutputs = false) =>
        ChannelDependencies.Analyze(model, ValueShapes.Infer(model), pruneOutputs);

    /// <summary>The group with this id (fails the test when there is none, listing what there is).</summary>
    public static ChannelGroup Group(this ChannelDependencyGraph graph, string id) =>
        graph.Groups.SingleOrDefault(g => g.Id == id)
        ?? throw new AssertFailedException($"No group '{id}'. Groups: {string.Join(", ", graph.Groups.Select(g => g.Id))}; unprunable: {Describe(graph.Unprunable)}");

    /// <summary>The unprunable entry of this layer (fails the test when the layer is not listed).</summary>
    public static UnprunableLayer Unprunable(this ChannelDependencyGraph graph, string layer) =>
        graph.Unprunable.SingleOrDefault(u => u.Layer == layer)
        ?? throw new AssertFailedException($"'{layer}' is not unprunable. Unprunable: {Describe(graph.Unprunable)}; groups: {string.Join(", ", graph.Groups.Select(g => g.Id))}");

    /// <summary>The group's slice of this tensor with this role (exactly one).</summary>
    public static ChannelSlice Slice(this ChannelGroup group, string tensor, ChannelRole role)
    {
        var matches = group.Slices.Where(s => s.Tensor == tensor && s.Role == role).ToList();
        Assert.HasCount(1, matches, $"slices of {tensor} as {role} in group {group.Id}: {string.Join("; ", group.Slices)}");
        return matches[0];
    }

    /// <summary>The group's entry for this value (exactly one).</summary>
    public static ChannelValue Value(this ChannelGroup group, string value)
    {
        var matches = group.Values.Where(v => v.Value == value).ToList();
        Assert.HasCount(1, matches, $"values named {value} in group {group.Id}: {string.Join("; ", group.Values)}");
        return matches[0];
    }

    public static string Describe(IEnumerable<UnprunableLayer> layers) => string.Join("; ", layers.Select(u => $"{u.Layer} ({u.Node}): {u.Reason}"));
}
