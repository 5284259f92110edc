using System.Globalization;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>ONNX Runtime CPU latency of one model at one batch size: the median and spread of timed runs (<see cref="OrtLatency.Measure(byte[], int, int, int, System.Collections.Generic.IDictionary{string, int[]}, int?, int)"/>).</summary>
/// <param name="Batch">Rows per run.</param>
/// <param name="MedianMilliseconds">The median wall time of one run, in milliseconds.</param>
/// <param name="P10Milliseconds">The 10th percentile (linear interpolation between the sorted runs).</param>
/// <param name="P90Milliseconds">The 90th percentile.</param>
/// <param name="Repeats">Timed runs.</param>
/// <param name="IntraOpThreads">ONNX Runtime intra-op threads the session used.</param>
public sealed record LatencyMeasurement(int Batch, double MedianMilliseconds, double P10Milliseconds, double P90Milliseconds, int Repeats, int IntraOpThreads)
{
    /// <summary>E.g. "batch 32: 12.34 ms median (p10 12.01, p90 13.10; 20 runs, 2 threads)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"batch {Batch}: {MedianMilliseconds:F2} ms median (p10 {P10Milliseconds:F2}, p90 {P90Milliseconds:F2}; {Repeats} runs, {IntraOpThreads} threads)");
}
