using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Matches one BERT-style self-attention block around a Softmax node for <see cref="AttentionHeads"/>: first loosely
/// (is this attention, and which weights are its Q, K and V projections?), then strictly (every op, shape, constant
/// and consumer as <see cref="AttentionHeads"/> describes). A loose match that fails the strict one names the Q/K/V
/// weights unprunable with the first deviation found.
/// </summary>
internal sealed class AttentionBlockMatcher
{
    private const int MaxScoreChain = 6;
    private const int MaxProjectionWalk = 8;

    private readonly OnnxModel model;
    private readonly IReadOnlyDictionary<string, long[]> shapes;
    private readonly Dictionary<string, NodeProto> producers = new(StringComparer.Ordinal);
    private readonly Dictionary<NodeProto, int> order = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<string, TensorProto> initializers = new(StringComparer.Ordinal);
    private readonly HashSet<string> graphOutputs = new(StringComparer.Ordinal);
    private readonly long opset;

    /// <summary>Indexes the main graph once (producers, node order, dense initializers).</summary>
    public AttentionBlockMatcher(OnnxModel model, IReadOnlyDictionary<string, long[]> shapes)
    {
        this.model = model;
        this.shapes = shapes;
        var graph = model.Graph;
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            order[node] = i;
            foreach (string output in node.Output)
                if (output.Length > 0) producers[output] = node;
        }
        foreach (var tensor in graph.Initializer) initializers.TryAdd(tensor.Name, tensor);
        foreach (var output in graph.Output) graphOutputs.Add(output.Name);
        opset = model.GetOpsetVersion() ?? 1;
    }

    /// <summary>The outcome for one Softmax: a head group, or the Q/K/V weights left unprunable (both empty when the Softmax is not attention).</summary>
    public sealed record Result(ChannelGroup? Group, IReadOnlyList<UnprunableLayer> Unprunable);

    /// <summary>The default-domain Softmax nodes of the main graph, in graph order: each attention block has one.</summary>
    public IEnumerable<NodeProto> Softmaxes() =>
        model.Graph.Node.Where(n => n.OpType == "Softmax" && (n.Domain.Length == 0 || n.Domain == "ai.onnx"));

    /// <summary>Matches the block around <paramref name="softmax"/>.</summary>
    public Result Match(NodeProto softmax)
    {
        var none = new Result(null, []);
        if (softmax.Input.Count == 0 || softmax.Output.Count == 0) return none;
        var chain = new List<NodeProto>();
        var scoreMatMul = FindScoreMatMul(softmax.Input[0], chain, 0);
        if (scoreMatMul is null) return none;
        var contextMatMul = Consumers(softmax.Output[0]).FirstOrDefault(n => n.OpType == "MatMul" && n.Input[0] == softmax.Output[0] && !IsConstant(n.Input[1]));
        if (contextMatMul is null) return none;

        // Which weights this block's heads would come from, for the report when the block cannot be proven.
        var projections = new[] { scoreMatMul.Input[0], scoreMatMul.Input[1], contextMatMul.Input[1] }
            .Select(v => FindProjection(v, 0)).OfType<(string Weight, NodeProto Node)>()
            .DistinctBy(p => p.Weight, StringComparer.Ordinal).ToList();
        try
        {
            return new Result(Prove(softmax, scoreMatMul, chain, contextMatMul), []);
        }
        catch (NotProvableException ex)
        {
            return new Result(null, projections.Select(p => new UnprunableLayer(p.Weight, Name(p.Node), ex.Message)).ToList());
        }
    }

    // Back from the Softmax input through Add/Sub/Mul/Div to a MatMul of two computed values (Q·Kᵀ); the ops on the way are
    // appended to `chain` as the recursion unwinds, so in order from the MatMul towards the Softmax.
    private NodeProto? FindScoreMatMul(string value, List<NodeProto> chain, int depth)
    {
        if (depth > MaxScoreChain || !producers.TryGetValue(value, out var node)) return null;
        if (node.OpType == "MatMul" && node.Input.Count == 2 && !IsConstant(node.Input[0]) && !IsConstant(node.Input[1])) return node;
        if (node.OpType is not ("Add" or "Sub" or "Mul" or "Div") || node.Input.Count != 2) return null;
        foreach (string input in node.Input)
        {
            if (IsConstant(input)) continue;
            var found = FindScoreMatMul(input, chain, depth + 1);
            if (found is null) continue;
            chain.Add(node);
            return found;
        }
        return null;
    }

    // Back through Transpose/Reshape and element-wise ops with a constant to the MatMul/Gemm whose weight is an initializer.
    private (string Weight, NodeProto Node)? FindProjection(string value, int depth)
    {
        if (depth > MaxProjectionWalk || !producers.TryGetValue(value, out var node) || node.Input.Count == 0) return null;
        if (node.OpType is "MatMul" or "Gemm" && node.Input.Count >= 2 && initializers.ContainsKey(node.Input[1])) return (node.Input[1], node);
        if (node.OpType is "Transpose" or "Reshape") return FindProjection(node.Input[0], depth + 1);
        if (node.OpType is "Add" or "Sub" or "Mul" or "Div" && node.Input.Count == 2)
        {
            var computed = node.Input.Where(i => !IsConstant(i)).ToList();
            return computed.Count == 1 ? FindProjection(computed[0], depth + 1) : null;
        }
        return null;
    }

    private ChannelGroup Prove(NodeProto softmax, NodeProto scoreMatMul, List<NodeProto> chain, NodeProto contextMatMul)
    {
        // Scores [B, H, S, S], softmax over the keys (the last axis) so it never mixes heads.
        long[] scores = ShapeOf(scoreMatMul.Output[0], softmax);
        if (scores.Length != 4) throw Reject(scoreMatMul, $"the scores '{scoreMatMul.Output[0]}' have shape {Format(scores)}, not [B, H, S, S]");
        long heads = scores[1];
        long axis = IntAttribute(softmax, "axis", opset >= 13 ? -1 : 1);
        if ((axis < 0 ? axis + 4 : axis) != 3)
            throw Reject(softmax, $"Softmax over axis {axis} of the scores {Format(scores)} is not over the keys (axis 3): it mixes heads or queries");

        var q = ProveProjection(scoreMatMul.Input[0], [0, 2, 1, 3], "Q", scoreMatMul);
        var k = ProveProjection(scoreMatMul.Input[1], [0, 2, 3, 1], "K", scoreMatMul);
        var v = ProveProjection(contextMatMul.Input[1], [0, 2, 1, 3], "V", contextMatMul);
        foreach (var p in new[] { q, k, v })
            if (p.Heads != heads || p.HeadSize != q.HeadSize)
                throw Reject(p.Reshape, $"the {p.Role} projection splits into {p.Heads} heads of {p.HeadSize}; the scores have {heads} heads and Q heads of {q.HeadSize}");
        if (new[] { q.Weight, k.Weight, v.Weight }.Distinct(StringComparer.Ordinal).Count() != 3)
            throw Reject(scoreMatMul, "Q, K and V share a projection weight");
        long d = q.HeadSize;

        // Scores → Softmax: only scalar scales and masks that broadcast over the heads.
        var values = new List<ChannelValue>();
        values.AddRange(q.Values);
        values.AddRange(k.Values);
        values.AddRange(v.Values);
        string current = scoreMatMul.Output[0];
        NodeProto reader = scoreMatMul;
        foreach (var node in chain.Append(softmax))
        {
            RequireOnlyReader(current, node, 1, reader);
            values.Add(new ChannelValue(current, 1, 0, 1, 0, (int)heads));
            if (!ReferenceEquals(node, softmax)) ProveScoreOp(node, current, scores);
            current = node.Output[0];
            reader = node;
        }
        RequireOnlyReader(current, contextMatMul, 1, softmax);
        values.Add(new ChannelValue(current, 1, 0, 1, 0, (int)heads));

        // Context [B, H, S, d] → Transpose [0, 2, 1, 3] → Reshape [B, S, H·d] → MatMul(·, W_o[H·d, hidden]).
        string context = contextMatMul.Output[0];
        RequireShape(context, contextMatMul, [scores[0], heads, scores[2], d]);
        var transpose = SoleReader(context, contextMatMul, 1);
        if (transpose.OpType != "Transpose" || !Ints(transpose, "perm").SequenceEqual([0L, 2, 1, 3]))
            throw Reject(transpose, $"the context '{context}' goes to {transpose.OpType} {Format(Ints(transpose, "perm"))}, not Transpose [0, 2, 1, 3]");
        values.Add(new ChannelValue(context, 1, 0, 1, 0, (int)heads));
        string merged = transpose.Output[0];
        RequireShape(merged, transpose, [scores[0], scores[2], heads, d]);
        var reshape = SoleReader(merged, transpose, 2);
        if (reshape.OpType != "Reshape" || reshape.Input[0] != merged)
            throw Reject(reshape, $"the context '{merged}' goes to {reshape.OpType}, not Reshape");
        values.Add(new ChannelValue(merged, 2, 0, 1, 0, (int)heads));
        string contextFeatures = reshape.Output[0];
        RequireShape(contextFeatures, reshape, [scores[0], scores[2], heads * d]);
        var output = SoleReader(contextFeatures, reshape, 2);
        if (output.OpType != "MatMul" || output.Input[0] != contextFeatures || !initializers.TryGetValue(output.Input[1], out var outputWeight))
            throw Reject(output, $"the context '{contextFeatures}' goes to {output.OpType}, not MatMul(context, initializer)");
        if (outputWeight.Dims.Count != 2 || outputWeight.Dims[0] != heads * d)
            throw Reject(output, $"the output projection '{output.Input[1]}' has dims {Format([.. outputWeight.Dims])}, not [{heads * d}, hidden]");
        RequireOnlyUse(output.Input[1], output);
        values.Add(new ChannelValue(contextFeatures, 2, 0, d, 0, (int)heads));
        var constants = new List<ShapeConstant>();
        constants.AddRange(new[] { q, k, v }.Select(p => p.HeadCount).OfType<ShapeConstant>());
        var width = ShapeEntry(reshape, 2, 3);
        if (width.Value == heads * d) constants.Add(new ShapeConstant(width.Tensor, width.Index, d, 0, Name(width.Reader)));
        else if (width.Value != -1)
            throw Reject(width.Reader, $"entry 2 of the context reshape's shape is {width.Value}, not the hidden width {heads * d} or -1");

        var slices = new List<ChannelSlice>();
        foreach (var p in new[] { q, k, v })
        {
            slices.Add(new ChannelSlice(p.Weight, 1, 0, d, 0, (int)heads, ChannelRole.Producer, Name(p.MatMul)));
            if (p.Bias is not null) slices.Add(new ChannelSlice(p.Bias, 0, 0, d, 0, (int)heads, ChannelRole.Parameter, Name(p.BiasAdd!)));
        }
        slices.Add(new ChannelSlice(output.Input[1], 0, 0, d, 0, (int)heads, ChannelRole.Consumer, Name(output)));

        var nodes = new[] { q, k, v }.SelectMany(p => p.Nodes)
            .Concat(chain).Concat([scoreMatMul, softmax, contextMatMul, transpose, reshape, output])
            .Distinct(ReferenceEqualityComparer.Instance).Cast<NodeProto>().OrderBy(n => order[n]);
        return new ChannelGroup(q.Weight, ChannelGroupKind.Head, (int)heads, slices, values, constants, false,
            string.Join(" → ", nodes.Select(Name)));
    }

    // A Div/Mul by a constant scalar (the data as Div's dividend), or an Add/Sub of a mask whose head axis is 1.
    private void ProveScoreOp(NodeProto node, string data, long[] scores)
    {
        string other = node.Input[0] == data ? node.Input[1] : node.Input[0];
        switch (node.OpType)
        {
            case "Mul":
            case "Div":
                if (node.OpType == "Div" && node.Input[0] != data)
                    throw Reject(node, $"the scores '{data}' are the divisor; a removed head's 0 scores would divide by zero");
                if (!IsConstant(other) || ElementCount(other) != 1)
                    throw Reject(node, $"the scores are scaled by '{other}', which is not a constant scalar");
                return;
            case "Add":
            case "Sub":
                long[] mask = ShapeOf(other, node);
                if (mask.Length > 4 || (mask.Length >= 3 && mask[mask.Length - 3] != 1))
                    throw Reject(node, $"the mask '{other}' {Format(mask)} does not broadcast over the heads of the scores {Format(scores)}; it would need slicing");
                return;
            default:
                throw Reject(node, $"{node.OpType} on the scores is not a scale or a mask");
        }
    }

    private Projection ProveProjection(string headValue, long[] perm, string role, NodeProto reader)
    {
        if (!producers.TryGetValue(headValue, out var transpose) || transpose.OpType != "Transpose")
            throw Reject(reader, $"{role} '{headValue}' does not come from a Transpose");
        if (!Ints(transpose, "perm").SequenceEqual(perm))
            throw Reject(transpose, $"{role} is transposed by {Format(Ints(transpose, "perm"))}, not {Format(perm)}");
        if (!producers.TryGetValue(transpose.Input[0], out var reshape) || reshape.OpType != "Reshape" || reshape.Input.Count != 2)
            throw Reject(transpose, $"{role} '{transpose.Input[0]}' does not come from a Reshape");
        string features = reshape.Input[0];
        if (!producers.TryGetValue(features, out var last))
            throw Reject(reshape, $"{role} '{features}' is not computed by a projection");

        // MatMul(x, W) with an optional Add of a [H·d] bias (either operand order).
        NodeProto? biasAdd = null;
        string? bias = null;
        NodeProto matMul = last;
        if (last.OpType == "Add" && last.Input.Count == 2)
        {
            int at = initializers.ContainsKey(last.Input[0]) ? 0 : initializers.ContainsKey(last.Input[1]) ? 1 : -1;
            if (at < 0) throw Reject(last, $"the {role} bias is not an initializer");
            biasAdd = last;
            bias = last.Input[at];
            if (!producers.TryGetValue(last.Input[1 - at], out matMul!))
                throw Reject(last, $"{role} '{last.Input[1 - at]}' is not computed by a MatMul");
        }
        if (matMul.OpType != "MatMul" || !initializers.TryGetValue(matMul.Input[1], out var weight))
            throw Reject(matMul, $"the {role} projection is {matMul.OpType}, not MatMul(x, initializer)");
        string weightName = matMul.Input[1];
        if (weight.Dims.Count != 2) throw Reject(matMul, $"the {role} weight '{weightName}' has rank {weight.Dims.Count}, not 2");
        long width = weight.Dims[1];
        RequireOnlyUse(weightName, matMul);

        long[] split = ShapeOf(reshape.Output[0], reshape);
        if (split.Length != 4 || split[2] * split[3] != width)
            throw Reject(reshape, $"{role} is reshaped to {Format(split)}, not [B, S, H, d] with H·d = {width}");
        long heads = split[2], d = split[3];
        var values = new List<ChannelValue>();
        if (biasAdd is not null)
        {
            if (initializers[bias!].Dims.Count != 1 || initializers[bias!].Dims[0] != width)
                throw Reject(biasAdd, $"the {role} bias '{bias}' has dims {Format([.. initializers[bias!].Dims])}, not [{width}]");
            RequireOnlyUse(bias!, biasAdd);
            RequireOnlyReader(matMul.Output[0], biasAdd, 2, matMul);
            RequireShape(matMul.Output[0], matMul, [split[0], split[1], width]);
            values.Add(new ChannelValue(matMul.Output[0], 2, 0, d, 0, (int)heads));
        }
        RequireShape(features, last, [split[0], split[1], width]);
        RequireOnlyReader(features, reshape, 2, last);
        values.Add(new ChannelValue(features, 2, 0, d, 0, (int)heads));
        RequireOnlyReader(reshape.Output[0], transpose, 2, reshape);
        values.Add(new ChannelValue(reshape.Output[0], 2, 0, 1, 0, (int)heads));
        RequireShape(headValue, transpose, [.. perm.Select(a => split[a])]);
        RequireOnlyReader(headValue, reader, 1, transpose);
        values.Add(new ChannelValue(headValue, 1, 0, 1, 0, (int)heads));

        // The head count entry of the [B, S, H, d] shape: a constant H to lower, or -1 with a constant d.
        ShapeConstant? headCount = null;
        var entry = ShapeEntry(reshape, 2, 4);
        if (entry.Value == heads) headCount = new ShapeConstant(entry.Tensor, entry.Index, 1, 0, Name(entry.Reader));
        else if (entry.Value != -1 || ShapeEntry(reshape, 3, 4).Value != d)
            throw Reject(entry.Reader, $"entry 2 of the {role} reshape's shape is {entry.Value}, not the head count {heads} (or -1 with a constant head size)");

        var nodes = new List<NodeProto> { matMul, reshape, transpose };
        if (biasAdd is not null) nodes.Add(biasAdd);
        return new Projection(role, weightName, bias, matMul, biasAdd, reshape, heads, d, values, headCount, nodes);
    }

    // Entry `index` of a Reshape's shape: the INT64 constant holding it (the whole shape, or a Concat piece).
    private (string Tensor, int Index, long Value, NodeProto Reader) ShapeEntry(NodeProto reshape, int index, int rank)
    {
        string target = reshape.Input[1];
        if (TryInt64Constant(target, out long[]? whole))
        {
            if (whole.Length != rank) throw Reject(reshape, $"the shape '{target}' has {whole.Length} entries, not {rank}");
            return (target, index, whole[index], reshape);
        }
        if (!producers.TryGetValue(target, out var concat) || concat.OpType != "Concat" || IntAttribute(concat, "axis", 0) != 0)
            throw Reject(reshape, $"the shape '{target}' is neither an INT64 constant nor a Concat of pieces; its head entry cannot be located");
        long offset = 0;
        foreach (string piece in concat.Input)
        {
            long[] pieceShape = ShapeOf(piece, concat);
            if (pieceShape.Length != 1) throw Reject(concat, $"the shape piece '{piece}' has shape {Format(pieceShape)}, not one axis");
            if (index < offset + pieceShape[0])
            {
                if (!TryInt64Constant(piece, out long[]? values))
                    throw Reject(concat, $"entry {index} of the shape comes from '{piece}', which is not an INT64 constant");
                return (piece, (int)(index - offset), values[index - offset], concat);
            }
            offset += pieceShape[0];
        }
        throw Reject(concat, $"the shape built by '{concat.Output[0]}' has {offset} entries, not {rank}");
    }

    // The value is read by `allowed` only, apart from Shape nodes whose Gathers read axes other than `headAxis`.
    private void RequireOnlyReader(string value, NodeProto allowed, int headAxis, NodeProto writer)
    {
        if (graphOutputs.Contains(value)) throw Reject(writer, $"'{value}' carries heads and is a graph output");
        foreach (var node in Consumers(value))
        {
            if (ReferenceEquals(node, allowed)) continue;
            if (node.OpType == "Shape" && node.Attribute.Count == 0 && ReadsOnlyOtherAxes(node.Output[0], headAxis, ShapeOf(value, writer).Length)) continue;
            throw Reject(node, $"it also reads '{value}', which carries the heads of {Name(allowed)}");
        }
    }

    private bool ReadsOnlyOtherAxes(string shapeValue, int headAxis, int rank)
    {
        foreach (var gather in Consumers(shapeValue))
        {
            if (gather.OpType != "Gather" || gather.Input[0] != shapeValue || IntAttribute(gather, "axis", 0) != 0) return false;
            if (!TryInt64Constant(gather.Input[1], out long[]? index) || index.Length != 1) return false;
            long axis = index[0] < 0 ? index[0] + rank : index[0];
            if (axis == headAxis) return false;
        }
        return !graphOutputs.Contains(shapeValue);
    }

    private void RequireOnlyUse(string initializer, NodeProto node)
    {
        foreach (var reader in Consumers(initializer))
            if (!ReferenceEquals(reader, node)) throw Reject(reader, $"it shares '{initializer}' with {Name(node)}");
        if (graphOutputs.Contains(initializer)) throw Reject(node, $"'{initializer}' is a graph output");
    }

    private void RequireShape(string value, NodeProto writer, long[] expected)
    {
        long[] shape = ShapeOf(value, writer);
        if (!shape.SequenceEqual(expected)) throw Reject(writer, $"'{value}' has shape {Format(shape)}, not {Format(expected)}");
    }

    private long[] ShapeOf(string value, NodeProto near)
    {
        if (shapes.TryGetValue(value, out var shape)) return shape;
        if (initializers.TryGetValue(value, out var tensor)) return [.. tensor.Dims];
        if (producers.TryGetValue(value, out var node) && node.OpType == "Constant" && ConstantTensor(node) is { } constant) return [.. constant.Dims];
        throw Reject(near, $"the shape of '{value}' is not known");
    }

    private long ElementCount(string value) =>
        TryTensor(value, out var tensor) ? tensor.Dims.Aggregate(1L, (a, b) => a * b) : -1;

    private bool IsConstant(string value) => TryTensor(value, out _);

    private bool TryTensor(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TensorProto? tensor)
    {
        if (initializers.TryGetValue(value, out tensor)) return true;
        tensor = producers.TryGetValue(value, out var node) && node.OpType == "Constant" ? ConstantTensor(node) : null;
        return tensor is not null;
    }

    private bool TryInt64Constant(string value, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out long[]? values)
    {
        values = TryTensor(value, out var tensor) && tensor.DataType == (int)TensorProto.Types.DataType.Int64 ? OnnxTensor.ToInt64Array(tensor) : null;
        return values is not null;
    }

    private static TensorProto? ConstantTensor(NodeProto constant) =>
        constant.Attribute.FirstOrDefault(a => a.Name == "value")?.T;

    // Asked of the model each time (not indexed) so that If/Loop/Scan bodies reading the value count as readers too.
    private IReadOnlyList<NodeProto> Consumers(string value) => model.FindConsumers(value);

    // The one node other than Shape nodes that reads the value (checked as RequireOnlyReader does).
    private NodeProto SoleReader(string value, NodeProto writer, int headAxis)
    {
        var readers = Consumers(value).Where(n => n.OpType != "Shape").ToList();
        if (readers.Count != 1) throw Reject(writer, $"'{value}' is read by {readers.Count} nodes other than Shape, not one");
        RequireOnlyReader(value, readers[0], headAxis, writer);
        return readers[0];
    }

    private static long IntAttribute(NodeProto node, string name, long fallback) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? a.I : fallback;

    private static long[] Ints(NodeProto node, string name) =>
        node.Attribute.FirstOrDefault(a => a.Name == name) is { } a ? [.. a.Ints] : [];

    // As OnnxModel.GetNodeDisplayName, from the cached node order.
    private string Name(NodeProto node) => string.IsNullOrEmpty(node.Name) ? $"{node.OpType}_{order[node]}" : node.Name;

    private NotProvableException Reject(NodeProto node, string why) => new($"{Name(node)} ({node.OpType}): {why}");

    private static string Format(IEnumerable<long> values) => $"[{string.Join(", ", values)}]";

    /// <summary>One proven Q, K or V projection: its weights, nodes, head-carrying values and head-count shape entry.</summary>
    private sealed record Projection(string Role, string Weight, string? Bias, NodeProto MatMul, NodeProto? BiasAdd, NodeProto Reshape,
        long Heads, long HeadSize, IReadOnlyList<ChannelValue> Values, ShapeConstant? HeadCount, IReadOnlyList<NodeProto> Nodes);

    /// <summary>Thrown (and caught by <see cref="Match"/>) when a recognized block deviates; the message is the reason.</summary>
    private sealed class NotProvableException(string message) : Exception(message);
}
