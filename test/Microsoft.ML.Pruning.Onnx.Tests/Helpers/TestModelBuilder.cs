using System;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx.Tests.Helpers;

/// <summary>Builds small ONNX models in code (IR 8, opset 13: what the installed onnx checker knows).</summary>
internal sealed class TestModelBuilder
{
    private readonly ModelProto _model;
    private int _seed = 1;

    public TestModelBuilder(string graphName = "test", long irVersion = 8, long opset = 13)
    {
        _model = new ModelProto
        {
            IrVersion = irVersion,
            ProducerName = "Microsoft.ML.Pruning.Onnx.Tests",
            Graph = new GraphProto { Name = graphName },
        };
        _model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public GraphProto Graph => _model.Graph;

    public TestModelBuilder Input(string name, params long[] shape)
    {
        Graph.Input.Add(FloatValue(name, shape));
        return this;
    }

    public TestModelBuilder Output(string name, params long[] shape)
    {
        Graph.Output.Add(FloatValue(name, shape));
        return this;
    }

    /// <summary>A FLOAT initializer; seeded non-zero values when none are given.</summary>
    public TestModelBuilder Weight(string name, long[] dims, float[]? values = null)
    {
        if (values is null)
        {
            long count = 1;
            foreach (long d in dims) count *= d;
            var random = new Random(_seed++);
            values = new float[count];
            for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() + 0.1) * (random.Next(2) == 0 ? 1 : -1);
        }
        Graph.Initializer.Add(OnnxTensor.FromFloats(name, values, dims));
        return this;
    }

    public TestModelBuilder Initializer(TensorProto tensor)
    {
        Graph.Initializer.Add(tensor);
        return this;
    }

    public TestModelBuilder Node(string opType, string[] inputs, string[] outputs, string name = "", params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = opType, Name = name };
        node.Input.Add(inputs);
        node.Output.Add(outputs);
        node.Attribute.Add(attributes);
        Graph.Node.Add(node);
        return this;
    }

    public ModelProto Build() => _model;

    public byte[] ToBytes() => _model.ToByteArray();

    public static AttributeProto IntAttribute(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto IntsAttribute(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.Add(values);
        return attribute;
    }

    public static AttributeProto GraphAttribute(string name, GraphProto graph) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Graph, G = graph };

    public static ValueInfoProto FloatValue(string name, params long[] shape)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = new TensorShapeProto() };
        foreach (long d in shape)
            tensorType.Shape.Dim.Add(d < 0 ? new TensorShapeProto.Types.Dimension { DimParam = "N" } : new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }
}
