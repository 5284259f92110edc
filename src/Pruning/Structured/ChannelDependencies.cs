using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Finds which output units of which layers can be removed together, exactly: every Gemm/MatMul/Conv layer's output
/// units start a channel set, followed forward through biases, normalizations, activations, pools, reshapes into
/// features, transposes, concatenations, splits and depthwise convolutions to the layers that read them; channel sets
/// that meet in an element-wise Add/Mul (residual connections) merge into one group. Whatever cannot be followed
/// exactly (an unknown op, an op that mixes channels or makes a removed channel non-zero, a graph output) leaves the
/// whole group dense, named with the node and op that stopped it.
/// </summary>
/// <remarks>
/// Removal is exact under the masking contract of <see cref="ChannelRole"/>: with every Producer, Consumer and Parameter
/// slice of a removed channel zeroed, that channel is 0 in every value the group passes to a non-element-wise op, so
/// removing it physically computes what the masked model computes. Attention heads are not followed (see
/// <c>AttentionHeads</c>): a projection whose features a Reshape splits into heads is unprunable here.
/// </remarks>
/// <example>
/// <code>
/// var shapes = ValueShapes.Infer(model);
/// var graph = ChannelDependencies.Analyze(model, shapes);
/// foreach (var group in graph.Groups) Console.WriteLine($"{group.Id}: {group.Width} {group.Kind} units, {group.Path}");
/// foreach (var layer in graph.Unprunable) Console.WriteLine($"{layer.Node} stays dense: {layer.Reason}");
/// </code>
/// </example>
public static class ChannelDependencies
{
    /// <summary>Analyses <paramref name="model"/> (never modified) with the concrete value shapes <paramref name="shapes"/> (from <see cref="ValueShapes.Infer"/>).</summary>
    /// <param name="model">The model.</param>
    /// <param name="shapes">The shape of every value (graph inputs, initializers, node outputs).</param>
    /// <param name="pruneOutputs">
    /// Whether a group may reach a graph output (then <see cref="ChannelGroup.ReachesOutput"/> is true and the model's
    /// output width changes with it); when false such a group is unprunable.
    /// </param>
    public static ChannelDependencyGraph Analyze(OnnxModel model, IReadOnlyDictionary<string, long[]> shapes, bool pruneOutputs = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shapes);
        return new ChannelDependencyWalk(model, shapes, pruneOutputs).Run();
    }
}
