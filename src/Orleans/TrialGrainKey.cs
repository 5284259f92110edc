using System;
using System.Globalization;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>The key of one <see cref="ITrialWorkerGrain"/>: <c>"{sweepId}/{trialId}/{attempt}"</c>.</summary>
public static class TrialGrainKey
{
    /// <summary>The grain key of attempt <paramref name="attempt"/> of trial <paramref name="trialId"/> of sweep <paramref name="sweepId"/>.</summary>
    public static string Format(string sweepId, int trialId, int attempt)
    {
        ArgumentNullException.ThrowIfNull(sweepId);
        ArgumentOutOfRangeException.ThrowIfNegative(trialId);
        ArgumentOutOfRangeException.ThrowIfLessThan(attempt, 1);
        return string.Create(CultureInfo.InvariantCulture, $"{sweepId}/{trialId}/{attempt}");
    }
}
