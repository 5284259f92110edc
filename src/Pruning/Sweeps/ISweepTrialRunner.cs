using System.Threading;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Executes trials for a sweep: <see cref="LocalTrialRunner"/> in this process (the default), the Orleans runner of
/// Microsoft.ML.Pruning.Orleans on a cluster. A runner reports a trial that throws as a failed <see cref="TrialOutcome"/>
/// (the sweep goes on); it throws only when the sweep is canceled or the runner itself cannot go on.
/// </summary>
public interface ISweepTrialRunner
{
    /// <summary>How many trials the sweep may have in flight at once.</summary>
    int MaxConcurrentTrials { get; }

    /// <summary>Runs one trial and returns what it measured, or why it failed.</summary>
    Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken);
}
