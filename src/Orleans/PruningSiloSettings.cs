using System;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// A silo of a pruning cluster with development clustering (<see cref="PruningSilo.RunAsync"/>): the first silo is the
/// primary (<see cref="PrimarySilo"/> null), every other one names it. Fine for a lab or a few machines; production
/// clusters use a membership table (ADO.NET, Redis) through their own host, see docs/SWEEPS-ORLEANS.md.
/// </summary>
/// <example>
/// <code>
/// // machine A (primary):  ml-prune silo
/// await PruningSilo.RunAsync(new PruningSiloSettings(), ct);
/// // machine B:            ml-prune silo --primary 10.0.0.5:11111
/// await PruningSilo.RunAsync(new PruningSiloSettings { PrimarySilo = "10.0.0.5:11111" }, ct);
/// </code>
/// </example>
public sealed class PruningSiloSettings
{
    /// <summary>The primary silo's silo-to-silo endpoint, <c>host:port</c>; null: this silo is the primary.</summary>
    public string? PrimarySilo { get; set; }

    /// <summary>
    /// The address other machines reach this silo at (an IP address); null: the address the machine's host name resolves to
    /// (Orleans' choice). Use <c>127.0.0.1</c> for a cluster on one machine.
    /// </summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Silo-to-silo port (Orleans' default 11111). Each silo on one machine needs its own.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients (the sweep) connect to (Orleans' default 30000). Each silo on one machine needs its own.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans cluster id; every silo and client of one cluster uses the same.</summary>
    public string ClusterId { get; set; } = PruningCluster.DefaultClusterId;

    /// <summary>Orleans service id; every silo and client of one cluster uses the same.</summary>
    public string ServiceId { get; set; } = PruningCluster.DefaultServiceId;

    /// <summary>
    /// The longest a trial may run before Orleans reports the call as stuck (<c>SiloMessagingOptions.MaxRequestProcessingTime</c>
    /// and the long-request warning); also the response timeout of calls this silo makes. Default 2 h.
    /// </summary>
    public TimeSpan MaxTrialDuration { get; set; } = TimeSpan.FromHours(2);
}
