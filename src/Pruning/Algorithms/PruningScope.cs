using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// Where the pruning target applies: to each layer on its own, or to all layers together through one
/// shared threshold.
/// </summary>
/// <example>
/// <code>
/// var options = new MaskSelectionOptions { Sparsity = 0.8, Scope = PruningScope.Global };
/// </code>
/// </example>
[JsonConverter(typeof(JsonStringEnumConverter<PruningScope>))]
public enum PruningScope
{
    /// <summary>
    /// Every layer prunes its own share: a layer of n weights loses exactly round(s·n) of its least
    /// important weights. Layers end up equally sparse.
    /// </summary>
    Layer = 0,

    /// <summary>
    /// All layers compete for one budget: exactly round(s·N) of the least important weights across the N
    /// weights of all layers are pruned, so layers with many unimportant weights end up sparser than others.
    /// Scores must be comparable across layers for this to make sense (e.g. magnitudes of similarly scaled weights).
    /// </summary>
    Global = 1,
}
