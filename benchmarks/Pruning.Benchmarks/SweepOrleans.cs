using System;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// The Orleans side of the sweep benchmark: a cluster of in-process silos in this process and a runner on it
/// (Microsoft.ML.Pruning.Orleans, src/Orleans). The one place the benchmark touches that project's API.
/// </summary>
internal static class SweepOrleans
{
    /// <summary>
    /// Starts <paramref name="silos"/> silos in this process and returns a trial runner on them (its <see cref="ISweepTrialRunner.MaxConcurrentTrials"/>
    /// as the Orleans runner chooses it, one trial per silo) and the cluster to dispose after the sweep.
    /// </summary>
    /// <exception cref="NotSupportedException">This build has no Orleans runner.</exception>
    public static Task<(ISweepTrialRunner Runner, IAsyncDisposable Cluster)> StartAsync(int silos)
    {
        // MERGE (lead): with src/Orleans referenced by Pruning.Benchmarks.csproj, start `silos` in-process silos with
        // Microsoft.ML.Pruning.Orleans's local-cluster API and return (its OrleansTrialRunner, the cluster/host to dispose).
        _ = silos;
        throw new NotSupportedException("--runner orleans needs Microsoft.ML.Pruning.Orleans (src/Orleans), which this build of the benchmarks does not reference.");
    }
}
