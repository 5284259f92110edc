using System;
using System.Collections.Generic;
using System.Linq;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Trials not dominated in (metric, cost): no other succeeded trial has a metric at least as good (in the metric's direction) and a
/// cost at most as large, one of them strictly. Trials with the same point are all kept. The front is ordered by cost, then id.
/// </summary>
internal static class ParetoFront
{
    /// <summary>
    /// The front by latency at the sweep's batch when every succeeded trial has it, else at batch 1 (a file that fixes its batch at 1
    /// has no latency at the sweep's batch): one batch size for the whole front, never a mix.
    /// </summary>
    public static IReadOnlyList<SweepTrial> ByLatency(IEnumerable<SweepTrial> trials, bool metricHigherIsBetter)
    {
        var succeeded = trials.Where(t => t.Status == TrialStatus.Succeeded && t.Measurement is not null).ToArray();
        bool atBatch = succeeded.All(t => t.Measurement!.LatencyMilliseconds is not null);
        return atBatch
            ? Of(succeeded, m => m.LatencyMilliseconds!.Value, metricHigherIsBetter)
            : Of(succeeded, m => m.LatencyBatch1Milliseconds, metricHigherIsBetter);
    }

    /// <summary>The front by bytes of the compact file.</summary>
    public static IReadOnlyList<SweepTrial> ByBytes(IEnumerable<SweepTrial> trials, bool metricHigherIsBetter) =>
        Of(trials, m => m.Bytes, metricHigherIsBetter);

    /// <summary>The non-dominated succeeded trials of <paramref name="trials"/> in (metric, <paramref name="cost"/> lower is better).</summary>
    public static IReadOnlyList<SweepTrial> Of(IEnumerable<SweepTrial> trials, Func<TrialMeasurement, double> cost, bool metricHigherIsBetter)
    {
        var points = trials
            .Where(t => t.Status == TrialStatus.Succeeded && t.Measurement is not null)
            .Select(t => (Trial: t, Metric: metricHigherIsBetter ? t.Measurement!.Metric : -t.Measurement!.Metric, Cost: cost(t.Measurement!)))
            .Where(p => !double.IsNaN(p.Metric) && !double.IsNaN(p.Cost))
            .ToArray();
        var front = new List<SweepTrial>();
        foreach (var p in points)
        {
            bool dominated = false;
            foreach (var q in points)
                if (q.Metric >= p.Metric && q.Cost <= p.Cost && (q.Metric > p.Metric || q.Cost < p.Cost))
                {
                    dominated = true;
                    break;
                }
            if (!dominated) front.Add(p.Trial);
        }
        return [.. front.OrderBy(t => cost(t.Measurement!)).ThenBy(t => t.Id)];
    }
}
