using System;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// How a structurally pruned model is checked and measured after it is written: the verification of the written file
/// against the pruned model (always on: a mismatch is an error) and, when asked, ONNX Runtime CPU latency before and
/// after. Plain and serializable (System.Text.Json); <see cref="Validate"/> checks every field in one place.
/// </summary>
/// <example>
/// <code>
/// var export = new StructuredExportOptions { MeasureLatency = true, LatencyBatchSize = 32, LatencyRepeats = 50 };
/// </code>
/// </example>
public sealed record StructuredExportOptions
{
    /// <summary>Measure ONNX Runtime CPU latency of the dense and the pruned model (at batch 1 and at <see cref="LatencyBatchSize"/>) for the report. Default false: it takes time.</summary>
    public bool MeasureLatency { get; set; }

    /// <summary>The larger batch latency is measured at, besides batch 1; default 32. Needs a dynamic batch dimension (or one fixed at this size).</summary>
    public int LatencyBatchSize { get; set; } = 32;

    /// <summary>Timed runs per measurement, whose median (and 10th/90th percentiles) are reported; default 20.</summary>
    public int LatencyRepeats { get; set; } = 20;

    /// <summary>Untimed runs before the timed ones (allocation, kernel selection, caches); default 3.</summary>
    public int LatencyWarmup { get; set; } = 3;

    /// <summary>ONNX Runtime intra-op threads for latency; null (default) uses one per logical core (<see cref="Environment.ProcessorCount"/>).</summary>
    public int? LatencyIntraOpThreads { get; set; }

    /// <summary>
    /// How far the written file's outputs may be from the pruned model's: an element fails when |written − pruned| exceeds
    /// this times the largest |pruned| value of that output over the verification rows; default 1e-4 (float rounding of
    /// sums that skip removed zeros is ~1e-6 of the output's scale).
    /// </summary>
    public double VerificationTolerance { get; set; } = 1e-4;

    /// <summary>Checks every field; messages name the field after <paramref name="owner"/> (the property holding these options).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A field is out of range.</exception>
    internal void Validate(string owner = "Export")
    {
        if (LatencyBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(LatencyBatchSize), LatencyBatchSize, $"{owner}.{nameof(LatencyBatchSize)} must be at least 1.");
        if (LatencyRepeats < 1)
            throw new ArgumentOutOfRangeException(nameof(LatencyRepeats), LatencyRepeats, $"{owner}.{nameof(LatencyRepeats)} must be at least 1.");
        if (LatencyWarmup < 0)
            throw new ArgumentOutOfRangeException(nameof(LatencyWarmup), LatencyWarmup, $"{owner}.{nameof(LatencyWarmup)} must be 0 or more.");
        if (LatencyIntraOpThreads is < 1)
            throw new ArgumentOutOfRangeException(nameof(LatencyIntraOpThreads), LatencyIntraOpThreads, $"{owner}.{nameof(LatencyIntraOpThreads)} must be at least 1, or null for one per core.");
        if (!double.IsFinite(VerificationTolerance) || VerificationTolerance <= 0)
            throw new ArgumentOutOfRangeException(nameof(VerificationTolerance), VerificationTolerance, $"{owner}.{nameof(VerificationTolerance)} must be a positive finite number.");
    }
}
