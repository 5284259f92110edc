using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning;

/// <summary>
/// The ONNX graph of a linear regression, Score = Gemm(Features, W, b; transB = 1) reshaped to [N]: the model a linear
/// trainer exports and ML.NET scores (through <see cref="Stages.RowView"/>). W is [1, p], so the compact file stores it
/// as a sparse constant when that is smaller (<see cref="OnnxModel.Compact()"/>), and it is the graph's one prunable weight.
/// </summary>
internal static class LinearGraphBuilder
{
    /// <summary>Opset the graph is written for.</summary>
    public const int Opset = 13;

    /// <summary>The weight initializer.</summary>
    public const string WeightName = "linear.weight";

    /// <summary>The names the graph uses besides its input; a feature column may not take one of them.</summary>
    public static readonly IReadOnlyList<string> ReservedNames = ["Score", "Score" + Stages.RowView.VectorSuffix, WeightName, BiasName, LinearName, ShapeName];

    private const string BiasName = "linear.bias";
    private const string LinearName = "linear.output";
    private const string ShapeName = "linear.flat_shape";

    /// <param name="inputName">The features input (the ML.NET column it is fed from).</param>
    /// <param name="weights">β, one per feature.</param>
    /// <param name="bias">The intercept.</param>
    public static OnnxModel Build(string inputName, IReadOnlyList<float> weights, float bias)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputName);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentOutOfRangeException.ThrowIfZero(weights.Count);
        var w = new float[weights.Count];
        for (int j = 0; j < w.Length; j++)
        {
            w[j] = weights[j];
        }

        var graph = new GraphProto { Name = "LinearRegression" };
        graph.Input.Add(Value(inputName, TensorProto.Types.DataType.Float, w.Length));
        graph.Initializer.Add(OnnxTensor.FromFloats(WeightName, w, [1, w.Length]));
        graph.Initializer.Add(OnnxTensor.FromFloats(BiasName, [bias], [1]));
        graph.Initializer.Add(OnnxTensor.FromInt64s(ShapeName, [-1], [1]));
        var gemm = Node("Gemm", "linear", [inputName, WeightName, BiasName], LinearName);
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        graph.Node.Add(Node("Reshape", "score", [LinearName, ShapeName], "Score"));
        graph.Output.Add(Value("Score", TensorProto.Types.DataType.Float));
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Microsoft.ML.Pruning",
            ProducerVersion = typeof(LinearGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return OnnxModel.FromProto(model);
    }

    private static NodeProto Node(string op, string name, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    /// <summary>A tensor value info whose first dimension is the symbolic batch "N".</summary>
    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in dims)
        {
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        }

        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
