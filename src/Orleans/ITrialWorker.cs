using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// The silo-side service a <see cref="ITrialWorkerGrain"/> hands its trial to. <see cref="SiloBuilderExtensions.AddPruningTrialWorkers"/>
/// registers <see cref="ExecutorTrialWorker"/> (the sweep's <see cref="TrialExecutor"/>); register another implementation to
/// run trials differently (tests use a worker they can block).
/// </summary>
public interface ITrialWorker
{
    /// <summary>
    /// Runs <paramref name="request"/> and returns its outcome. Failures of the trial itself (an unreadable model, an invalid
    /// option) should come back as a failed <see cref="TrialOutcome"/>; an exception is turned into one by the grain.
    /// </summary>
    Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken);
}
