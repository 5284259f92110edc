using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

using Microsoft.ML.Pruning.Structured;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>How far one output of two models is apart on the same inputs.</summary>
/// <param name="Output">The output's name.</param>
/// <param name="MaxAbsDifference">The largest |a − b| over every element of every run (+∞ when the shapes differ).</param>
/// <param name="LargestValue">The largest |a| seen, for scale.</param>
/// <param name="WithinTolerance">Whether <paramref name="MaxAbsDifference"/> is at most the tolerance.</param>
/// <param name="Note">Why the output could not be compared element by element, or null.</param>
internal sealed record OutputDifference(string Output, double MaxAbsDifference, double LargestValue, bool WithinTolerance, string? Note);

/// <summary>
/// Runs two models in ONNX Runtime on the same inputs and measures the largest difference per output. Inputs are data rows (the
/// feature vectors of the models' one data input), or seeded random values as the library's latency measurement makes them: floats
/// uniform in [−1, 1); integer inputs all ones when the name contains "mask", zeros when it contains "type" or "segment", else ids in [1, 100).
/// </summary>
internal static class ModelComparison
{
    /// <summary>Compares every output of <paramref name="a"/> that <paramref name="b"/> has too, over <paramref name="rows"/> rows.</summary>
    /// <param name="a">The first model's bytes.</param>
    /// <param name="b">The second model's bytes.</param>
    /// <param name="rows">Rows to run.</param>
    /// <param name="features">Data rows for <paramref name="input"/> (null: random inputs).</param>
    /// <param name="input">The input the data feeds.</param>
    /// <param name="rowShape">That input's per-row shape.</param>
    /// <param name="tolerance">The largest allowed |a − b|.</param>
    /// <param name="seed">Seed of the random inputs.</param>
    /// <exception cref="InvalidDataException">The models share no output, or the data cannot feed them.</exception>
    public static IReadOnlyList<OutputDifference> Compare(byte[] a, byte[] b, int rows, float[][]? features, string? input, long[]? rowShape, double tolerance, int seed)
    {
        using var options = new SessionOptions { LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL };
        using var first = new InferenceSession(a, options);
        using var second = new InferenceSession(b, options);
        string[] outputs = [.. first.OutputMetadata.Keys.Where(second.OutputMetadata.ContainsKey)];
        if (outputs.Length == 0)
            throw new InvalidDataException($"The models share no output (first: {string.Join(", ", first.OutputMetadata.Keys)}; second: {string.Join(", ", second.OutputMetadata.Keys)}).");
        string[] inputs = [.. first.InputMetadata.Keys];
        if (features is not null && (inputs.Length != 1 || inputs[0] != input))
            throw new InvalidDataException($"Data rows feed input '{input}', but the first model takes {string.Join(", ", inputs)}; compare on random inputs (no --data).");
        int fixedBatch = inputs.Select(n => first.InputMetadata[n].Dimensions).Where(d => d.Length > 0 && d[0] > 0).Select(d => d[0]).FirstOrDefault();
        int batch = fixedBatch > 0 ? fixedBatch : rows;
        var differences = outputs.ToDictionary(o => o, o => (Max: 0.0, Largest: 0.0, Note: (string?)null), StringComparer.Ordinal);
        var random = new Random(seed);
        using var run = new RunOptions();
        for (int start = 0; start < rows; start += batch)
        {
            int count = Math.Min(batch, rows - start);
            if (fixedBatch > 0) count = fixedBatch;
            var values = new OrtValue[inputs.Length];
            try
            {
                for (int i = 0; i < inputs.Length; i++)
                    values[i] = features is null ? RandomInput(inputs[i], first.InputMetadata[inputs[i]], count, random) : DataInput(features, start, count, rowShape!);
                using var left = first.Run(run, inputs, values, outputs);
                using var right = second.Run(run, inputs, values, outputs);
                for (int o = 0; o < outputs.Length; o++)
                {
                    var d = differences[outputs[o]];
                    if (d.Note is not null) continue;
                    var (max, largest, note) = Difference(left[o], right[o]);
                    differences[outputs[o]] = (Math.Max(d.Max, max), Math.Max(d.Largest, largest), note);
                }
            }
            finally
            {
                foreach (var value in values) value?.Dispose();
            }
            if (features is not null && start + count >= features.Length) break;
        }
        return [.. outputs.Select(o =>
        {
            var d = differences[o];
            return new OutputDifference(o, d.Max, d.Largest, d.Note is null && d.Max <= tolerance, d.Note);
        })];
    }

    private static (double Max, double Largest, string? Note) Difference(OrtValue a, OrtValue b)
    {
        if (!a.IsTensor || !b.IsTensor) return (double.PositiveInfinity, 0, "not a tensor; not compared");
        var ta = a.GetTensorTypeAndShape();
        var tb = b.GetTensorTypeAndShape();
        if (!ta.Shape.SequenceEqual(tb.Shape) || ta.ElementDataType != tb.ElementDataType)
            return (double.PositiveInfinity, 0, $"shapes differ: {ta.ElementDataType} [{string.Join(", ", ta.Shape)}] vs {tb.ElementDataType} [{string.Join(", ", tb.Shape)}]");
        double[] x = Values(a, ta.ElementDataType), y = Values(b, tb.ElementDataType);
        double max = 0, largest = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double diff = x[i] == y[i] || (double.IsNaN(x[i]) && double.IsNaN(y[i])) ? 0 : Math.Abs(x[i] - y[i]);
            if (double.IsNaN(diff)) diff = double.PositiveInfinity;
            max = Math.Max(max, diff);
            largest = Math.Max(largest, Math.Abs(x[i]));
        }
        return (max, largest, null);
    }

    private static double[] Values(OrtValue value, TensorElementType type) => type switch
    {
        TensorElementType.Float => Array.ConvertAll(value.GetTensorDataAsSpan<float>().ToArray(), v => (double)v),
        TensorElementType.Double => value.GetTensorDataAsSpan<double>().ToArray(),
        TensorElementType.Int64 => Array.ConvertAll(value.GetTensorDataAsSpan<long>().ToArray(), v => (double)v),
        TensorElementType.Int32 => Array.ConvertAll(value.GetTensorDataAsSpan<int>().ToArray(), v => (double)v),
        TensorElementType.UInt32 => Array.ConvertAll(value.GetTensorDataAsSpan<uint>().ToArray(), v => (double)v),
        TensorElementType.Bool => Array.ConvertAll(value.GetTensorDataAsSpan<bool>().ToArray(), v => v ? 1.0 : 0.0),
        _ => throw new InvalidDataException($"Output element type {type} is not compared (float, double, int64, int32, uint32, bool are)."),
    };

    private static OrtValue DataInput(float[][] features, int start, int count, long[] rowShape)
    {
        count = Math.Min(count, features.Length - start);
        int width = features[0].Length;
        var values = new float[count * width];
        for (int r = 0; r < count; r++) features[start + r].CopyTo(values, r * width);
        return OrtValue.CreateTensorValueFromMemory(values, [count, .. rowShape]);
    }

    private static OrtValue RandomInput(string name, NodeMetadata metadata, int batch, Random random)
    {
        long[] shape = Array.ConvertAll(metadata.Dimensions, d => (long)d);
        if (shape.Length > 0) shape[0] = batch;
        for (int axis = 1; axis < shape.Length; axis++)
            if (shape[axis] <= 0)
                throw new InvalidDataException($"Input '{name}' has a symbolic dimension at axis {axis}; compare on --data rows instead of random inputs.");
        try
        {
            return OrtLatency.RandomInput(name, metadata, shape, random);
        }
        catch (NotSupportedException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
    }
}
