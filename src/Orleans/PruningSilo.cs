using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// Hosts a silo that runs sweep trials (<c>ml-prune silo</c>): development clustering around a primary silo, trial workers
/// from <see cref="SiloBuilderExtensions.AddPruningTrialWorkers"/>, long calls allowed. Console logging at warning level.
/// </summary>
public static class PruningSilo
{
    /// <summary>Builds the silo's host without starting it (start it with <c>StartAsync</c>; its services hold <c>ILocalSiloDetails</c>).</summary>
    /// <exception cref="FormatException"><see cref="PruningSiloSettings.PrimarySilo"/> or <see cref="PruningSiloSettings.AdvertisedAddress"/> cannot be read.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A port outside 1..65535 or a non-positive <see cref="PruningSiloSettings.MaxTrialDuration"/>.</exception>
    public static IHost Build(PruningSiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Validate(settings);
        var primary = settings.PrimarySilo is null ? null : ClusterEndpoint.Parse(settings.PrimarySilo);
        IPAddress? advertised = null;
        if (settings.AdvertisedAddress is not null && !IPAddress.TryParse(settings.AdvertisedAddress, out advertised))
            throw new FormatException($"{nameof(PruningSiloSettings)}.{nameof(PruningSiloSettings.AdvertisedAddress)} '{settings.AdvertisedAddress}' is not an IP address.");

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = settings.ClusterId;
                o.ServiceId = settings.ServiceId;
            });
            silo.UseDevelopmentClustering(primary);
            if (advertised is null)
                silo.ConfigureEndpoints(settings.SiloPort, settings.GatewayPort, AddressFamily.InterNetwork, listenOnAnyHostAddress: true);
            else
                silo.ConfigureEndpoints(advertised, settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
            silo.Configure<SiloMessagingOptions>(o =>
            {
                o.MaxRequestProcessingTime = settings.MaxTrialDuration;
                o.RequestProcessingWarningTime = settings.MaxTrialDuration;
                o.ResponseTimeout = settings.MaxTrialDuration;
            });
            silo.AddPruningTrialWorkers();
        });
        return builder.Build();
    }

    /// <summary>Runs a silo until <paramref name="cancellationToken"/> is canceled, then leaves the cluster gracefully.</summary>
    public static async Task RunAsync(PruningSiloSettings settings, CancellationToken cancellationToken)
    {
        using var host = Build(settings);
        await host.RunAsync(cancellationToken);
    }

    private static void Validate(PruningSiloSettings settings)
    {
        if (settings.SiloPort is < 1 or > IPEndPoint.MaxPort)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.SiloPort, $"{nameof(PruningSiloSettings)}.{nameof(PruningSiloSettings.SiloPort)} must be from 1 to {IPEndPoint.MaxPort}.");
        if (settings.GatewayPort is < 1 or > IPEndPoint.MaxPort)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.GatewayPort, $"{nameof(PruningSiloSettings)}.{nameof(PruningSiloSettings.GatewayPort)} must be from 1 to {IPEndPoint.MaxPort}.");
        if (settings.MaxTrialDuration <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.MaxTrialDuration, $"{nameof(PruningSiloSettings)}.{nameof(PruningSiloSettings.MaxTrialDuration)} must be positive.");
    }
}
