using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;
using Orleans;
using Orleans.Placement;
using Orleans.Runtime;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// Runs one attempt of one trial on this silo's <see cref="ITrialWorker"/>. Random placement: every key (every attempt) goes to
/// a silo drawn uniformly from the live ones, independently of where the caller or earlier attempts were, so a re-run after a
/// silo died lands on a survivor. (Orleans 10's default, resource-optimized placement, leans towards the silo that places the
/// grain — the gateway the client talks to — and on CPU statistics that lag a burst of trials; prefer-local would put every
/// trial on the gateway silo.)
/// </summary>
[RandomPlacement]
internal sealed class TrialWorkerGrain : Grain, ITrialWorkerGrain
{
    private readonly ITrialWorker _worker;
    private readonly string _siloName;

    public TrialWorkerGrain(ITrialWorker worker, ILocalSiloDetails silo)
    {
        _worker = worker;
        _siloName = silo.SiloAddress.ToString();
    }

    public Task<string> GetSiloAsync() => Task.FromResult(_siloName);

    public async Task<string> RunTrialAsync(string trialRequestJson, CancellationToken cancellationToken = default)
    {
        var request = TrialRequest.FromJson(trialRequestJson);
        TrialOutcome outcome;
        try
        {
            // Off the grain scheduler whatever the worker does: a worker that computes before its first await would hold it.
            outcome = await Task.Run(() => _worker.RunAsync(request, cancellationToken), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e)
        {
            outcome = TrialOutcome.Failure(request, e, _siloName);
        }
        finally
        {
            // One call per key: the activation has nothing left to do.
            DeactivateOnIdle();
        }
        return outcome.ToJson();
    }
}
