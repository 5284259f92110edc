using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>Connects a sweep to a pruning cluster (<c>ml-prune sweep --runner orleans --gateway host:port</c>).</summary>
public static class PruningCluster
{
    /// <summary>The cluster id silos and clients use unless told otherwise.</summary>
    public const string DefaultClusterId = "ml-prune";

    /// <summary>The service id silos and clients use unless told otherwise.</summary>
    public const string DefaultServiceId = "ml-prune";

    /// <summary>
    /// Starts an Orleans client on <paramref name="settings"/>' gateways and returns a runner over it; disposing the runner
    /// closes the client. <see cref="OrleansTrialRunner.MaxConcurrentTrials"/> is the number of active silos unless set.
    /// </summary>
    /// <exception cref="FormatException">A gateway is not <c>host:port</c>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A non-positive response timeout, attempt count or concurrency.</exception>
    public static async Task<OrleansTrialRunner> ConnectAsync(PruningClientSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.ResponseTimeout <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.ResponseTimeout, $"{nameof(PruningClientSettings)}.{nameof(PruningClientSettings.ResponseTimeout)} must be positive.");
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.MaxAttempts, 1, $"{nameof(PruningClientSettings)}.{nameof(PruningClientSettings.MaxAttempts)}");
        if (settings.MaxConcurrentTrials is < 1)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxConcurrentTrials, $"{nameof(PruningClientSettings)}.{nameof(PruningClientSettings.MaxConcurrentTrials)} must be at least 1.");
        var gateways = settings.Gateways.Count == 0
            ? [new IPEndPoint(IPAddress.Loopback, 30000)]
            : settings.Gateways.Select(ClusterEndpoint.Parse).ToArray();

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            client.UseStaticClustering(gateways);
            client.Configure<ClientMessagingOptions>(o =>
            {
                o.ResponseTimeout = settings.ResponseTimeout;
                // A trial that outlives the timeout is re-run elsewhere: stop the original instead of letting it run on.
                o.CancelRequestOnTimeout = true;
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
            var client = host.Services.GetRequiredService<IClusterClient>();
            int concurrency = settings.MaxConcurrentTrials ?? await OrleansTrialRunner.CountActiveSilosAsync(client, cancellationToken);
            return new OrleansTrialRunner(client, concurrency, settings.MaxAttempts, host);
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }
}
