using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;
using Orleans.Runtime;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// The default <see cref="ITrialWorker"/>: runs the trial through <see cref="TrialExecutor"/> on a thread-pool thread (a trial
/// is minutes of CPU work, which must not hold Orleans' grain scheduler), with the silo's address as the worker name.
/// </summary>
public sealed class ExecutorTrialWorker : ITrialWorker
{
    private readonly string _workerName;

    /// <summary>A worker named after <paramref name="silo"/>'s address.</summary>
    public ExecutorTrialWorker(ILocalSiloDetails silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        _workerName = silo.SiloAddress.ToString();
    }

    /// <inheritdoc />
    public Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        // A fresh executor (and MLContext) per trial: trials on one silo may run at once, and every trial's seed is in its options.
        return Task.Run(() => new TrialExecutor().Run(request, _workerName, cancellationToken), cancellationToken);
    }
}
