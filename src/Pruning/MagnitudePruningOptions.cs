namespace Microsoft.ML.Pruning;

/// <summary>
/// Options of magnitude pruning, <c>mlContext.Pruning().Magnitude(options)</c>: the smallest |w| are pruned (for
/// neurons and channels, the smallest L1 norms). The same pipeline as <see cref="PruneOptions"/> with the
/// <c>magnitude</c> criterion.
/// </summary>
public sealed class MagnitudePruningOptions : PruningOptions
{
    internal override string CriterionName => "magnitude";
}
