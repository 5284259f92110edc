using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Stages;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>
/// Small models and helpers for the structured cost, latency and verification tests: value shapes by running ONNX
/// Runtime once with every node output fetched (a test stand-in for <c>ValueShapes.Infer</c>), declared input shapes,
/// and seeded batches.
/// </summary>
internal static class StructuredTestModels
{
    /// <summary>
    /// The shape of every graph input fed and of every input and output of the Conv/ConvTranspose/Gemm/MatMul nodes, from one
    /// ONNX Runtime run on <paramref name="feeds"/> (float[] or long[] values): those tensors (FLOAT, as layers read and
    /// write) are added as graph outputs on a copy. A test stand-in for <c>ValueShapes.Infer</c>.
    /// </summary>
    public static Dictionary<string, long[]> InferShapes(OnnxModel model, IReadOnlyDictionary<string, (Array Values, long[] Shape)> feeds)
    {
        var copy = model.Clone();
        var initializers = new HashSet<string>(copy.Graph.Initializer.Select(i => i.Name));
        var layerTensors = copy.Graph.Node.Where(n => n.OpType is "Conv" or "ConvTranspose" or "Gemm" or "MatMul")
            .SelectMany(n => n.Input.Concat(n.Output))
            .Where(t => t.Length > 0 && !initializers.Contains(t) && !feeds.ContainsKey(t) && !copy.IsGraphOutput(t))
            .Distinct().ToList();
        foreach (string tensor in layerTensors) copy.Graph.Output.Add(Value(tensor, Float));
        string[] fetched = [.. copy.Graph.Output.Select(o => o.Name)];
        using var session = new InferenceSession(copy.ToBytes());
        using var run = new RunOptions();
        string[] names = [.. feeds.Keys];
        var inputs = names.Select(n => feeds[n].Values switch
        {
            float[] f => OrtValue.CreateTensorValueFromMemory(f, feeds[n].Shape),
            long[] l => OrtValue.CreateTensorValueFromMemory(l, feeds[n].Shape),
            _ => throw new ArgumentException($"Feed '{n}' is neither float[] nor long[]."),
        }).ToArray();
        try
        {
            using var results = session.Run(run, names, inputs, fetched);
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            foreach (string name in names) shapes[name] = feeds[name].Shape;
            for (int i = 0; i < fetched.Length; i++) shapes[fetched[i]] = results[i].GetTensorTypeAndShape().Shape;
            return shapes;
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    /// <summary>Declares the shape of graph input <paramref name="input"/> (null dimensions symbolic, named "N", "S", …) and its element type.</summary>
    public static OnnxModel WithInputShape(OnnxModel model, string input, long?[] dims, int elementType = Float)
    {
        var info = model.Graph.Input.Single(i => i.Name == input);
        var shape = new TensorShapeProto();
        string[] symbols = ["N", "S", "T", "U"];
        int symbolic = 0;
        foreach (long? dim in dims)
            shape.Dim.Add(dim is long d ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension { DimParam = symbols[symbolic++] });
        info.Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } };
        return model;
    }

    /// <summary>Seeded batches of one FLOAT input <paramref name="input"/> of <paramref name="features"/> per row.</summary>
    public static List<ModelInputBatch> FloatBatches(int features, int rows, int batchSize, int seed)
    {
        var random = new Random(seed);
        var batches = new List<ModelInputBatch>();
        for (int start = 0; start < rows; start += batchSize)
        {
            int size = Math.Min(batchSize, rows - start);
            var values = new float[size * features];
            for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
            batches.Add(new ModelInputBatch([values], [[size, features]], size));
        }
        return batches;
    }

    /// <summary>
    /// Conv(3→4, 3×3, pad 1) → Relu → grouped Conv(4→6, group 2, 3×3, stride 2) → Flatten → Gemm(54→5, transB 1)
    /// on X [N, 3, 8, 8] (opset 13).
    /// </summary>
    public static OnnxModel SmallCnn(int seed = 3)
    {
        var nodes = new[]
        {
            Node("Conv", ["X", "conv1.weight", "conv1.bias"], ["c1"], "conv1", Attr("kernel_shape", [3L, 3L]), Attr("pads", [1L, 1L, 1L, 1L])),
            Node("Relu", ["c1"], ["r1"], "relu1"),
            Node("Conv", ["r1", "conv2.weight"], ["c2"], "conv2", Attr("kernel_shape", [3L, 3L]), Attr("strides", [2L, 2L]), Attr("group", 2L)),
            Node("Flatten", ["c2"], ["f"], "flatten"),
            Node("Gemm", ["f", "fc.weight", "fc.bias"], ["Y"], "fc", Attr("transB", 1L)),
        };
        var initializers = new[]
        {
            Floats("conv1.weight", [4, 3, 3, 3], seed),
            Floats("conv1.bias", [4], seed + 1, 0.1f),
            Floats("conv2.weight", [6, 2, 3, 3], seed + 2),
            Floats("fc.weight", [5, 54], seed + 3),
            Floats("fc.bias", [5], seed + 4, 0.1f),
        };
        return BuildModel(13, nodes, initializers, ["X"], ["Y"]);
    }
}
