namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>Totals of a pruning report over all its layers.</summary>
/// <param name="Parameters">Number of weights in all layers.</param>
/// <param name="NonZeros">Number of those weights that are not exactly zero.</param>
/// <example>
/// <code>
/// SparsityTotals totals = LayerSparsity.Total(rows);
/// Console.WriteLine($"{totals.NonZeros}/{totals.Parameters} weights left ({totals.Sparsity:P1} sparse)");
/// </code>
/// </example>
public sealed record SparsityTotals(long Parameters, long NonZeros)
{
    /// <summary>Fraction of all weights that are zero (0 when there are none).</summary>
    public double Sparsity => Parameters == 0 ? 0 : 1.0 - (double)NonZeros / Parameters;
}
