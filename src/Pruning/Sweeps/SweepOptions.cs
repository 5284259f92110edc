using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// A sweep over pruning settings: the base options every trial starts from, the parameters varied, the metric, the objective
/// with its constraints, the search strategy and the budget. Plain and serializable (System.Text.Json), like every options class
/// here; <see cref="SweepMetric.CustomMetric"/> is the one member that is not.
/// </summary>
public sealed class SweepOptions
{
    /// <summary>
    /// What every trial starts from (model path, columns, calibration rows, fine-tuning settings…); the parameters overwrite
    /// their options on a copy. Any of the estimators' option classes.
    /// </summary>
    public PruningOptions? BaseOptions { get; set; }

    /// <summary>The search space: one entry per varied option.</summary>
    public IList<SweepParameter> Parameters { get; set; } = new List<SweepParameter>();

    /// <summary>What is measured on the validation rows.</summary>
    public SweepMetric Metric { get; set; } = new();

    /// <summary>What is optimized, under which constraints. Default: the best metric, no constraints.</summary>
    public SweepObjective Objective { get; set; } = new();

    /// <summary>How trials are chosen. Default <see cref="SweepStrategy.Tpe"/>.</summary>
    public SweepStrategy Strategy { get; set; } = SweepStrategy.Tpe;

    /// <summary>Trials at most (the dense measurement not counted). Default 20.</summary>
    public int MaxTrials { get; set; } = 20;

    /// <summary>Wall time after which no new trial starts (running ones finish); null: no limit.</summary>
    public TimeSpan? MaxDuration { get; set; }

    /// <summary>Seed of the strategy's draws; trial i's estimator seed is derived from it and i.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>
    /// The sweep's folder: trial log (<c>trials.json</c>, rewritten atomically after each trial), the data the workers read
    /// (<c>train.idv</c>, <c>validation.idv</c>), and each trial's compact ONNX file (<c>trial-N.onnx</c>). A folder whose log
    /// belongs to the same sweep resumes it.
    /// </summary>
    public string Directory { get; set; } = "";

    /// <summary>The batch of <see cref="SweepQuantity.Latency"/> (batch 1 is always measured too). Default 32.</summary>
    public int LatencyBatchSize { get; set; } = 32;

    /// <summary>Timed ONNX Runtime runs per latency measurement; the median is reported. Default 20.</summary>
    public int LatencyRepeats { get; set; } = 20;

    /// <summary>Untimed runs before timing. Default 3.</summary>
    public int LatencyWarmup { get; set; } = 3;

    /// <summary>ONNX Runtime intra-op threads for latency; null: one per core.</summary>
    public int? LatencyIntraOpThreads { get; set; }

    /// <summary>Points a range is cut into by the grid strategy. Default 5.</summary>
    public int GridPointsPerRange { get; set; } = 5;

    /// <summary>Random trials before the TPE strategy models the results. Default 10.</summary>
    public int StartupTrials { get; set; } = 10;

    /// <summary>Per-layer sensitivities, needed when a parameter is <see cref="SweepParameter.LayerAllocation"/>.</summary>
    public SensitivityResult? Sensitivity { get; set; }

    /// <summary>Whether each trial's compact ONNX file is kept in <see cref="Directory"/>. Default true.</summary>
    public bool KeepTrialModels { get; set; } = true;
}
