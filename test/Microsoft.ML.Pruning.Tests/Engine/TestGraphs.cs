using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using AttributeType = Microsoft.ML.Pruning.Onnx.Protobuf.AttributeProto.Types.AttributeType;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Small ONNX graphs built in code for the engine tests.</summary>
internal static class TestGraphs
{
    public const int Float = (int)TensorProto.Types.DataType.Float;
    public const int Int64 = (int)TensorProto.Types.DataType.Int64;

    public static OnnxModel BuildModel(
        long opset, IEnumerable<NodeProto> nodes, IEnumerable<TensorProto> initializers, string[] inputs, string[] outputs,
        int inputType = Float)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(initializers);
        graph.Input.AddRange(inputs.Select(n => Value(n, inputType)));
        graph.Output.AddRange(outputs.Select(n => Value(n, Float)));
        var proto = new ModelProto { IrVersion = 8, ProducerName = "engine-tests", Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return OnnxModel.FromProto(proto);
    }

    public static ValueInfoProto Value(string name, int elementType) =>
        new() { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType } } };

    public static NodeProto Node(string op, string[] inputs, string[] outputs, string name = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    public static AttributeProto Attr(string name, float value) => new() { Name = name, Type = AttributeType.Float, F = value };

    public static AttributeProto Attr(string name, long value) => new() { Name = name, Type = AttributeType.Int, I = value };

    public static AttributeProto Attr(string name, long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }

    public static AttributeProto Attr(string name, float[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeType.Floats };
        a.Floats.AddRange(values);
        return a;
    }

    public static AttributeProto Attr(string name, TensorProto value) => new() { Name = name, Type = AttributeType.Tensor, T = value };

    public static TensorProto Floats(string name, long[] dims, int seed, float scale = 0.5f)
    {
        var random = new Random(seed);
        var values = new float[dims.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = (float)((random.NextDouble() * 2 - 1) * scale);
        return OnnxTensor.FromFloats(name, values, dims);
    }

    /// <summary>Gemm(transB=1) → Relu → Gemm(transB=0) → Softmax (opset 13): weights W1 [hidden, in], B1, W2 [hidden, out], B2.</summary>
    public static OnnxModel Mlp(int inputs = 4, int hidden = 5, int outputs = 3, int seed = 1)
    {
        var nodes = new[]
        {
            Node("Gemm", ["X", "W1", "B1"], ["H"], "fc1", Attr("transB", 1L)),
            Node("Relu", ["H"], ["A"], "relu1"),
            Node("Gemm", ["A", "W2", "B2"], ["Z"], "fc2"),
            Node("Softmax", ["Z"], ["Y"], "softmax"),
        };
        var initializers = new[]
        {
            Floats("W1", [hidden, inputs], seed),
            Floats("B1", [hidden], seed + 1, 0.1f),
            Floats("W2", [hidden, outputs], seed + 2),
            Floats("B2", [outputs], seed + 3, 0.1f),
        };
        return BuildModel(13, nodes, initializers, ["X"], ["Y"]);
    }

    /// <summary>A LeNet-300-100 style MLP without the head: Gemm(transB=1)+Relu ×2 then Gemm, producing logits.</summary>
    public static OnnxModel LeNet300100(int seed = 7) => Perceptron([784, 300, 100, 10], seed);

    /// <summary>Gemm(transB=1) layers with Relu between them, named fc{i}.weight / fc{i}.bias as PyTorch exports them.</summary>
    public static OnnxModel Perceptron(int[] widths, int seed)
    {
        var nodes = new List<NodeProto>();
        var initializers = new List<TensorProto>();
        string current = "input";
        for (int i = 0; i + 1 < widths.Length; i++)
        {
            string w = $"fc{i + 1}.weight", b = $"fc{i + 1}.bias", z = $"z{i + 1}";
            float bound = 1f / MathF.Sqrt(widths[i]);
            initializers.Add(Floats(w, [widths[i + 1], widths[i]], seed + 2 * i, bound));
            initializers.Add(Floats(b, [widths[i + 1]], seed + 2 * i + 1, bound));
            nodes.Add(Node("Gemm", [current, w, b], [z], $"fc{i + 1}", Attr("transB", 1L)));
            current = z;
            if (i + 2 < widths.Length)
            {
                nodes.Add(Node("Relu", [z], [$"r{i + 1}"], $"relu{i + 1}"));
                current = $"r{i + 1}";
            }
        }
        return BuildModel(13, nodes, initializers, ["input"], [current]);
    }
}
