namespace Microsoft.ML.Pruning.Structured;

/// <summary>One dependency group in the report: what it spans and how many of its units were kept.</summary>
/// <param name="Id">The group's id (its first producer weight).</param>
/// <param name="Kind">Neurons, channels or heads.</param>
/// <param name="Path">The nodes it spans.</param>
/// <param name="Producers">How many layers compute its units (more than one for a residual stream).</param>
/// <param name="Total">Units before pruning.</param>
/// <param name="Kept">Units kept.</param>
/// <param name="ReachesOutput">Whether a model output carries its units (its width changed).</param>
public sealed record StructuredGroupReport(string Id, ChannelGroupKind Kind, string Path, int Producers, int Total, int Kept, bool ReachesOutput);
