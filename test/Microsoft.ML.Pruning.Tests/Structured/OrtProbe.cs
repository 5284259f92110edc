using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>
/// Runs a model in ONNX Runtime with chosen (or all) node outputs fetched, for the structured-pruning tests: the concrete
/// shape of every value (what the analyses take), and the values of intermediate tensors.
/// </summary>
internal static class OrtProbe
{
    /// <summary>The shape of every graph input and node output when the model runs on <paramref name="feeds"/>.</summary>
    public static Dictionary<string, long[]> Shapes(OnnxModel model, IReadOnlyList<NamedOnnxValue> feeds)
    {
        var outputs = model.Graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0).Distinct().ToArray();
        var shapes = Run(model, feeds, outputs).ToDictionary(r => r.Key, r => r.Value.Shape);
        foreach (var feed in feeds) shapes[feed.Name] = ShapeOf(feed.Value);
        return shapes;
    }

    /// <summary>The values (FLOAT or INT64, as doubles) and shapes of <paramref name="outputs"/>, added as graph outputs on a copy of the model.</summary>
    public static Dictionary<string, (double[] Values, long[] Shape)> Run(OnnxModel model, IReadOnlyList<NamedOnnxValue> feeds, IReadOnlyList<string> outputs)
    {
        var copy = model.Clone();
        var types = ElementTypes(copy);
        foreach (string name in outputs)
        {
            if (copy.IsGraphOutput(name)) continue;
            copy.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = types.GetValueOrDefault(name, (int)TensorProto.Types.DataType.Float) } },
            });
        }
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        using var session = new InferenceSession(copy.ToBytes(), options);
        using var results = session.Run(feeds, outputs);
        var values = new Dictionary<string, (double[], long[])>(StringComparer.Ordinal);
        foreach (var result in results)
        {
            values[result.Name] = result.Value switch
            {
                Tensor<float> f => (f.Select(x => (double)x).ToArray(), Dims(f.Dimensions)),
                Tensor<long> l => (l.Select(x => (double)x).ToArray(), Dims(l.Dimensions)),
                var other => throw new NotSupportedException($"'{result.Name}' is a {other?.GetType().Name}"),
            };
        }
        return values;
    }

    private static long[] ShapeOf(object value) => value switch
    {
        Tensor<float> f => Dims(f.Dimensions),
        Tensor<long> l => Dims(l.Dimensions),
        _ => throw new NotSupportedException(value.GetType().Name),
    };

    private static long[] Dims(ReadOnlySpan<int> dims)
    {
        var result = new long[dims.Length];
        for (int i = 0; i < dims.Length; i++) result[i] = dims[i];
        return result;
    }

    // Element type of every value, propagated in graph order (enough for the exported transformer graphs used here).
    private static Dictionary<string, int> ElementTypes(OnnxModel model)
    {
        var graph = model.Graph;
        var types = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var input in graph.Input) types[input.Name] = input.Type.TensorType.ElemType;
        foreach (var tensor in graph.Initializer) types[tensor.Name] = tensor.DataType;
        foreach (var node in graph.Node)
        {
            int type = node.OpType switch
            {
                "Shape" => (int)TensorProto.Types.DataType.Int64,
                "Constant" => node.Attribute.First(a => a.Name == "value").T.DataType,
                "Cast" => (int)node.Attribute.First(a => a.Name == "to").I,
                _ => node.Input.Count > 0 && types.TryGetValue(node.Input[0], out int first) ? first : (int)TensorProto.Types.DataType.Float,
            };
            foreach (string output in node.Output) types[output] = type;
        }
        return types;
    }
}
