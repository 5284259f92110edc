using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class StrategyTests
{
    private static readonly SearchDimension[] Space =
    [
        new(SweepParameter.Range("X", 0, 1)),
        new(SweepParameter.Range("Y", 1e-4, 1e-1, logScale: true)),
        new(SweepParameter.IntegerRange("N", 1, 20)),
        new(SweepParameter.Choice("C", "a", "b", "c", "d")),
    ];

    /// <summary>A smooth synthetic objective with its maximum 0.1 at X = 0.73, Y = 10^−2.5, N = 14, C = c.</summary>
    private static double Objective(IReadOnlyDictionary<string, string> v)
    {
        double x = double.Parse(v["X"], CultureInfo.InvariantCulture), y = double.Parse(v["Y"], CultureInfo.InvariantCulture);
        int n = int.Parse(v["N"], CultureInfo.InvariantCulture);
        return -(x - 0.73) * (x - 0.73) - 0.05 * Math.Pow(Math.Log10(y) + 2.5, 2) - 0.002 * (n - 14) * (n - 14) + (v["C"] == "c" ? 0.1 : 0);
    }

    private static SweepRanking Ranking() =>
        new(SweepObjective.MaximizeMetric(), SweepMetric.Accuracy("Label", "Score"), new TrialMeasurement(0, 1, 1, 1, null, 1, null, 1, 0));

    /// <summary>Runs <paramref name="strategy"/> for <paramref name="trials"/> trials on the synthetic objective; the trials in order.</summary>
    private static List<SweepTrial> Run(ISweepStrategy strategy, int trials)
    {
        var ranking = Ranking();
        var finished = new List<SweepTrial>();
        for (int id = 1; id <= trials; id++)
        {
            var values = strategy.Propose(id, finished)!;
            var trial = new SweepTrial
            {
                Id = id, Parameters = new Dictionary<string, string>(values), Status = TrialStatus.Succeeded,
                Measurement = new TrialMeasurement(Objective(values), 1, 1, 1, null, 1, null, 1, 0),
            };
            ranking.Assess(trial);
            finished.Add(trial);
        }
        return finished;
    }

    [TestMethod]
    public void Tpe_SyntheticObjective_BeatsRandomOnAverageOverSeeds()
    {
        const int trials = 40;
        double tpe = 0, random = 0;
        int seeds = 0, tpeWins = 0;
        for (int seed = 1; seed <= 8; seed++, seeds++)
        {
            double t = Run(new TpeStrategy(Space, seed, startupTrials: 10, Ranking()), trials).Max(x => x.Measurement!.Metric);
            double r = Run(new RandomStrategy(Space, seed), trials).Max(x => x.Measurement!.Metric);
            tpe += t;
            random += r;
            if (t > r) tpeWins++;
        }
        double tpeRegret = 0.1 - tpe / seeds, randomRegret = 0.1 - random / seeds;
        Assert.IsLessThan(randomRegret * 0.7, tpeRegret, $"mean regret TPE {tpeRegret:G3} vs random {randomRegret:G3}");
        Assert.IsGreaterThan(seeds / 2, tpeWins, $"TPE ahead on {tpeWins} of {seeds} seeds");
    }

    [TestMethod]
    public void Tpe_StartupTrials_AreTheRandomStrategysDraws()
    {
        var tpe = Run(new TpeStrategy(Space, 3, startupTrials: 5, Ranking()), 5);
        var random = Run(new RandomStrategy(Space, 3), 5);
        CollectionAssert.AreEqual(random.Select(t => string.Join(",", t.Parameters.Values)).ToArray(), tpe.Select(t => string.Join(",", t.Parameters.Values)).ToArray());
    }

    [TestMethod]
    public void Tpe_SameFinishedTrials_ProposesTheSameNextTrial()
    {
        var history = Run(new TpeStrategy(Space, 4, startupTrials: 4, Ranking()), 12);
        // A fresh strategy given the first 11 finished trials (as after a resume) proposes what trial 12 was.
        var again = new TpeStrategy(Space, 4, startupTrials: 4, Ranking()).Propose(12, history.Take(11).ToList())!;
        CollectionAssert.AreEqual(history[11].Parameters.ToArray(), again.ToArray());
    }

    [TestMethod]
    public void Tpe_InfeasibleTrials_RankedBelowFeasibleOnes()
    {
        var ranking = new SweepRanking(SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, 100)),
            SweepMetric.Accuracy("Label", "Score"), new TrialMeasurement(1, 1, 1, 1000, null, 1, null, 1, 0));
        SweepTrial T(int id, double metric, long bytes)
        {
            var t = new SweepTrial { Id = id, Status = TrialStatus.Succeeded, Measurement = new TrialMeasurement(metric, 1, 1, bytes, null, 1, null, 1, 0) };
            ranking.Assess(t);
            return t;
        }
        var trials = new[] { T(1, 0.99, 300), T(2, 0.5, 90), T(3, 0.7, 100), T(4, 0.98, 150), new SweepTrial { Id = 5, Status = TrialStatus.Failed } };
        ranking.Assess(trials[4]);
        CollectionAssert.AreEqual(new[] { 3, 2, 4, 1, 5 }, trials.Order(ranking).Select(t => t.Id).ToArray(),
            "feasible by metric, infeasible by violation (0.5 < 2), failed last");
        Assert.AreEqual(0.5, trials[3].ConstraintViolation, 1e-12);
    }

    [TestMethod]
    public void Random_LogRange_DrawsLogUniformly()
    {
        var strategy = new RandomStrategy([new SearchDimension(SweepParameter.Range("Y", 1e-4, 1, logScale: true))], 1);
        var values = Enumerable.Range(1, 400).Select(i => double.Parse(strategy.Propose(i, [])!["Y"], CultureInfo.InvariantCulture)).ToArray();
        int belowHundredth = values.Count(v => v < 1e-2);
        // Log-uniform: half the draws below 10^-2 (a uniform draw would put 1 % there).
        Assert.IsTrue(belowHundredth is > 160 and < 240, $"{belowHundredth} of 400 below 1e-2");
        Assert.IsTrue(values.All(v => v is >= 1e-4 and <= 1));
    }

    [TestMethod]
    public void Random_IntegerRange_DrawsEveryValueInside()
    {
        var strategy = new RandomStrategy([new SearchDimension(SweepParameter.IntegerRange("N", 0, 3))], 2);
        var values = Enumerable.Range(1, 200).Select(i => strategy.Propose(i, [])!["N"]).ToArray();
        CollectionAssert.AreEquivalent(new[] { "0", "1", "2", "3" }, values.Distinct().ToArray());
    }
}
