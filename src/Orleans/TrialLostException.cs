using System;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// A trial's silo became unreachable on every one of <see cref="OrleansTrialRunner.MaxAttempts"/> attempts: the cluster cannot
/// run it, so the runner stops the sweep instead of recording a failure the trial did not cause. The sweep's trial log keeps
/// every finished trial; running the sweep again resumes and re-runs this one.
/// </summary>
public sealed class TrialLostException : Exception
{
    /// <summary>A trial lost after <paramref name="attempts"/> attempts, the last with <paramref name="innerException"/>.</summary>
    public TrialLostException(int trialId, int attempts, Exception innerException)
        : base($"Trial {trialId} lost its silo on each of {attempts} attempts (last: {innerException.GetType().Name}: {innerException.Message}).", innerException)
    {
        TrialId = trialId;
        Attempts = attempts;
    }

    /// <summary>The trial's number.</summary>
    public int TrialId { get; }

    /// <summary>How many times it was started.</summary>
    public int Attempts { get; }
}
