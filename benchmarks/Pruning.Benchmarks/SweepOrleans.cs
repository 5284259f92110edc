using System;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;
#if PRUNING_ORLEANS
using System.Collections.Generic;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using Microsoft.ML.Pruning.Orleans;
#endif

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// The Orleans side of the sweep benchmark: a cluster of silos in this process (development clustering on 127.0.0.1, the first
/// silo primary) and a client runner on it, from Microsoft.ML.Pruning.Orleans (src/Orleans). The one place the benchmark touches that
/// project's API; Pruning.Benchmarks.csproj references it (and defines PRUNING_ORLEANS) when src/Orleans exists.
/// </summary>
internal static class SweepOrleans
{
    /// <summary>Silo-to-silo and gateway ports of the first silo; silo i takes the next ones.</summary>
    private const int SiloPort = 11111, GatewayPort = 30000;

    /// <summary>
    /// Starts <paramref name="silos"/> silos in this process and returns a trial runner on them (<paramref name="inFlight"/> trials in flight) and the
    /// cluster to dispose after the sweep (the runner's client first, then the silos, the primary last).
    /// </summary>
    /// <exception cref="NotSupportedException">This build has no Orleans runner.</exception>
    public static async Task<(ISweepTrialRunner Runner, IAsyncDisposable Cluster)> StartAsync(int silos, int inFlight)
    {
#if PRUNING_ORLEANS
        var hosts = new List<IHost>();
        var client = new PruningClientSettings { MaxConcurrentTrials = inFlight };
        try
        {
            for (int i = 0; i < silos; i++)
            {
                var host = PruningSilo.Build(new PruningSiloSettings
                {
                    AdvertisedAddress = "127.0.0.1",
                    PrimarySilo = i == 0 ? null : string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{SiloPort}"),
                    SiloPort = SiloPort + i,
                    GatewayPort = GatewayPort + i,
                });
                hosts.Add(host);
                await host.StartAsync();
                client.Gateways.Add(string.Create(CultureInfo.InvariantCulture, $"127.0.0.1:{GatewayPort + i}"));
            }
            var runner = await PruningCluster.ConnectAsync(client);
            return (runner, new Cluster(runner, hosts));
        }
        catch
        {
            await new Cluster(null, hosts).DisposeAsync();
            throw;
        }
#else
        _ = (silos, inFlight);
        await Task.CompletedTask;
        throw new NotSupportedException("--runner orleans needs Microsoft.ML.Pruning.Orleans (src/Orleans), which this build of the benchmarks does not reference.");
#endif
    }

#if PRUNING_ORLEANS
    /// <summary>The runner's client and the silos' hosts, stopped in reverse order.</summary>
    private sealed class Cluster(OrleansTrialRunner? runner, List<IHost> hosts) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (runner is not null) await runner.DisposeAsync();
            for (int i = hosts.Count - 1; i >= 0; i--)
            {
                await hosts[i].StopAsync();
                hosts[i].Dispose();
            }
        }
    }
#endif
}
