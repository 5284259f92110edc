using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Plots;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Tests.Plots;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

/// <summary>SweepResult's Pareto fronts over any cost and its ranking, which the plots and the Markdown report draw.</summary>
[TestClass]
public sealed class SweepResultFrontTests
{
    /// <summary>A result of succeeded trials with the given bytes and metrics (trial ids from 1), objective: best metric, no constraints.</summary>
    private static SweepResult Result(double[] bytes, double[] metric, bool higherIsBetter)
    {
        var options = new SweepOptions
        {
            Metric = higherIsBetter ? SweepMetric.Accuracy("Label", "Score") : SweepMetric.Rmse("Label", "Score"),
            Directory = "/tmp/sweep",
        };
        var trials = new List<SweepTrial>();
        for (int i = 0; i < bytes.Length; i++)
            trials.Add(new SweepTrial
            {
                Id = i + 1,
                Status = TrialStatus.Succeeded,
                Feasible = true,
                Measurement = new TrialMeasurement(metric[i], 100, 50, (long)bytes[i], null, 1, null, 32, 1),
            });
        trials.Add(new SweepTrial { Id = bytes.Length + 1, Status = TrialStatus.Failed, Error = "x", ConstraintViolation = double.PositiveInfinity });
        var dense = new TrialMeasurement(higherIsBetter ? 1 : 0, 100, 100, 1000, null, 1, null, 32, 0);
        return new SweepResult(options, dense, trials, trials[0], true, [], [], [], null, TimeSpan.Zero, "/tmp/sweep/trials.json", "");
    }

    private static int[] Ids(IEnumerable<SweepTrial> trials) => trials.Select(t => t.Id).ToArray();

    [TestMethod]
    public void ParetoFront_HigherIsBetter_KeepsTheNonDominatedInCostOrder()
    {
        // trial 2 (1, .80) dominates 4 (2, .79); 5 (4, .90) is beaten by 3 (3, .95); 6 ties 3 exactly and stays beside it.
        var result = Result([5, 1, 3, 2, 4, 3], [0.99, 0.80, 0.95, 0.79, 0.90, 0.95], higherIsBetter: true);
        CollectionAssert.AreEqual(new[] { 2, 3, 6, 1 }, Ids(result.ParetoFront(SweepQuantity.Bytes)));
    }

    [TestMethod]
    public void ParetoFront_LowerIsBetter_MetricFallsAlongTheFront()
    {
        var result = Result([1, 2, 3, 4], [0.9, 0.5, 0.7, 0.2], higherIsBetter: false);
        CollectionAssert.AreEqual(new[] { 1, 2, 4 }, Ids(result.ParetoFront(SweepQuantity.Bytes)));
    }

    [TestMethod]
    public void ParetoFront_EqualCostDifferentMetric_KeepsOnlyTheBetter()
    {
        CollectionAssert.AreEqual(new[] { 2 }, Ids(Result([2, 2], [0.5, 0.6], higherIsBetter: true).ParetoFront(SweepQuantity.Bytes)));
    }

    [TestMethod]
    public void ParetoFront_UnmeasuredCost_IsEmpty_AndTheMetricIsRefused()
    {
        var result = Result([1, 2], [0.5, 0.6], higherIsBetter: true);
        Assert.IsEmpty(result.ParetoFront(SweepQuantity.Macs));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => result.ParetoFront(SweepQuantity.Metric));
    }

    [TestMethod]
    public void ParetoByLatency_OneTrialWithoutBatchLatency_WholeFrontAtBatchOne()
    {
        SweepTrial Trial(int id, double metric, double batch1, double? atBatch) => new()
        {
            Id = id, Status = TrialStatus.Succeeded, Measurement = new TrialMeasurement(metric, 100, 50, 10, null, batch1, atBatch, 32, 1),
        };
        // At their own batch sizes trial 1 (1 ms at 32) would dominate trial 2 (2 ms at batch 1); compared at batch 1 both are on the front.
        var front = ParetoFront.ByLatency([Trial(1, 0.9, 5, 1), Trial(2, 0.8, 2, null)], metricHigherIsBetter: true);
        CollectionAssert.AreEqual(new[] { 2, 1 }, Ids(front));
    }

    [TestMethod]
    public void Ranked_FeasibleByObjective_ThenFailedLast()
    {
        var result = Result([5, 1, 3], [0.7, 0.9, 0.8], higherIsBetter: true);
        CollectionAssert.AreEqual(new[] { 2, 3, 1, 4 }, Ids(result.Ranked));
    }

    [TestMethod]
    public void Plots_RenderedInParallel_AllValid()
    {
        var sweep = PlotFixtures.Sweep();
        var pngs = new byte[8][];
        Parallel.For(0, pngs.Length, i => pngs[i] = (i % 2 == 0 ? PruningPlots.ParetoFront(sweep, SweepQuantity.Bytes) : PruningPlots.Sensitivity(PlotFixtures.Sensitivity())).ToPng(320, 240));
        foreach (byte[] png in pngs) ImageChecks.AssertPng(png, 320, 240);
    }
}
