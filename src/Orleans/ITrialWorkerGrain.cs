using System.Threading;
using System.Threading.Tasks;
using Orleans;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// One attempt of one sweep trial, executed by a silo. The key is <c>"{sweepId}/{trialId}/{attempt}"</c>
/// (<see cref="TrialGrainKey"/>), so a re-run after a silo died is a new grain that placement may put anywhere.
/// Requests and outcomes cross the wire as JSON (<see cref="Sweeps.TrialRequest.ToJson"/>,
/// <see cref="Sweeps.TrialOutcome.ToJson"/>), so the core assembly needs no Orleans serializers.
/// </summary>
public interface ITrialWorkerGrain : IGrainWithStringKey
{
    /// <summary>
    /// The address of the silo this grain was placed on (activating it there). The runner asks first, so that while the trial
    /// runs it can watch that silo in the cluster's membership: Orleans does not end a client's call when a silo other than
    /// its gateway dies, only when the response timeout elapses.
    /// </summary>
    Task<string> GetSiloAsync();

    /// <summary>
    /// Runs the trial <paramref name="trialRequestJson"/> describes on this silo's <see cref="ITrialWorker"/> and returns its
    /// <see cref="Sweeps.TrialOutcome"/> as JSON. A worker that throws is reported as a failed outcome, not as an exception.
    /// </summary>
    /// <param name="trialRequestJson">A <see cref="Sweeps.TrialRequest"/> as JSON.</param>
    /// <param name="cancellationToken">The caller's cancellation; Orleans forwards it to the silo, which stops the trial.</param>
    Task<string> RunTrialAsync(string trialRequestJson, CancellationToken cancellationToken = default);
}
