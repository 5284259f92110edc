using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>How the target sparsity is reached.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<PruningSchedule>))]
public enum PruningSchedule
{
    /// <summary>Score once, prune to the target, then fine-tune if asked.</summary>
    OneShot = 0,

    /// <summary>
    /// <c>Rounds</c> rounds of score → prune → fine-tune, the sparsity rising to the target on the cubic ramp
    /// (round r of k prunes to s·(1 − (1 − r/k)³)); each round re-scores the model the previous rounds left and
    /// keeps what they pruned. Every round fine-tunes when <c>FineTune</c> is set.
    /// </summary>
    Iterative = 1,

    /// <summary>
    /// Masks follow the cubic ramp of Zhu and Gupta (2017) during fine-tuning, re-scored every
    /// <c>PruningFrequency</c> steps from the weights being trained; needs <c>FineTune</c> and a criterion that
    /// scores from weights alone.
    /// </summary>
    Gradual = 2,
}
