using System.Threading;
using System;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Runs one <see cref="TrialRequest"/> in this process: reads the data files, fits the estimator its options describe (or
/// scores the dense model for trial 0), measures the metric, parameters, bytes, MACs and ONNX Runtime latency, and writes the
/// compact file if asked. Every runner ends here: the local one, a CLI worker process, an Orleans silo.
/// </summary>
public sealed partial class TrialExecutor
{
    private readonly MLContext _context;

    /// <summary>An executor on <paramref name="context"/> (a new one with seed 1 when null).</summary>
    public TrialExecutor(MLContext? context = null) => _context = context ?? new MLContext(seed: 1);

    /// <summary>
    /// Runs <paramref name="request"/>. Exceptions of the estimator or the measurement become a failed outcome with their message;
    /// only cancellation throws.
    /// </summary>
    /// <param name="request">The trial.</param>
    /// <param name="worker">Who runs it, for the outcome.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    public TrialOutcome Run(TrialRequest request, string worker = "local", CancellationToken cancellationToken = default)
        => throw new NotImplementedException("slice executor");
}
