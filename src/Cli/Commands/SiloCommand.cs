using System;
using System.CommandLine;
using Microsoft.ML.Pruning.Orleans;

namespace Microsoft.ML.Pruning.Cli.Commands;

/// <summary>
/// <c>ml-prune silo [--primary host:port] [--advertise ip] [--silo-port 11111] [--gateway-port 30000]</c>: runs an Orleans silo that
/// executes sweep trials (<see cref="PruningSilo"/>) until Ctrl+C. The first silo runs without <c>--primary</c>; every other names
/// it. A sweep reaches the cluster with <c>ml-prune sweep --runner orleans --gateway host:port</c> (docs/SWEEPS-ORLEANS.md).
/// </summary>
internal static class SiloCommand
{
    public static System.CommandLine.Command Create(CliConsole console)
    {
        var primary = new Option<string?>("--primary") { Description = "The primary silo's host:port (its silo port); omit on the primary itself." };
        var advertise = new Option<string?>("--advertise") { Description = "The IP address other machines reach this silo on; default: this machine's first IPv4 address." };
        var siloPort = new Option<int>("--silo-port") { Description = "Port silos talk to each other on.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port sweeps (clients) connect to.", DefaultValueFactory = _ => 30000 };
        var clusterId = new Option<string>("--cluster-id") { Description = "The cluster's id; silos and sweeps of one cluster share it.", DefaultValueFactory = _ => PruningCluster.DefaultClusterId };
        var maxTrial = new Option<double>("--max-trial-hours") { Description = "Longest a trial may run on this silo, in hours.", DefaultValueFactory = _ => 2 };
        var command = new System.CommandLine.Command("silo", "Runs an Orleans silo that executes sweep trials until Ctrl+C (see docs/SWEEPS-ORLEANS.md).")
        {
            primary, advertise, siloPort, gatewayPort, clusterId, maxTrial,
        };
        CommandAction.Set(command, console, (parse, cancellationToken) =>
        {
            var settings = new PruningSiloSettings
            {
                PrimarySilo = parse.GetValue(primary),
                AdvertisedAddress = parse.GetValue(advertise),
                SiloPort = parse.GetValue(siloPort),
                GatewayPort = parse.GetValue(gatewayPort),
                ClusterId = parse.GetValue(clusterId)!,
                ServiceId = parse.GetValue(clusterId)!,
                MaxTrialDuration = TimeSpan.FromHours(parse.GetValue(maxTrial)),
            };
            try
            {
                console.Error.WriteLine($"ml-prune silo: cluster '{settings.ClusterId}', silo port {settings.SiloPort}, gateway port {settings.GatewayPort}" +
                    (settings.PrimarySilo is null ? " (primary)" : $", primary {settings.PrimarySilo}") + "; Ctrl+C stops it.");
                PruningSilo.RunAsync(settings, cancellationToken).GetAwaiter().GetResult();
            }
            catch (FormatException e)
            {
                throw new ArgumentException($"--primary/--advertise: {e.Message}", e);
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
