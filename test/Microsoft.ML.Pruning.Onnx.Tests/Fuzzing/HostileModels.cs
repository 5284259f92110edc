using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx.Tests.Fuzzing;

/// <summary>
/// Small files (a size is asked for; each comes out within a few bytes below it) that made loading cost far more
/// than their size before the loader bounded its work: one per way it did (issue 13), plus the nesting a
/// message must name. Shared by the tests and the fuzzer (benchmarks/OnnxFuzz), which starts from them too.
/// </summary>
public static class HostileModels
{
    /// <summary>Every generator, by name, at about <paramref name="bytes"/> bytes.</summary>
    public static IEnumerable<(string Name, byte[] Bytes)> All(int bytes)
    {
        yield return ("long node name, many attributes", LongNodeNameManyAttributes(bytes));
        yield return ("long node name, many tensor attributes", LongNodeNameManyTensorAttributes(bytes));
        yield return ("long node name, many subgraphs", LongNodeNameManySubgraphs(bytes));
        yield return ("long graph name, many initializers", LongGraphNameManyInitializers(bytes));
        yield return ("repeated oneof member (tensor_type)", RepeatedTensorType(bytes));
        yield return ("repeated oneof member with unknown fields", RepeatedTensorTypeWithUnknownFields(bytes));
        yield return ("repeated type around a oneof member", RepeatedValueInfoType(bytes));
        yield return ($"subgraphs nested {OnnxModel.MaxSubgraphDepth + 1} deep", NestedSubgraphs(OnnxModel.MaxSubgraphDepth + 1));
        yield return ("many empty nodes", ManyEmptyNodes(bytes));
        yield return ("many empty tensors", ManyEmptyTensors(bytes));
    }

    /// <summary>
    /// A graph of nothing but empty nodes (2 bytes each in the file): the most objects per byte protobuf's object
    /// model makes, so the floor of any allocation bound per byte. Valid: a node need not read or write anything.
    /// </summary>
    public static byte[] ManyEmptyNodes(int bytes)
    {
        var model = Skeleton("empty nodes");
        int count = Math.Max(0, (bytes - model.CalculateSize() - 8) / 2);
        for (int i = 0; i < count; i++) model.Graph.Node.Add(new NodeProto());
        return model.ToByteArray();
    }

    /// <summary>
    /// One attribute holding nothing but empty tensors (2 bytes each): TensorProto is the message with the most
    /// repeated fields, so the most bytes of objects per byte of file. Rejected (an empty tensor promises one element).
    /// </summary>
    public static byte[] ManyEmptyTensors(int bytes)
    {
        var model = Skeleton("empty tensors");
        var attribute = new AttributeProto { Name = "t", Type = AttributeProto.Types.AttributeType.Tensors };
        model.Graph.Node.Add(new NodeProto { OpType = "Identity", Input = { "X" }, Output = { "Y" }, Attribute = { attribute } });
        int count = Math.Max(0, (bytes - model.CalculateSize() - 16) / 2);
        for (int i = 0; i < count; i++) attribute.Tensors.Add(new TensorProto());
        return model.ToByteArray();
    }

    /// <summary>A Gemm model whose 48-byte weight W [4, 3] is stored externally at <paramref name="location"/>, offset 0.</summary>
    public static byte[] ExternalWeight(string location)
    {
        var model = Skeleton("external");
        var w = new TensorProto { Name = "W", DataType = (int)TensorProto.Types.DataType.Float, Dims = { 4, 3 }, DataLocation = TensorProto.Types.DataLocation.External };
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = "0" });
        w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = "48" });
        model.Graph.Initializer.Add(w);
        model.Graph.Node.Add(new NodeProto { OpType = "Gemm", Name = "fc", Input = { "X", "W" }, Output = { "Y" } });
        model.Graph.Output.Add(FloatInput("Y"));
        return model.ToByteArray();
    }

    /// <summary>
    /// One Identity node whose name takes half the file and many small INT attributes the rest. A validator that
    /// describes every attribute eagerly copies the node name once per attribute: quadratic.
    /// </summary>
    public static byte[] LongNodeNameManyAttributes(int bytes) =>
        OneNodeModel(bytes, "Identity", (node, i) => node.Attribute.Add(new AttributeProto
        {
            Name = $"a{i}", Type = AttributeProto.Types.AttributeType.Int, I = i,
        }));

    /// <summary>
    /// Like <see cref="LongNodeNameManyAttributes"/> with an empty FLOAT tensor in each attribute: every tensor is
    /// validated, and Load(path) also walks every tensor looking for external data.
    /// </summary>
    public static byte[] LongNodeNameManyTensorAttributes(int bytes) =>
        OneNodeModel(bytes, "Identity", (node, i) => node.Attribute.Add(new AttributeProto
        {
            Name = $"t{i}", Type = AttributeProto.Types.AttributeType.Tensor, T = EmptyTensor(""),
        }));

    /// <summary>An If node with a long name and many empty subgraph attributes: a subgraph's label names its owner node.</summary>
    public static byte[] LongNodeNameManySubgraphs(int bytes) =>
        OneNodeModel(bytes, "If", (node, i) => node.Attribute.Add(new AttributeProto
        {
            Name = $"g{i}", Type = AttributeProto.Types.AttributeType.Graph, G = new GraphProto(),
        }));

    /// <summary>A graph whose name takes half the file and many empty initializers the rest; each initializer's description names the graph.</summary>
    public static byte[] LongGraphNameManyInitializers(int bytes)
    {
        var model = Skeleton(new string('g', bytes / 2));
        Fill(model, bytes, i => model.Graph.Initializer.Add(EmptyTensor($"i{i}")));
        return model.ToByteArray();
    }

    /// <summary>
    /// A graph input whose TypeProto repeats its oneof member tensor_type, each time with one more dimension. Protobuf
    /// merges repeats, and the generated parser copies the value merged so far on every repeat: quadratic.
    /// </summary>
    public static byte[] RepeatedTensorType(int bytes) => RepeatedOneofMember(bytes, unknownFields: false);

    /// <summary>
    /// The same repeats carrying an unknown field instead of a dimension. Merging keeps unknown fields without copying
    /// them again, so this one was linear (93× its size) before the guard; it is refused like any repeat.
    /// </summary>
    public static byte[] RepeatedTensorTypeWithUnknownFields(int bytes) => RepeatedOneofMember(bytes, unknownFields: true);

    /// <summary>
    /// A graph input whose <c>type</c> (a plain singular field) repeats, each with tensor_type once and one more
    /// dimension: protobuf merges the repeats in place into one TypeProto, where tensor_type is then repeated and
    /// copied on every merge. Found by the fuzzer once only oneof members were refused.
    /// </summary>
    public static byte[] RepeatedValueInfoType(int bytes)
    {
        byte[] repeat = Field(2, Field(1, [0x12, 0x04, 0x0A, 0x02, 0x08, 0x01])); // type { tensor_type { shape { dim { dim_value: 1 } } } }
        var input = new List<byte>(Field(1, "X"u8.ToArray()));
        while (input.Count + repeat.Length <= bytes - 64) input.AddRange(repeat);
        byte[] graph = [.. Field(2, "repeat"u8.ToArray()), .. Field(11, [.. input])];
        return [0x08, 0x08, .. Field(7, graph)];
    }

    /// <summary>If nodes nested <paramref name="depth"/> levels deep in their then-branches, each reading X and cond from the outermost graph.</summary>
    public static byte[] NestedSubgraphs(int depth)
    {
        var model = Skeleton("nested");
        model.Graph.Input.Add(FloatInput("cond"));
        var top = Branch(0);
        model.Graph.Node.Add(top.Node);
        model.Graph.Output.Add(top.Output);
        return model.ToByteArray();

        GraphProto Branch(int level)
        {
            var graph = new GraphProto { Name = $"level{level}" };
            graph.Output.Add(FloatInput($"out{level}"));
            var node = new NodeProto { OpType = level == depth ? "Identity" : "If", Name = $"if{level}" };
            if (level == depth) node.Input.Add("X");
            else
            {
                node.Input.Add("cond");
                node.Attribute.Add(new AttributeProto { Name = "then_branch", Type = AttributeProto.Types.AttributeType.Graph, G = Branch(level + 1) });
                var leaf = new GraphProto { Name = $"else{level + 1}" };
                leaf.Output.Add(FloatInput($"out{level + 1}"));
                leaf.Node.Add(new NodeProto { OpType = "Identity", Name = $"identity{level + 1}", Input = { "X" }, Output = { $"out{level + 1}" } });
                node.Attribute.Add(new AttributeProto { Name = "else_branch", Type = AttributeProto.Types.AttributeType.Graph, G = leaf });
            }
            node.Output.Add($"out{level}");
            graph.Node.Add(node);
            return graph;
        }
    }

    /// <summary>X → one node named with half the file → Y; <paramref name="addAttribute"/> fills the rest.</summary>
    private static byte[] OneNodeModel(int bytes, string opType, Action<NodeProto, int> addAttribute)
    {
        var model = Skeleton("main");
        var node = new NodeProto { OpType = opType, Name = new string('n', bytes / 2) };
        node.Input.Add(opType == "If" ? "cond" : "X");
        node.Output.Add("Y");
        if (opType == "If") model.Graph.Input.Add(FloatInput("cond"));
        model.Graph.Node.Add(node);
        model.Graph.Output.Add(FloatInput("Y"));
        Fill(model, bytes, i => addAttribute(node, i));
        return model.ToByteArray();
    }

    /// <summary>
    /// Calls <paramref name="add"/> while the model stays within <paramref name="bytes"/>: half the estimated rest
    /// at a time (items grow slowly as their numbers get longer), then one by one; the one that crosses is removed.
    /// </summary>
    private static void Fill(ModelProto model, int bytes, Action<int> add)
    {
        int i = 0;
        while (true)
        {
            int size = model.CalculateSize();
            add(i++);
            int next = model.CalculateSize();
            if (next > bytes)
            {
                RemoveLast(model);
                return;
            }
            int step = Math.Max(1, next - size);
            for (int k = (bytes - next) / step / 2; k > 0; k--) add(i++);
        }
    }

    private static void RemoveLast(ModelProto model)
    {
        var graph = model.Graph;
        if (graph.Initializer.Count > 0) graph.Initializer.RemoveAt(graph.Initializer.Count - 1);
        else graph.Node[^1].Attribute.RemoveAt(graph.Node[^1].Attribute.Count - 1);
    }

    private static byte[] RepeatedOneofMember(int bytes, bool unknownFields)
    {
        // TypeProto bytes: tensor_type (field 1) again and again, each { shape { dim { dim_value: 1 } } } or
        // { unknown varint field 15: 1 }; the merged value grows by one dimension or one unknown value per repeat.
        byte[] member = unknownFields ? [0x78, 0x01] : [0x12, 0x04, 0x0A, 0x02, 0x08, 0x01];
        byte[] repeat = Field(1, member);
        var type = new List<byte>();
        while (type.Count + repeat.Length <= bytes - 64) type.AddRange(repeat);

        // ModelProto { ir_version: 8, graph { name: "repeat", input { name: "X", type: <type> } } }, around the raw TypeProto.
        byte[] input = [.. Field(1, "X"u8.ToArray()), .. Field(2, [.. type])];
        byte[] graph = [.. Field(2, "repeat"u8.ToArray()), .. Field(11, input)];
        return [0x08, 0x08, .. Field(7, graph)];
    }

    /// <summary>A length-delimited field: tag, length, payload.</summary>
    private static byte[] Field(int number, byte[] payload) =>
        [.. Varint((ulong)number << 3 | 2), .. Varint((ulong)payload.Length), .. payload];

    private static List<byte> Varint(ulong value)
    {
        var bytes = new List<byte>();
        for (; value >= 0x80; value >>= 7) bytes.Add((byte)(value | 0x80));
        bytes.Add((byte)value);
        return bytes;
    }

    private static ModelProto Skeleton(string graphName)
    {
        var model = new ModelProto { IrVersion = 8, Graph = new GraphProto { Name = graphName } };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        model.Graph.Input.Add(FloatInput("X"));
        return model;
    }

    private static TensorProto EmptyTensor(string name) =>
        new() { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { 0 } };

    private static ValueInfoProto FloatInput(string name) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } } };
}
