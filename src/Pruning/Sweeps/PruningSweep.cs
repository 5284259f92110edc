using System.Threading.Tasks;
using System.Threading;
using System;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// A sweep over pruning settings that finds the best pruned model for a budget (<c>mlContext.Pruning().Sweep(options)</c>):
/// every trial measured (metric, parameters, bytes, MACs, ONNX Runtime latency on this machine), the trial log written
/// atomically after each trial and resumed when the sweep is run again on the same folder.
/// </summary>
public sealed partial class PruningSweep
{
    private readonly MLContext _context;

    internal PruningSweep(MLContext context, SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        _context = context;
        Options = options;
    }

    /// <summary>The options this sweep was made with.</summary>
    public SweepOptions Options { get; }

    /// <summary>Runs (or resumes) the sweep: <see cref="RunAsync"/> waited on.</summary>
    public SweepResult Run(IDataView trainData, IDataView validationData, ISweepTrialRunner? runner = null, IProgress<SweepProgress>? progress = null,
        CancellationToken cancellationToken = default)
        => RunAsync(trainData, validationData, runner, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Runs (or resumes) the sweep. The options are checked first (an invalid value in the search space fails naming the option,
    /// before the first trial); the data are written once to the sweep's folder; the dense model is measured; trials are proposed by
    /// the strategy and run on <paramref name="runner"/> (default <see cref="LocalTrialRunner"/>), up to its concurrency; the log is
    /// rewritten atomically after each.
    /// </summary>
    /// <param name="trainData">Calibration and fine-tuning rows.</param>
    /// <param name="validationData">Rows the metric is measured on.</param>
    /// <param name="runner">Where trials run; null runs them one by one in this process.</param>
    /// <param name="progress">Told after each finished trial.</param>
    /// <param name="cancellationToken">Stops proposing trials; the log keeps every finished one.</param>
    public Task<SweepResult> RunAsync(IDataView trainData, IDataView validationData, ISweepTrialRunner? runner = null, IProgress<SweepProgress>? progress = null,
        CancellationToken cancellationToken = default)
        => throw new NotImplementedException("slice sweep-core");
}
