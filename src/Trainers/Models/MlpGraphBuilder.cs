using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Trainers.Models;

/// <summary>
/// Builds a multilayer perceptron as an ONNX graph (Gemm + activation per layer, then a task head), with
/// initial weights drawn like PyTorch's <c>nn.Linear</c> (uniform in ±1/√fan_in). The result is the model the
/// trainers train on the Torch engine and the file they export.
/// </summary>
public static class MlpGraphBuilder
{
    /// <summary>Name of the pre-head tensor (logits, or the regression value) trained against the loss.</summary>
    public const string LogitsName = "Logits";

    /// <summary>Opset the graph is written for.</summary>
    public const int Opset = 13;

    /// <summary>Builds the graph.</summary>
    /// <param name="inputName">Name of the features input (the ML.NET column it is fed from).</param>
    /// <param name="inputSize">Features per row.</param>
    /// <param name="hiddenLayers">Units per hidden layer (may be empty).</param>
    /// <param name="outputSize">Classes for <see cref="MlpHead.Multiclass"/>; 1 otherwise.</param>
    /// <param name="activation">Hidden activation.</param>
    /// <param name="head">Task head.</param>
    /// <param name="seed">Seed for the initial weights.</param>
    public static OnnxModel Build(string inputName, int inputSize, IReadOnlyList<int> hiddenLayers, int outputSize, MlpActivation activation, MlpHead head, int seed)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputName);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentNullException.ThrowIfNull(hiddenLayers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputSize);
        for (int i = 0; i < hiddenLayers.Count; i++)
            if (hiddenLayers[i] <= 0)
                throw new ArgumentOutOfRangeException(nameof(hiddenLayers), hiddenLayers[i], $"Hidden layer {i} must have at least one unit.");
        if (head != MlpHead.Multiclass && outputSize != 1)
            throw new ArgumentOutOfRangeException(nameof(outputSize), outputSize, $"A {head} head has one output.");

        var random = new Random(seed);
        var graph = new GraphProto { Name = "SparseMlp" };
        graph.Input.Add(TensorValue(inputName, TensorProto.Types.DataType.Float, inputSize));
        string current = inputName;
        int fanIn = inputSize;
        int layers = hiddenLayers.Count + 1;
        for (int layer = 0; layer < layers; layer++)
        {
            bool last = layer == layers - 1;
            int units = last ? outputSize : hiddenLayers[layer];
            string weight = $"fc{layer + 1}.weight", bias = $"fc{layer + 1}.bias";
            graph.Initializer.Add(OnnxTensor.FromFloats(weight, Uniform(random, units * fanIn, fanIn), [units, fanIn]));
            graph.Initializer.Add(OnnxTensor.FromFloats(bias, Uniform(random, units, fanIn), [units]));
            string output = last ? LogitsName : $"fc{layer + 1}";
            var gemm = Node("Gemm", $"fc{layer + 1}", [current, weight, bias], [output]);
            gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
            graph.Node.Add(gemm);
            current = output;
            if (!last)
            {
                string activated = $"act{layer + 1}";
                graph.Node.Add(Activation(activation, $"act{layer + 1}", current, activated));
                current = activated;
            }
            fanIn = units;
        }
        AddHead(graph, head, outputSize);
        var model = new ModelProto
        {
            IrVersion = 8,
            ProducerName = "Microsoft.ML.Pruning",
            ProducerVersion = typeof(MlpGraphBuilder).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return OnnxModel.FromProto(model);
    }

    private static void AddHead(GraphProto graph, MlpHead head, int outputSize)
    {
        switch (head)
        {
            case MlpHead.Multiclass:
                graph.Node.Add(WithInt(Node("Softmax", "score", [LogitsName], ["Score"]), "axis", 1));
                graph.Node.Add(WithInt(WithInt(Node("ArgMax", "argmax", ["Score"], ["PredictedIndex"]), "axis", 1), "keepdims", 0));
                graph.Node.Add(WithInt(Node("Cast", "predicted_label", ["PredictedIndex"], ["PredictedLabel"]), "to", (int)TensorProto.Types.DataType.Uint32));
                graph.Output.Add(TensorValue("Score", TensorProto.Types.DataType.Float, outputSize));
                graph.Output.Add(TensorValue("PredictedLabel", TensorProto.Types.DataType.Uint32));
                break;
            case MlpHead.Binary:
                graph.Initializer.Add(OnnxTensor.FromInt64s("flat_shape", [-1], [1]));
                graph.Initializer.Add(OnnxTensor.FromFloats("zero", [0f], []));
                graph.Node.Add(Node("Reshape", "score", [LogitsName, "flat_shape"], ["Score"]));
                graph.Node.Add(Node("Sigmoid", "probability", ["Score"], ["Probability"]));
                graph.Node.Add(Node("Greater", "predicted_label", ["Score", "zero"], ["PredictedLabel"]));
                graph.Output.Add(TensorValue("Score", TensorProto.Types.DataType.Float));
                graph.Output.Add(TensorValue("Probability", TensorProto.Types.DataType.Float));
                graph.Output.Add(TensorValue("PredictedLabel", TensorProto.Types.DataType.Bool));
                break;
            case MlpHead.Regression:
                graph.Initializer.Add(OnnxTensor.FromInt64s("flat_shape", [-1], [1]));
                graph.Node.Add(Node("Reshape", "score", [LogitsName, "flat_shape"], ["Score"]));
                graph.Output.Add(TensorValue("Score", TensorProto.Types.DataType.Float));
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(head), head, "Unknown head.");
        }
    }

    private static NodeProto Activation(MlpActivation activation, string name, string input, string output) => activation switch
    {
        MlpActivation.Relu => Node("Relu", name, [input], [output]),
        MlpActivation.LeakyRelu => Node("LeakyRelu", name, [input], [output]),
        MlpActivation.Tanh => Node("Tanh", name, [input], [output]),
        MlpActivation.Sigmoid => Node("Sigmoid", name, [input], [output]),
        _ => throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation."),
    };

    private static float[] Uniform(Random random, int count, int fanIn)
    {
        float bound = 1f / MathF.Sqrt(fanIn);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * bound;
        return values;
    }

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = name };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static NodeProto WithInt(NodeProto node, string name, long value)
    {
        node.Attribute.Add(new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value });
        return node;
    }

    /// <summary>A tensor value info whose first dimension is the symbolic batch "N".</summary>
    internal static ValueInfoProto TensorValue(string name, TensorProto.Types.DataType type, params int[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (int d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }
}
