using System;
using System.Diagnostics;

namespace Microsoft.ML.Pruning.Onnx.Tests.Fuzzing;

/// <summary>What one load cost: wall time, bytes allocated on the loading thread, and how it ended.</summary>
public readonly record struct LoadCost(TimeSpan Elapsed, long AllocatedBytes, OnnxModel? Model, Exception? Error)
{
    /// <summary>Runs <paramref name="load"/> on this thread, counting its allocations (GC.GetAllocatedBytesForCurrentThread).</summary>
    public static LoadCost Measure(Func<OnnxModel> load)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        OnnxModel? model = null;
        Exception? error = null;
        try { model = load(); }
        catch (Exception ex) { error = ex; }
        watch.Stop();
        return new LoadCost(watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before, model, error);
    }

    /// <summary>Allocated bytes per byte of input.</summary>
    public double Ratio(long inputBytes) => (double)AllocatedBytes / Math.Max(1, inputBytes);

    public override string ToString() =>
        $"{Elapsed.TotalMilliseconds:F0} ms, {AllocatedBytes:N0} bytes allocated, {(Error is null ? "loaded" : $"{Error.GetType().Name}: {Shorten(Error.Message)}")}";

    /// <summary>A message cut to 300 characters: messages may quote names as long as the file.</summary>
    public static string Shorten(string text) => text.Length <= 300 ? text : $"{text[..300]}… ({text.Length:N0} characters)";
}
