using System.Text.Json;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// One trial as a unit of work any runner can execute: the complete pruning options (with their seed), where the data and the
/// model are (paths every worker can read), what to measure and where to write the result. Serializes to JSON as is.
/// </summary>
public sealed class TrialRequest
{
    /// <summary>The sweep's identity (a hash of its options), so results from another sweep are never mixed in.</summary>
    public string SweepId { get; set; } = "";

    /// <summary>The trial's number in the sweep, from 1; 0 is the dense model.</summary>
    public int TrialId { get; set; }

    /// <summary>1 for the first run; more when a runner re-runs a trial whose worker died.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>
    /// The estimator's options, complete (ModelPath set, Seed set). Null for the dense model's measurement (trial 0), which
    /// scores <see cref="DenseModelPath"/> unpruned.
    /// </summary>
    public PruningOptions? Options { get; set; }

    /// <summary>The unpruned model (for trial 0, and as the reference of <see cref="SweepMetricKind.Fidelity"/>).</summary>
    public string DenseModelPath { get; set; } = "";

    /// <summary>Model output columns and input columns, as in the pruning options (trial 0 needs them too).</summary>
    public string[] OutputColumnNames { get; set; } = [];

    /// <inheritdoc cref="PruningOptions.InputColumnNames"/>
    public string[] InputColumnNames { get; set; } = [];

    /// <inheritdoc cref="PruningOptions.InputShapes"/>
    public System.Collections.Generic.IDictionary<string, int[]> InputShapes { get; set; } = new System.Collections.Generic.Dictionary<string, int[]>(System.StringComparer.Ordinal);

    /// <summary>Training rows (calibration and fine-tuning), an ML.NET binary IDataView file (<c>SaveAsBinary</c>).</summary>
    public string TrainDataPath { get; set; } = "";

    /// <summary>Validation rows the metric is measured on, an ML.NET binary IDataView file.</summary>
    public string ValidationDataPath { get; set; } = "";

    /// <summary>The metric.</summary>
    public SweepMetric Metric { get; set; } = new();

    /// <summary>See <see cref="SweepOptions.LatencyBatchSize"/>.</summary>
    public int LatencyBatchSize { get; set; } = 32;

    /// <summary>See <see cref="SweepOptions.LatencyRepeats"/>.</summary>
    public int LatencyRepeats { get; set; } = 20;

    /// <summary>See <see cref="SweepOptions.LatencyWarmup"/>.</summary>
    public int LatencyWarmup { get; set; } = 3;

    /// <summary>See <see cref="SweepOptions.LatencyIntraOpThreads"/>.</summary>
    public int? LatencyIntraOpThreads { get; set; }

    /// <summary>Where the trial writes its compact ONNX file (atomically); null: not written.</summary>
    public string? OutputModelPath { get; set; }

    /// <summary>The request as JSON (what crosses process and machine boundaries).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SweepJson.Options);

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    /// <exception cref="System.IO.InvalidDataException">The text is not a trial request.</exception>
    public static TrialRequest FromJson(string json) => SweepJson.Read<TrialRequest>(json, "trial request");
}
