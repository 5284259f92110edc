using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Stages;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// The concrete shape of every value of a model (graph inputs, initializers, every node output), learned by running
/// the model once in ONNX Runtime on zeros: declared shapes of exported graphs are often symbolic or missing, and the
/// dependency analysis needs numbers (which axis carries the channels, how many features a Flatten makes of them).
/// </summary>
/// <example>
/// <code>
/// var shapes = ValueShapes.Infer(model, new Dictionary&lt;string, int[]&gt; { ["input_ids"] = [1, 16] });
/// long[] hidden = shapes["last_hidden_state"]; // [1, 16, 384]
/// </code>
/// </example>
public static class ValueShapes
{
    /// <summary>
    /// Runs a copy of <paramref name="model"/> (every node output added as a graph output) once on zero inputs and
    /// returns the shape of every value. Inputs are FLOAT/DOUBLE zeros, INT64/INT32 zeros (ones for an input whose name
    /// contains "mask", such as a BERT attention_mask), BOOL false. An input's shape is <paramref name="inputShapes"/>'
    /// entry when there is one (the whole shape); otherwise its declared shape, where a symbolic or unknown dimension
    /// is <paramref name="batch"/> on the first axis and 1 on the others.
    /// </summary>
    /// <param name="model">The model (not modified).</param>
    /// <param name="inputShapes">Whole shapes for some inputs (e.g. a sequence length for token inputs).</param>
    /// <param name="batch">The size given to a symbolic first dimension.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> is not positive, or an input shape has a non-positive dimension.</exception>
    /// <exception cref="NotSupportedException">An input has an element type other than FLOAT, DOUBLE, INT64, INT32 or BOOL.</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime cannot run the model on these zeros (the message names the shapes fed).</exception>
    public static IReadOnlyDictionary<string, long[]> Infer(OnnxModel model, IReadOnlyDictionary<string, int[]>? inputShapes = null, int batch = 1)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        var graph = model.Graph;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var init in graph.Initializer) shapes[init.Name] = [.. init.Dims];
        foreach (var sparse in graph.SparseInitializer)
            if (sparse.Values is { } values) shapes[values.Name] = [.. sparse.Dims];
        // A Constant's shape is its tensor's (a compact model's sparse_value weights included): not asked of ONNX Runtime, which
        // cannot return a sparse constant of more than two dimensions as an output.
        foreach (var node in graph.Node)
            if (node.OpType == "Constant" && node.Output.Count == 1 && node.Attribute.FirstOrDefault(a => a.Name is "value" or "sparse_value") is { } value)
                shapes[node.Output[0]] = value.Name == "value" ? [.. value.T.Dims] : [.. value.SparseTensor.Dims];

        var copy = model.Clone();
        var outputs = new List<string>();
        var listed = new HashSet<string>(copy.Graph.Output.Select(o => o.Name), StringComparer.Ordinal);
        foreach (var node in copy.Graph.Node)
            foreach (string output in node.Output)
            {
                if (output.Length == 0 || shapes.ContainsKey(output)) continue;
                outputs.Add(output);
                // No type: ONNX Runtime infers it (a declared FLOAT would be wrong for shape tensors and masks).
                if (listed.Add(output)) copy.Graph.Output.Add(new ValueInfoProto { Name = output });
            }

        var feeds = new List<(string Name, OrtValue Value, long[] Shape)>();
        try
        {
            foreach (var input in graph.Input)
            {
                if (shapes.ContainsKey(input.Name)) continue; // an IR < 4 graph lists its initializers as inputs
                long[] shape = InputShape(input, inputShapes, batch);
                feeds.Add((input.Name, ZeroInput(input, shape), shape));
                shapes[input.Name] = shape;
            }
            using var options = ModelProbe.QuietOptions();
            using var session = CreateSession(copy, options, feeds);
            using var run = new RunOptions();
            string[] names = [.. outputs.Distinct(StringComparer.Ordinal)];
            using var results = session.Run(run, feeds.Select(f => f.Name).ToArray(), feeds.Select(f => f.Value).ToArray(), names);
            for (int i = 0; i < names.Length; i++)
                if (results[i].OnnxType == OnnxValueType.ONNX_TYPE_TENSOR)
                    shapes[names[i]] = results[i].GetTensorTypeAndShape().Shape;
            return shapes;
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidOperationException(
                $"ONNX Runtime cannot run the model on zero inputs {Describe(feeds)} to learn its value shapes: {ex.Message}", ex);
        }
        finally
        {
            foreach (var feed in feeds) feed.Value.Dispose();
        }
    }

    private static InferenceSession CreateSession(OnnxModel copy, SessionOptions options, List<(string Name, OrtValue Value, long[] Shape)> feeds)
    {
        try
        {
            return new InferenceSession(copy.ToBytes(), options);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new InvalidOperationException($"ONNX Runtime cannot load the model to learn its value shapes (inputs {Describe(feeds)}): {ex.Message}", ex);
        }
    }

    private static string Describe(List<(string Name, OrtValue Value, long[] Shape)> feeds) =>
        string.Join(", ", feeds.Select(f => $"{f.Name} [{string.Join(", ", f.Shape)}]"));

    private static long[] InputShape(ValueInfoProto input, IReadOnlyDictionary<string, int[]>? inputShapes, int batch)
    {
        if (inputShapes is not null && inputShapes.TryGetValue(input.Name, out var given))
        {
            foreach (int d in given)
                if (d < 1) throw new ArgumentOutOfRangeException(nameof(inputShapes), $"Input '{input.Name}' is given the shape [{string.Join(", ", given)}]; every dimension must be positive.");
            return Array.ConvertAll(given, d => (long)d);
        }
        var dims = input.Type?.TensorType?.Shape?.Dim
            ?? throw new InvalidDataException($"Input '{input.Name}' declares no tensor shape; give its shape in inputShapes.");
        var shape = new long[dims.Count];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = dims[i].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dims[i].DimValue > 0
                ? dims[i].DimValue
                : i == 0 ? batch : 1;
        return shape;
    }

    private static OrtValue ZeroInput(ValueInfoProto input, long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        bool mask = input.Name.Contains("mask", StringComparison.OrdinalIgnoreCase);
        return (TensorProto.Types.DataType)(input.Type?.TensorType?.ElemType ?? 0) switch
        {
            TensorProto.Types.DataType.Float => OrtValue.CreateTensorValueFromMemory(new float[count], shape),
            TensorProto.Types.DataType.Double => OrtValue.CreateTensorValueFromMemory(new double[count], shape),
            TensorProto.Types.DataType.Int64 => OrtValue.CreateTensorValueFromMemory(Filled(count, mask ? 1L : 0L), shape),
            TensorProto.Types.DataType.Int32 => OrtValue.CreateTensorValueFromMemory(Filled(count, mask ? 1 : 0), shape),
            TensorProto.Types.DataType.Bool => OrtValue.CreateTensorValueFromMemory(new bool[count], shape),
            var other => throw new NotSupportedException($"Input '{input.Name}' has element type {other}; shape inference feeds FLOAT, DOUBLE, INT64, INT32 or BOOL zeros."),
        };
    }

    private static T[] Filled<T>(long count, T value)
    {
        var values = new T[count];
        Array.Fill(values, value);
        return values;
    }
}
