using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Measures how long ONNX Runtime takes to run a model on the CPU, as a user's session would (all graph optimizations),
/// on seeded random inputs of the model's declared shapes with the batch dimension set: FLOAT/DOUBLE values uniform in
/// [−1, 1); INT64/INT32 inputs whose name contains "mask" all ones, "type" or "segment" (BERT's token_type_ids) all zeros,
/// other integer inputs token ids uniform in [1, 100); BOOL inputs true. Input values do not change the work these
/// models do, so the latency is that of real data.
/// </summary>
/// <example>
/// <code>
/// var dense = OrtLatency.Measure(File.ReadAllBytes("model.onnx"), batch: 32, warmup: 3, repeats: 20,
///     inputShapes: new Dictionary&lt;string, int[]&gt; { ["input_ids"] = [32, 128], ["attention_mask"] = [32, 128], ["token_type_ids"] = [32, 128] });
/// Console.WriteLine(dense); // batch 32: 412.00 ms median (p10 405.13, p90 431.80; 20 runs, 2 threads)
/// </code>
/// </example>
public static class OrtLatency
{
    /// <summary>Integer inputs that are neither masks nor token types get ids below this.</summary>
    private const int TokenIdLimit = 100;

    /// <summary>Measures with <paramref name="options"/>' warm-up, repeats and threads.</summary>
    /// <inheritdoc cref="Measure(byte[], int, int, int, IDictionary{string, int[]}, int?, int)"/>
    public static LatencyMeasurement Measure(byte[] onnxModel, int batch, StructuredOptions options, IDictionary<string, int[]>? inputShapes = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        return Measure(onnxModel, batch, options.LatencyWarmup, options.LatencyRepeats, inputShapes, options.LatencyIntraOpThreads, seed);
    }

    /// <summary>Runs <paramref name="onnxModel"/> <paramref name="warmup"/> times untimed, then <paramref name="repeats"/> times timed.</summary>
    /// <param name="onnxModel">The serialized model.</param>
    /// <param name="batch">Rows per run: the first dimension of every input of rank ≥ 1 (symbolic, or fixed at this value).</param>
    /// <param name="warmup">Untimed runs first, at least 0.</param>
    /// <param name="repeats">Timed runs, at least 1.</param>
    /// <param name="inputShapes">
    /// Full shapes for inputs whose declared shape has symbolic dimensions after the first (a sequence length), as
    /// <c>ApplyOnnxModel</c>'s <c>shapeDictionary</c>; their first dimension is replaced by <paramref name="batch"/>.
    /// </param>
    /// <param name="intraOpThreads">ONNX Runtime intra-op threads; null uses one per logical core.</param>
    /// <param name="seed">Seed of the random inputs.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is out of range, or the model fixes its batch dimension at another size.</exception>
    /// <exception cref="ArgumentException">An input has a symbolic dimension after the first and no entry in <paramref name="inputShapes"/>.</exception>
    /// <exception cref="NotSupportedException">An input is not a tensor of FLOAT, DOUBLE, INT64, INT32 or BOOL.</exception>
    /// <exception cref="InvalidOperationException">ONNX Runtime fails to run the model; the message gives the shapes fed.</exception>
    public static LatencyMeasurement Measure(byte[] onnxModel, int batch, int warmup, int repeats, IDictionary<string, int[]>? inputShapes = null,
        int? intraOpThreads = null, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(onnxModel);
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        if (intraOpThreads is < 1) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), intraOpThreads, "Intra-op threads must be at least 1, or null for one per core.");
        int threads = intraOpThreads ?? Environment.ProcessorCount;

        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            IntraOpNumThreads = threads,
        };
        using var session = new InferenceSession(onnxModel, options);
        var random = new Random(seed);
        string[] names = [.. session.InputMetadata.Keys];
        var shapes = new long[names.Length][];
        var values = new OrtValue[names.Length];
        try
        {
            for (int i = 0; i < names.Length; i++)
            {
                var metadata = session.InputMetadata[names[i]];
                shapes[i] = InputShape(names[i], metadata, batch, inputShapes);
                values[i] = RandomInput(names[i], metadata, shapes[i], random);
            }
            string[] outputs = [.. session.OutputMetadata.Keys];
            using var run = new RunOptions();
            var times = new double[repeats];
            for (int r = -warmup; r < repeats; r++)
            {
                long start = Stopwatch.GetTimestamp();
                RunOnce(session, run, names, values, outputs, shapes);
                if (r >= 0) times[r] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            }
            Array.Sort(times);
            return new LatencyMeasurement(batch, Percentile(times, 0.5), Percentile(times, 0.1), Percentile(times, 0.9), repeats, threads);
        }
        finally
        {
            foreach (var value in values) value?.Dispose();
        }
    }

    private static void RunOnce(InferenceSession session, RunOptions run, string[] names, OrtValue[] values, string[] outputs, long[][] shapes)
    {
        try
        {
            using var results = session.Run(run, names, values, outputs);
        }
        catch (OnnxRuntimeException ex)
        {
            string fed = string.Join("; ", names.Select((n, i) => $"'{n}' [{string.Join(", ", shapes[i])}]"));
            throw new InvalidOperationException($"ONNX Runtime does not run the model on inputs {fed}. ONNX Runtime says: {ex.Message}", ex);
        }
    }

    /// <summary>The shape fed to an input: declared (or given), the first dimension set to <paramref name="batch"/>.</summary>
    private static long[] InputShape(string name, NodeMetadata metadata, int batch, IDictionary<string, int[]>? inputShapes)
    {
        if (!metadata.IsTensor) throw new NotSupportedException($"Input '{name}' is not a tensor; latency is measured on tensor inputs only.");
        int[] declared = metadata.Dimensions;
        long[] shape;
        if (inputShapes is not null && inputShapes.TryGetValue(name, out var given))
        {
            if (declared.Length > 0 && given.Length != declared.Length)
                throw new ArgumentException($"The shape given for input '{name}' has rank {given.Length}; the model declares rank {declared.Length}.", nameof(inputShapes));
            shape = Array.ConvertAll(given, d => (long)d);
        }
        else
        {
            shape = Array.ConvertAll(declared, d => (long)d);
        }
        if (shape.Length == 0) return shape;
        if (declared.Length > 0 && declared[0] > 0 && declared[0] != batch)
            throw new ArgumentOutOfRangeException(nameof(batch), batch,
                $"Input '{name}' fixes its batch dimension at {declared[0]}; make it dynamic first (structured export does, by default) to measure batch {batch}.");
        shape[0] = batch;
        for (int axis = 1; axis < shape.Length; axis++)
            if (shape[axis] <= 0)
                throw new ArgumentException(
                    $"Input '{name}' has a symbolic dimension '{metadata.SymbolicDimensions.ElementAtOrDefault(axis)}' at axis {axis}; give its full shape in inputShapes.", nameof(inputShapes));
        return shape;
    }

    /// <summary>
    /// A random input of <paramref name="shape"/>: floats in [−1, 1), masks all 1, token types 0, other integers ids below 100,
    /// booleans true. Also the CLI's <c>verify</c> without data.
    /// </summary>
    internal static OrtValue RandomInput(string name, NodeMetadata metadata, long[] shape, Random random)
    {
        long count = 1;
        foreach (long d in shape) count = checked(count * d);
        bool mask = name.Contains("mask", StringComparison.OrdinalIgnoreCase);
        bool tokenType = name.Contains("type", StringComparison.OrdinalIgnoreCase) || name.Contains("segment", StringComparison.OrdinalIgnoreCase);
        long Integer() => mask ? 1 : tokenType ? 0 : random.Next(1, TokenIdLimit);
        switch (metadata.ElementDataType)
        {
            case TensorElementType.Float:
                var floats = new float[count];
                for (long i = 0; i < count; i++) floats[i] = (float)(random.NextDouble() * 2 - 1);
                return OrtValue.CreateTensorValueFromMemory(floats, shape);
            case TensorElementType.Double:
                var doubles = new double[count];
                for (long i = 0; i < count; i++) doubles[i] = random.NextDouble() * 2 - 1;
                return OrtValue.CreateTensorValueFromMemory(doubles, shape);
            case TensorElementType.Int64:
                var longs = new long[count];
                for (long i = 0; i < count; i++) longs[i] = Integer();
                return OrtValue.CreateTensorValueFromMemory(longs, shape);
            case TensorElementType.Int32:
                var ints = new int[count];
                for (long i = 0; i < count; i++) ints[i] = (int)Integer();
                return OrtValue.CreateTensorValueFromMemory(ints, shape);
            case TensorElementType.Bool:
                var bools = new bool[count];
                Array.Fill(bools, true);
                return OrtValue.CreateTensorValueFromMemory(bools, shape);
            default:
                throw new NotSupportedException($"Input '{name}' is {metadata.ElementDataType}; random inputs are FLOAT, DOUBLE, INT64, INT32 or BOOL.");
        }
    }

    /// <summary>The <paramref name="fraction"/> quantile of sorted values, interpolating linearly between neighbours.</summary>
    private static double Percentile(double[] sorted, double fraction)
    {
        double position = fraction * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
    }
}
