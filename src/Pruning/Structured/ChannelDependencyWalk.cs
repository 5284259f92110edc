using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// One run of <see cref="ChannelDependencies.Analyze"/>: a single pass over the nodes in graph (topological) order that
/// carries <see cref="ChannelTag"/>s from each producer's output to every value holding its channels, records slices,
/// values and shape constants per producer, merges producers in a union-find where their channels meet, and records
/// why a producer's channels cannot be removed. The op rules are in ChannelDependencyWalk.Operators.cs.
/// </summary>
internal sealed partial class ChannelDependencyWalk
{
    private const int ReasonsShown = 3;

    private readonly OnnxModel _model;
    private readonly GraphProto _graph;
    private readonly IReadOnlyDictionary<string, long[]> _shapes;
    private readonly bool _pruneOutputs;
    private readonly GraphConstants _constants;
    private readonly List<Producer> _producers = [];
    private readonly Dictionary<int, int> _producerOfNode = [];
    private readonly Dictionary<string, PrunableWeight> _depthwise = new(StringComparer.Ordinal);
    private readonly List<(int NodeIndex, UnprunableLayer Layer)> _excluded = [];
    private readonly Dictionary<string, int> _nodeOfOutput = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<ChannelTag>> _tags = new(StringComparer.Ordinal);
    private readonly int[] _parent;
    private long _reasonSequence;

    public ChannelDependencyWalk(OnnxModel model, IReadOnlyDictionary<string, long[]> shapes, bool pruneOutputs)
    {
        _model = model;
        _graph = model.Graph;
        _shapes = shapes;
        _pruneOutputs = pruneOutputs;
        _constants = new GraphConstants(_graph);
        for (int i = 0; i < _graph.Node.Count; i++)
            foreach (string output in _graph.Node[i].Output)
                if (output.Length > 0) _nodeOfOutput.TryAdd(output, i);

        foreach (var weight in model.GetPrunableWeights())
        {
            var node = _graph.Node[weight.NodeIndex];
            string name = weight.NodeName;
            long group = weight.Role == PrunableWeightRole.ConvWeight ? IntAttribute(node, "group", 1) : 1;
            int readers = _constants.Readers(weight.Name).Count;
            string? exclusion =
                readers > 1 ? $"{name}: its weight {weight.Name} is shared by {readers} nodes"
                : group > 1 && weight.Shape[1] == 1 && weight.Shape[0] == group ? null // depthwise: carried by the group feeding it
                : group > 1 ? $"{name}: grouped Conv (group={group}) is not supported"
                : !_shapes.ContainsKey(node.Output[0]) ? $"{name}: no shape is known for its output {node.Output[0]}"
                : null;
            if (exclusion is not null)
            {
                _excluded.Add((weight.NodeIndex, new UnprunableLayer(weight.Name, name, exclusion)));
                continue;
            }
            if (group > 1)
            {
                _depthwise[weight.Name] = weight;
                continue;
            }
            int axis = weight.Role == PrunableWeightRole.MatMulWeight ? _shapes[node.Output[0]].Length - 1 : 1;
            _producerOfNode[weight.NodeIndex] = _producers.Count;
            _producers.Add(new Producer(weight, node.Output[0], axis));
        }
        _parent = Enumerable.Range(0, _producers.Count).ToArray();
    }

    /// <summary>Walks the graph once and builds the result.</summary>
    public ChannelDependencyGraph Run()
    {
        for (int i = 0; i < _graph.Node.Count; i++)
        {
            var node = _graph.Node[i];
            if (node.Input.Any(v => _tags.ContainsKey(v))) Visit(node, i, DisplayName(node, i));
            if (_producerOfNode.TryGetValue(i, out int p)) Seed(p, node, i);
        }
        foreach (var output in _graph.Output)
            if (_tags.TryGetValue(output.Name, out var tags))
                foreach (var tag in tags)
                {
                    if (!_pruneOutputs) Fail(tag, $"its channels reach the graph output {output.Name} (allow with PruneOutputs)");
                    else if (tag.BrokenBy is not null) Fail(tag, $"{tag.BrokenBy} makes removed channels non-zero in the graph output {output.Name}");
                    else _producers[tag.Producer].ReachesOutput = true;
                }
        CheckSubgraphReaders();
        CheckSharedTensors();
        return Build();
    }

    /// <summary>An If/Loop/Scan body reading a value with channels from the outer scope is a reader the walk cannot follow.</summary>
    private void CheckSubgraphReaders()
    {
        var withBodies = _graph.Node.Where(n => n.Attribute.Any(a => a.G is not null || a.Graphs.Count > 0)).ToHashSet();
        if (withBodies.Count == 0) return;
        foreach (var (value, tags) in _tags)
            foreach (var reader in _model.FindConsumers(value).Where(n => withBodies.Contains(n) && !n.Input.Contains(value)))
                foreach (var tag in tags)
                    Fail(tag, $"{_model.GetNodeDisplayName(reader)} ({reader.OpType}) reads {value} inside a subgraph");
    }

    private sealed class Producer(PrunableWeight weight, string output, int axis)
    {
        public PrunableWeight Weight { get; } = weight;
        public string Output { get; } = output;
        public int Axis { get; } = axis;
        public int Width => (int)Weight.OutputUnits;
        public List<ChannelSlice> Slices { get; } = [];
        public List<ChannelValue> Values { get; } = [];
        public List<ShapeConstant> ShapeConstants { get; } = [];
        public SortedSet<int> Nodes { get; } = [];
        public List<(long Sequence, string Reason)> Reasons { get; } = [];
        public List<PrunableWeight> Carried { get; } = [];
        public bool ReachesOutput { get; set; }
    }

    private void Seed(int p, NodeProto node, int index)
    {
        var producer = _producers[p];
        var weight = producer.Weight;
        var tag = new ChannelTag(p, producer.Axis, 0, 1, 0, producer.Width, null);
        producer.Slices.Add(new ChannelSlice(weight.Name, weight.OutputAxis, 0, 1, 0, producer.Width, ChannelRole.Producer, weight.NodeName));
        producer.Nodes.Add(index);
        if (node.Input.Count > 2 && node.Input[2].Length > 0)
        {
            string bias = node.Input[2];
            if (weight.Role == PrunableWeightRole.ConvWeight)
            {
                if (!PerChannelParameter(tag, bias, 0, ChannelRole.Parameter, weight.NodeName)) return;
            }
            else
            {
                // Gemm's C broadcasts to [M, N]: per output unit it is a bias, otherwise a constant added to every unit.
                switch (Broadcast(bias, 2, tag, _shapes[producer.Output]))
                {
                    case BroadcastKind.PerChannel when _shapes[bias].Length == 2 && _shapes[bias][0] != 1:
                        Fail(tag, $"{weight.NodeName}: its C input {bias} varies along the rows");
                        return;
                    case BroadcastKind.PerChannel:
                        if (!PerChannelParameter(tag, bias, _shapes[bias].Length - 1, ChannelRole.Parameter, weight.NodeName)) return;
                        break;
                    case BroadcastKind.Broadcast:
                        if (!IsZeroConstant(bias)) tag = tag with { BrokenBy = weight.NodeName };
                        break;
                    default:
                        Fail(tag, $"{weight.NodeName}: its C input {bias} does not match the output units");
                        return;
                }
            }
        }
        Emit(node.Output[0], index, [tag]);
    }

    /// <summary>Adds a per-channel initializer's slice (a bias, a scale); false (and the group fails) when it is not an initializer.</summary>
    private bool PerChannelParameter(ChannelTag tag, string tensor, int axis, ChannelRole role, string node)
    {
        if (!_constants.IsInitializer(tensor) || !_shapes.TryGetValue(tensor, out var shape) || axis < 0 || axis >= shape.Length)
        {
            Fail(tag, $"{node}: its per-channel input {tensor} is not an initializer");
            return false;
        }
        _producers[tag.Producer].Slices.Add(new ChannelSlice(tensor, axis, tag.Offset, tag.Block, tag.First, tag.Count, role, node));
        return true;
    }

    /// <summary>Records that <paramref name="value"/> (written by node <paramref name="index"/>) carries <paramref name="tags"/>.</summary>
    private void Emit(string value, int index, IEnumerable<ChannelTag> tags)
    {
        var added = tags.ToList();
        if (added.Count == 0) return;
        if (!_tags.TryGetValue(value, out var list)) _tags[value] = list = [];
        foreach (var tag in added)
        {
            list.Add(tag);
            var producer = _producers[tag.Producer];
            producer.Values.Add(new ChannelValue(value, tag.Axis, tag.Offset, tag.Block, tag.First, tag.Count));
            producer.Nodes.Add(index);
        }
    }

    private void Touch(ChannelTag tag, int index) => _producers[tag.Producer].Nodes.Add(index);

    private void Fail(ChannelTag tag, string reason)
    {
        var reasons = _producers[tag.Producer].Reasons;
        if (!reasons.Any(r => r.Reason == reason)) reasons.Add((_reasonSequence++, reason));
    }

    private List<ChannelTag> TagsOf(string value) => _tags.TryGetValue(value, out var tags) ? tags : [];

    private IEnumerable<ChannelTag> AllTags(NodeProto node) => node.Input.Distinct(StringComparer.Ordinal).SelectMany(TagsOf);

    private void FailAll(NodeProto node, string reason)
    {
        foreach (var tag in AllTags(node).ToList()) Fail(tag, reason);
    }

    private int Find(int p)
    {
        while (_parent[p] != p) p = _parent[p] = _parent[_parent[p]];
        return p;
    }

    private void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a != b) _parent[Math.Max(a, b)] = Math.Min(a, b); // the root stays the first producer in graph order
    }

    /// <summary>
    /// A tensor a group slices must be read only by the nodes its slices name, and no two groups may slice the same
    /// axis of it (shared weights, a bias reused by two layers): otherwise removal would change a node it does not know.
    /// </summary>
    private void CheckSharedTensors()
    {
        var uses = new Dictionary<string, List<(int Root, ChannelSlice Slice, int Producer)>>(StringComparer.Ordinal);
        for (int p = 0; p < _producers.Count; p++)
            foreach (var slice in _producers[p].Slices)
            {
                if (!uses.TryGetValue(slice.Tensor, out var list)) uses[slice.Tensor] = list = [];
                list.Add((Find(p), slice, p));
            }
        foreach (var (tensor, list) in uses)
        {
            var nodes = list.Select(u => u.Slice.Node).ToHashSet(StringComparer.Ordinal);
            var strangers = _constants.Readers(tensor).Select(i => DisplayName(_graph.Node[i], i)).Where(n => !nodes.Contains(n)).ToList();
            foreach (var use in list)
            {
                var tag = new ChannelTag(use.Producer, 0, 0, 1, 0, 0, null);
                if (strangers.Count > 0) Fail(tag, $"{tensor} is also read by {strangers[0]}, which the group does not reach");
                var other = list.FirstOrDefault(u => u.Root != use.Root && u.Slice.Axis == use.Slice.Axis && Overlap(u.Slice, use.Slice));
                if (other.Slice is not null)
                    Fail(tag, $"{tensor} axis {use.Slice.Axis} carries the channels of two groups ({use.Slice.Node} and {other.Slice.Node})");
            }
        }
    }

    private static bool Overlap(ChannelSlice a, ChannelSlice b) =>
        a.Offset < b.Offset + b.Count * b.Block && b.Offset < a.Offset + a.Count * a.Block;

    private ChannelDependencyGraph Build()
    {
        var groups = new List<ChannelGroup>();
        var unprunable = new List<(int NodeIndex, UnprunableLayer Layer)>(_excluded);
        var carried = new HashSet<string>(StringComparer.Ordinal);
        foreach (var members in Enumerable.Range(0, _producers.Count).GroupBy(Find).OrderBy(g => g.Key))
        {
            var producers = members.Select(p => _producers[p]).ToList();
            foreach (var layer in producers.SelectMany(p => p.Carried)) carried.Add(layer.Name);
            var reasons = producers.SelectMany(p => p.Reasons).OrderBy(r => r.Sequence).Select(r => r.Reason).Distinct(StringComparer.Ordinal).ToList();
            if (producers.Select(p => p.Width).Distinct().Count() > 1)
                reasons.Insert(0, $"coupled layers have different widths ({string.Join(", ", producers.Select(p => $"{p.Weight.NodeName} {p.Width}"))})");
            if (reasons.Count > 0)
            {
                string reason = string.Join("; ", reasons.Take(ReasonsShown)) + (reasons.Count > ReasonsShown ? $"; and {reasons.Count - ReasonsShown} more" : "");
                foreach (var layer in producers.Select(p => p.Weight).Concat(producers.SelectMany(p => p.Carried)).DistinctBy(w => w.Name))
                    unprunable.Add((layer.NodeIndex, new UnprunableLayer(layer.Name, layer.NodeName, reason)));
                continue;
            }
            var first = producers[0];
            var nodes = new SortedSet<int>(producers.SelectMany(p => p.Nodes));
            groups.Add(new ChannelGroup(
                first.Weight.Name,
                first.Weight.Role == PrunableWeightRole.ConvWeight ? ChannelGroupKind.Channel : ChannelGroupKind.Neuron,
                first.Width,
                producers.SelectMany(p => p.Slices).Distinct().ToList(),
                producers.SelectMany(p => p.Values).Distinct().ToList(),
                producers.SelectMany(p => p.ShapeConstants).Distinct().ToList(),
                producers.Any(p => p.ReachesOutput),
                string.Join(" → ", nodes.Select(i => DisplayName(_graph.Node[i], i)))));
        }
        foreach (var layer in _depthwise.Values.Where(w => !carried.Contains(w.Name)))
            unprunable.Add((layer.NodeIndex, new UnprunableLayer(layer.Name, layer.NodeName,
                $"{layer.NodeName}: a depthwise Conv's channels are its input's, and no analysed layer produces them")));
        return new ChannelDependencyGraph(groups, unprunable.OrderBy(u => u.NodeIndex).Select(u => u.Layer).ToList());
    }

    private static string DisplayName(NodeProto node, int index) => string.IsNullOrEmpty(node.Name) ? $"{node.OpType}_{index}" : node.Name;

    private static long IntAttribute(NodeProto node, string name, long fallback)
    {
        foreach (var attribute in node.Attribute)
            if (attribute.Name == name) return attribute.I;
        return fallback;
    }

    private static float? FloatAttribute(NodeProto node, string name)
    {
        foreach (var attribute in node.Attribute)
            if (attribute.Name == name) return attribute.F;
        return null;
    }

    private static long[]? IntsAttribute(NodeProto node, string name)
    {
        foreach (var attribute in node.Attribute)
            if (attribute.Name == name) return [.. attribute.Ints];
        return null;
    }
}
