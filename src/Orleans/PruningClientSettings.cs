using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>How a sweep connects to a pruning cluster (<see cref="PruningCluster.ConnectAsync"/>).</summary>
public sealed class PruningClientSettings
{
    /// <summary>Gateway endpoints (<c>host:port</c>, a silo's gateway port); empty: <c>127.0.0.1:30000</c>. One is enough, more survive its loss.</summary>
    public IList<string> Gateways { get; } = new List<string>();

    /// <summary>Orleans cluster id; the silos' (<see cref="PruningSiloSettings.ClusterId"/>).</summary>
    public string ClusterId { get; set; } = PruningCluster.DefaultClusterId;

    /// <summary>Orleans service id; the silos' (<see cref="PruningSiloSettings.ServiceId"/>).</summary>
    public string ServiceId { get; set; } = PruningCluster.DefaultServiceId;

    /// <summary>Trials in flight at once; null: the number of active silos when connecting (at least 1).</summary>
    public int? MaxConcurrentTrials { get; set; }

    /// <summary>How many times a trial is started when its silo keeps dying under it (<see cref="OrleansTrialRunner.MaxAttempts"/>).</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>
    /// How long the client waits for one trial (<c>ClientMessagingOptions.ResponseTimeout</c>); must exceed the longest trial.
    /// A trial that runs longer is cancelled on its silo and re-run as if its silo had died. Default 2 h.
    /// </summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromHours(2);
}
