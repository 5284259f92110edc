using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Proposes the parameter values of a trial. A strategy is a function of the sweep's seed, the trial's number and the finished
/// trials it is given (no hidden state), so a sweep resumed from its log proposes the same next trial an uninterrupted one would.
/// </summary>
internal interface ISweepStrategy
{
    /// <summary>
    /// The values (by parameter name, as invariant text) of trial <paramref name="trialId"/>, knowing <paramref name="finished"/>
    /// (ordered by id; in-flight trials are not among them); null when the strategy has nothing left to propose.
    /// </summary>
    IReadOnlyDictionary<string, string>? Propose(int trialId, IReadOnlyList<SweepTrial> finished);
}
