using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>
/// The sweep's order of trials as the design fixes it: feasible succeeded trials by the objective (in its direction), then infeasible
/// ones by their constraint violation, then failed trials by number. A trial whose objective quantity was not measured sorts last
/// among its group.
/// </summary>
internal static class SweepRanking
{
    /// <summary>Every trial of <paramref name="result"/>, best first.</summary>
    public static IReadOnlyList<SweepTrial> Rank(SweepResult result)
    {
        var objective = result.Options.Objective;
        bool maximize = objective.IsMaximized(result.Options.Metric);
        double Key(SweepTrial t) => t.Measurement?.Value(objective.Optimize) is double v ? (maximize ? -v : v) : double.PositiveInfinity;
        var succeeded = result.Trials.Where(t => t.Status == TrialStatus.Succeeded && t.Measurement is not null).ToList();
        var feasible = succeeded.Where(t => t.Feasible).OrderBy(Key).ThenBy(t => t.Id);
        var infeasible = succeeded.Where(t => !t.Feasible).OrderBy(t => t.ConstraintViolation).ThenBy(Key).ThenBy(t => t.Id);
        var failed = result.Trials.Except(succeeded).OrderBy(t => t.Id);
        return [.. feasible, .. infeasible, .. failed];
    }
}
