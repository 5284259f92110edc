namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>How a trial of a sweep ended.</summary>
public enum TrialStatus
{
    /// <summary>Measured.</summary>
    Succeeded = 0,

    /// <summary>The estimator or the measurement threw; <see cref="SweepTrial.Error"/> says what.</summary>
    Failed = 1,
}
