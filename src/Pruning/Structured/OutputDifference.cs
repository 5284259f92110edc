namespace Microsoft.ML.Pruning.Structured;

/// <summary>How far one output of the written file is from the pruned model's, over all verification rows.</summary>
/// <param name="Output">The graph output's name.</param>
/// <param name="MaxAbsDifference">The largest |written − pruned| over the compared elements.</param>
/// <param name="MaxAbsPruned">The largest |pruned| over the compared elements: the output's scale.</param>
/// <param name="MaxRelativeDifference"><paramref name="MaxAbsDifference"/> / <paramref name="MaxAbsPruned"/> (0 when both are 0).</param>
/// <param name="Elements">Elements compared, over all rows.</param>
/// <param name="KeptAxis">The axis whose length removal changed, compared on the kept indices; null when the output kept its shape.</param>
/// <param name="KeptColumns">The written output's length along <paramref name="KeptAxis"/>; null when the output kept its shape.</param>
public sealed record OutputDifference(string Output, double MaxAbsDifference, double MaxAbsPruned, double MaxRelativeDifference, long Elements,
    int? KeptAxis, int? KeptColumns);
