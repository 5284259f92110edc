using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// An importance criterion: gives every weight, or every output unit, of a layer a non-negative score; the lowest
/// scores are pruned. A public class with a parameterless constructor that implements this interface in
/// Microsoft.ML.Pruning is found by name (<see cref="PruningCriteria"/>); others are added with
/// <see cref="PruningCriteria.Register"/>.
/// </summary>
/// <example><code>
/// public sealed class SquaredMagnitude : IPruningCriterion
/// {
///     public string Name => "squared";
///     public CriterionNeeds Needs => CriterionNeeds.None;
///     public IReadOnlyList&lt;PruningGranularity&gt; Granularities => [PruningGranularity.Unstructured];
///     public float[] Score(LayerContext layer) => layer.Weights.Select(w => w * w).ToArray();
/// }
/// </code></example>
public interface IPruningCriterion
{
    /// <summary>The name options use (compared case-insensitively), e.g. "magnitude".</summary>
    string Name { get; }

    /// <summary>What the pipeline must compute for <see cref="Score"/> beyond the weights.</summary>
    CriterionNeeds Needs { get; }

    /// <summary>The granularities the criterion can score.</summary>
    IReadOnlyList<PruningGranularity> Granularities { get; }

    /// <summary>
    /// One non-negative score per weight (<see cref="PruningGranularity.Unstructured"/>, in the weight's flattened
    /// order) or per output unit (<see cref="LayerContext.Units"/> long) for <see cref="LayerContext.Granularity"/>.
    /// </summary>
    float[] Score(LayerContext layer);
}
