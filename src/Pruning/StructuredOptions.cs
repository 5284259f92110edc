using System;

namespace Microsoft.ML.Pruning;

/// <summary>
/// How structured pruning (<see cref="Algorithms.PruningGranularity.Neuron"/>, <see cref="Algorithms.PruningGranularity.Channel"/>,
/// <see cref="Algorithms.PruningGranularity.Head"/>) chooses whole units in dependency groups and removes them from the
/// written ONNX file. Plain and serializable; checked in <see cref="Validate"/>.
/// </summary>
/// <example>
/// <code>
/// var options = new MagnitudePruningOptions { ModelPath = "resnet18.onnx", Granularity = PruningGranularity.Channel, Sparsity = 0.5,
///     Structured = new StructuredOptions { RoundTo = 8, PruneOutputs = true, MeasureLatency = true } };
/// </code>
/// </example>
public sealed class StructuredOptions
{
    /// <summary>
    /// Remove the pruned units from the written file (default): smaller initializers and shapes, so ONNX Runtime runs a
    /// smaller dense model. False keeps the shapes and writes the zeros (sparse storage where smaller).
    /// </summary>
    public bool RemoveUnits { get; set; } = true;

    /// <summary>
    /// Let groups whose units reach a model output be pruned, which changes that output's width (e.g. a featurizer's
    /// feature vector, when a new classifier is trained on it). Default false: such groups stay whole.
    /// </summary>
    public bool PruneOutputs { get; set; }

    /// <summary>
    /// After choosing a group's units, refit the next layer by least squares on the calibration rows (<see cref="PruningOptions.CalibrationRows"/>)
    /// so it reproduces what it computed with all units, bias included (default false: pruning then needs no data). Applies to
    /// groups one Gemm/MatMul reads one to one (a network's hidden layers, a transformer's feed-forward units); each group is
    /// refit on the model with the earlier groups already pruned. The report's Reconstruction lists each refit with its error.
    /// </summary>
    public bool RefitConsumers { get; set; }

    /// <summary>Kept units per group rounded up to a multiple of this (e.g. 8 for vectorized kernels); at least 1.</summary>
    public int RoundTo { get; set; } = 1;

    /// <summary>No group loses more than this fraction of its units, in (0, 1]; 1 (default) sets no cap beyond keeping one unit.</summary>
    public double MaxGroupSparsity { get; set; } = 1.0;

    /// <summary>
    /// Give the written model a symbolic batch dimension when its inputs declare a fixed batch of 1 and the graph allows
    /// it (default true), so users can score batches.
    /// </summary>
    public bool DynamicBatch { get; set; } = true;

    /// <summary>
    /// Rows of calibration data on which the written file is run in ONNX Runtime and compared with the pruned model in
    /// memory after writing (default 64; 0 skips the check). A difference over <see cref="VerifyTolerance"/> fails Fit.
    /// </summary>
    public int VerifyRows { get; set; } = 64;

    /// <summary>Largest difference the check accepts, relative to the largest absolute output value (default 1e-4).</summary>
    public double VerifyTolerance { get; set; } = 1e-4;

    /// <summary>Measure ONNX Runtime CPU latency of the dense and the written model for the report (default false).</summary>
    public bool MeasureLatency { get; set; }

    /// <summary>The batch size latency is measured at besides batch 1 (default 32).</summary>
    public int LatencyBatchSize { get; set; } = 32;

    /// <summary>Timed runs per measurement; the report gives their median (default 20).</summary>
    public int LatencyRepeats { get; set; } = 20;

    /// <summary>Untimed runs before each latency measurement (default 3).</summary>
    public int LatencyWarmup { get; set; } = 3;

    /// <summary>ONNX Runtime intra-op threads for latency; null (default) uses one per logical core.</summary>
    public int? LatencyIntraOpThreads { get; set; }

    /// <summary>Checks every option; messages name it.</summary>
    internal void Validate()
    {
        if (RoundTo < 1)
            throw new ArgumentOutOfRangeException(nameof(RoundTo), RoundTo, $"{nameof(RoundTo)} must be at least 1; got {RoundTo}.");
        if (!(MaxGroupSparsity > 0 && MaxGroupSparsity <= 1))
            throw new ArgumentOutOfRangeException(nameof(MaxGroupSparsity), MaxGroupSparsity, $"{nameof(MaxGroupSparsity)} must be in (0, 1]; got {MaxGroupSparsity}.");
        if (VerifyRows < 0)
            throw new ArgumentOutOfRangeException(nameof(VerifyRows), VerifyRows, $"{nameof(VerifyRows)} must be 0 (no check) or positive; got {VerifyRows}.");
        if (!(VerifyTolerance > 0) || double.IsInfinity(VerifyTolerance))
            throw new ArgumentOutOfRangeException(nameof(VerifyTolerance), VerifyTolerance, $"{nameof(VerifyTolerance)} must be positive and finite; got {VerifyTolerance}.");
        if (LatencyBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(LatencyBatchSize), LatencyBatchSize, $"{nameof(LatencyBatchSize)} must be at least 1; got {LatencyBatchSize}.");
        if (LatencyWarmup < 0)
            throw new ArgumentOutOfRangeException(nameof(LatencyWarmup), LatencyWarmup, $"{nameof(LatencyWarmup)} must be 0 or more; got {LatencyWarmup}.");
        if (LatencyIntraOpThreads is < 1)
            throw new ArgumentOutOfRangeException(nameof(LatencyIntraOpThreads), LatencyIntraOpThreads, $"{nameof(LatencyIntraOpThreads)} must be at least 1, or null for one per core; got {LatencyIntraOpThreads}.");
        if (LatencyRepeats < 1)
            throw new ArgumentOutOfRangeException(nameof(LatencyRepeats), LatencyRepeats, $"{nameof(LatencyRepeats)} must be at least 1; got {LatencyRepeats}.");
    }
}
