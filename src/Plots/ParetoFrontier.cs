using System.Collections.Generic;
using System.Linq;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>The non-dominated points of (cost, lower better) and (metric, in its direction): what a Pareto plot draws as its step line.</summary>
internal static class ParetoFrontier
{
    /// <summary>
    /// Indices of the points no other point beats in both cost and metric (ties in both keep the first), ordered by cost ascending,
    /// so the metric improves along the result.
    /// </summary>
    public static IReadOnlyList<int> Of(IReadOnlyList<double> cost, IReadOnlyList<double> metric, bool higherIsBetter)
    {
        double Better(int i) => higherIsBetter ? metric[i] : -metric[i];
        var order = Enumerable.Range(0, cost.Count).OrderBy(i => cost[i]).ThenByDescending(Better).ThenBy(i => i);
        var front = new List<int>();
        double best = double.NegativeInfinity;
        foreach (int i in order)
        {
            if (Better(i) <= best) continue; // some cheaper (or as cheap) point is at least as good
            front.Add(i);
            best = Better(i);
        }
        return front;
    }
}
