using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// ONNX Runtime CPU latency of several models on the same inputs: one session per model (intra-op threads as given, one
/// inter-op thread, default graph optimizations), warm-up runs, then repetitions in which every model runs once, in an order
/// rotated each repetition so that a slow spell of the shared machine does not fall on one model; the median per model.
/// </summary>
// LEAD: Microsoft.ML.Pruning.Structured.OrtLatency (H4) measures the same for the report; once merged, compare its
// batch-1 / batch-B medians with these in one smoke run and keep this one (it times several models interleaved).
internal static class LatencyTimer
{
    /// <summary>Median seconds per run of each model, in the order given.</summary>
    /// <param name="models">The models' bytes; each must accept <paramref name="batch"/> rows (see <see cref="AnyBatch"/>).</param>
    public static double[] Medians(IReadOnlyList<byte[]> models, IReadOnlyList<InputFeed> feeds, int batch, int warmup, int repeats, int threads, int seed)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        var sessions = models.Select(m => new InferenceSession(m, options)).ToList();
        var inputs = feeds.Select((f, i) => f.Create(batch, seed + i)).ToList();
        try
        {
            string[] names = [.. feeds.Select(f => f.Name)];
            using var run = new RunOptions();
            void Once(InferenceSession session)
            {
                using var outputs = session.Run(run, names, inputs, session.OutputNames);
            }
            var samples = models.Select(_ => new Samples()).ToArray();
            for (int w = 0; w < warmup; w++)
                foreach (var session in sessions) Once(session);
            for (int r = 0; r < repeats; r++)
            {
                for (int k = 0; k < sessions.Count; k++)
                {
                    int m = (r + k) % sessions.Count;
                    var watch = Stopwatch.StartNew();
                    Once(sessions[m]);
                    samples[m].Add(watch.Elapsed.TotalSeconds);
                }
            }
            return [.. samples.Select(s => s.Median)];
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
            foreach (var session in sessions) session.Dispose();
        }
    }

    /// <summary>
    /// The model with a symbolic batch dimension on every graph input and output whose first dimension is fixed at 1, and its
    /// recorded intermediate shapes dropped; unchanged (same bytes) when no input is fixed at 1. <paramref name="changed"/> says which.
    /// </summary>
    public static byte[] AnyBatch(byte[] bytes, out bool changed)
    {
        var model = OnnxModel.Load(bytes);
        var initializers = model.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var fixedInputs = model.Graph.Input.Where(v => !initializers.Contains(v.Name) && FirstDimension(v) == 1).ToList();
        changed = fixedInputs.Count > 0;
        if (!changed) return bytes;
        foreach (var value in model.Graph.Input.Concat(model.Graph.Output))
        {
            if (!initializers.Contains(value.Name) && FirstDimension(value) == 1)
                value.Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        }
        model.Graph.ValueInfo.Clear();
        return model.ToBytes();
    }

    private static long? FirstDimension(ValueInfoProto value) =>
        value.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape && shape.Dim[0].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue
            ? shape.Dim[0].DimValue : null;
}
