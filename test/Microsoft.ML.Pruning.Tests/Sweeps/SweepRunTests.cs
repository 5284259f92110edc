using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SweepRunTests
{
    private static string Key(SweepTrial t) => string.Join("; ", t.Parameters.Select(kv => $"{kv.Key}={kv.Value}"));

    [TestMethod]
    public void Grid_MethodBySparsity_CoversEveryCombinationOnce()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("grid",
            SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda"),
            SweepParameter.Range(SweepParameter.Sparsity, 0.5, 0.9));
        options.Strategy = SweepStrategy.Grid;
        options.GridPointsPerRange = 3;
        options.MaxTrials = 10;

        var result = fixture.Run(options);

        var expected = new[] { "magnitude", "wanda" }.SelectMany(m => new[] { "0.5", "0.7", "0.9" }.Select(s => $"Method={m}; Sparsity={s}")).ToArray();
        CollectionAssert.AreEqual(expected, result.Trials.Select(Key).ToArray(), "the first parameter varies slowest; the grid ends the sweep when exhausted");
        Assert.IsTrue(result.Trials.All(t => t.Status == TrialStatus.Succeeded));
        var wanda = result.Trials.First(t => t.Parameters[SweepParameter.Method] == "wanda").Options;
        Assert.IsInstanceOfType<PruneOptions>(wanda);
        Assert.AreEqual("wanda", ((PruneOptions)wanda!).Criterion);
    }

    [TestMethod]
    public void Grid_IntegerRange_RoundsAndDeduplicatesPoints()
    {
        var dimension = new SearchDimension(SweepParameter.IntegerRange(SweepParameter.FineTuneEpochs, 0, 2));
        CollectionAssert.AreEqual(new[] { "0", "1", "2" }, dimension.GridValues(5).ToArray());
        var log = new SearchDimension(SweepParameter.Range("FineTune.LearningRate", 1e-4, 1e-2, logScale: true));
        var points = log.GridValues(3).Select(double.Parse).ToArray();
        Assert.AreEqual(1e-3, points[1], 1e-12, "log ranges are cut geometrically");
    }

    [TestMethod]
    [DataRow(SweepStrategy.Random)]
    [DataRow(SweepStrategy.Tpe)]
    public void Strategy_SameSeed_ReproducesTrialsAndOtherSeedDiffers(SweepStrategy strategy)
    {
        using var fixture = new SweepFixture();
        SweepOptions Make(string folder, int seed)
        {
            var o = fixture.Options(folder,
                SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda"),
                SweepParameter.Range(SweepParameter.Sparsity, 0.3, 0.9),
                new SweepParameter { Name = "CalibrationRows", Minimum = 16, Maximum = 512, IsInteger = true, LogScale = true });
            o.Strategy = strategy;
            o.StartupTrials = 3;
            o.MaxTrials = 7;
            o.Seed = seed;
            return o;
        }

        var first = fixture.Run(Make("a", 5)).Trials;
        var again = fixture.Run(Make("b", 5)).Trials;
        var other = fixture.Run(Make("c", 6)).Trials;

        CollectionAssert.AreEqual(first.Select(Key).ToArray(), again.Select(Key).ToArray());
        CollectionAssert.AreEqual(first.Select(t => t.Options!.Seed).ToArray(), again.Select(t => t.Options!.Seed).ToArray());
        CollectionAssert.AreNotEqual(first.Select(Key).ToArray(), other.Select(Key).ToArray());
        Assert.AreEqual(7, first.Select(t => t.Options!.Seed).Distinct().Count(), "each trial has its own estimator seed");
        foreach (var trial in first)
        {
            double s = double.Parse(trial.Parameters[SweepParameter.Sparsity], System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsTrue(s is >= 0.3 and <= 0.9, $"sparsity {s} inside the range");
            Assert.AreEqual(s, trial.Options!.Sparsity);
            int rows = int.Parse(trial.Parameters["CalibrationRows"], System.Globalization.CultureInfo.InvariantCulture);
            Assert.IsTrue(rows is >= 16 and <= 512, $"calibration rows {rows} inside the range");
            Assert.AreEqual(rows, trial.Options.CalibrationRows);
        }
    }

    [TestMethod]
    public void Constraints_SomeTrialsFeasible_BestIsFeasibleAndOptimalAmongThem()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("feasible", SweepParameter.Range(SweepParameter.Sparsity, 0.1, 0.95));
        options.Strategy = SweepStrategy.Random;
        options.MaxTrials = 12;
        options.Objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, 0.4, SweepReference.FractionOfDense));

        var result = fixture.Run(options);

        double bound = 0.4 * result.Dense.Bytes;
        foreach (var trial in result.Trials)
            Assert.AreEqual(trial.Measurement!.Bytes <= bound, trial.Feasible, $"trial {trial.Id}");
        Assert.IsTrue(result.ConstraintsMet);
        Assert.IsNotNull(result.Best);
        Assert.IsTrue(result.Best.Feasible);
        Assert.AreEqual(result.Trials.Where(t => t.Feasible).Max(t => t.Measurement!.Metric), result.Best.Measurement!.Metric);
        Assert.IsEmpty(result.Closest);
        Assert.AreEqual(0, result.Best.ConstraintViolation);
        StringAssert.Contains(result.Summary, $"Chosen: trial {result.Best.Id}");
        StringAssert.Contains(result.Summary, "meets every constraint");
    }

    [TestMethod]
    public void Constraints_NoTrialFeasible_ReturnsClosestAndSummarySaysSo()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("infeasible", SweepParameter.Range(SweepParameter.Sparsity, 0.1, 0.9));
        options.Strategy = SweepStrategy.Random;
        options.MaxTrials = 8;
        options.Objective = SweepObjective.MaximizeMetric(
            SweepConstraint.AtMost(SweepQuantity.Bytes, 0.01, SweepReference.FractionOfDense),
            SweepConstraint.AtLeast(SweepQuantity.Metric, 0, SweepReference.DifferenceFromDense));

        var result = fixture.Run(options);

        Assert.IsFalse(result.ConstraintsMet);
        Assert.IsTrue(result.Trials.All(t => !t.Feasible && t.ConstraintViolation > 0));
        Assert.HasCount(5, result.Closest);
        Assert.AreSame(result.Closest[0], result.Best);
        var violations = result.Closest.Select(t => t.ConstraintViolation).ToArray();
        CollectionAssert.AreEqual(violations.Order().ToArray(), violations, "closest first");
        Assert.AreEqual(result.Trials.Min(t => t.ConstraintViolation), violations[0]);
        StringAssert.Contains(result.Summary, "No trial met the constraints");
        StringAssert.Contains(result.Summary, $"trial {result.Closest[1].Id}");
        Assert.IsNotNull(result.Chosen, "the closest trial is still re-fitted");
    }

    [TestMethod]
    public void Sweep_TrialFails_RecordedAndSweepGoesOn()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("failing", SweepParameter.Choice(SweepParameter.Sparsity, 0.2, 0.4, 0.6, 0.8));
        options.Strategy = SweepStrategy.Grid;
        var runner = new FakeTrialRunner { FailWhen = r => r.Options?.Sparsity == 0.4 };

        var result = fixture.Run(options, runner);

        Assert.HasCount(4, result.Trials);
        var failed = result.Trials.Single(t => t.Status == TrialStatus.Failed);
        Assert.AreEqual("0.4", failed.Parameters[SweepParameter.Sparsity]);
        StringAssert.Contains(failed.Error, "fake failure of trial 2");
        Assert.IsNull(failed.Measurement);
        Assert.IsFalse(failed.Feasible);
        Assert.AreEqual(3, result.Trials.Count(t => t.Status == TrialStatus.Succeeded), "the trials after the failure ran");
        Assert.AreEqual("0.2", result.Best!.Parameters[SweepParameter.Sparsity]);
        StringAssert.Contains(result.Summary, "1 failed");
        var log = SweepLog.Read(result.LogPath, runner.Requests[1].SweepId);
        Assert.AreEqual(TrialStatus.Failed, log.Trials.Single(t => t.Id == 2).Status);
    }

    [TestMethod]
    public void Sweep_InvalidCombinationOfValidValues_RecordedFailedWithoutRunning()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("combination",
            SweepParameter.Choice("Schedule", "OneShot", "Gradual"),
            SweepParameter.IntegerRange(SweepParameter.FineTuneEpochs, 0, 1));
        options.BaseOptions!.FineTune = new FineTuneOptions { Epochs = 1, LabelColumnName = "Label", BatchSize = 32 };
        options.Strategy = SweepStrategy.Grid;
        var runner = new FakeTrialRunner();

        var result = fixture.Run(options, runner);

        Assert.HasCount(4, result.Trials);
        var invalid = result.Trials.Single(t => t.Status == TrialStatus.Failed);
        Assert.AreEqual(3, invalid.Id, "Gradual without fine-tuning");
        StringAssert.Contains(invalid.Error, "Gradual");
        Assert.IsFalse(runner.Requests.ContainsKey(3), "never sent to the runner");
        Assert.AreEqual(2, result.Best!.Id, "one epoch of fine-tuning scores best; ties go to the earlier trial");
        Assert.IsNotNull(result.Chosen);
    }

    [TestMethod]
    public void Sweep_EveryTrialFails_NoBestNoChosenAndSummarySaysSo()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("all-failed", SweepParameter.Range(SweepParameter.Sparsity, 0.1, 0.9));
        options.Strategy = SweepStrategy.Random;
        options.MaxTrials = 3;
        var runner = new FakeTrialRunner { FailWhen = r => r.TrialId > 0 };

        var result = fixture.Run(options, runner);

        Assert.HasCount(3, result.Trials);
        Assert.IsNull(result.Best);
        Assert.IsNull(result.Chosen);
        Assert.IsFalse(result.ConstraintsMet);
        Assert.IsEmpty(result.Closest);
        Assert.IsEmpty(result.ParetoByBytes);
        StringAssert.Contains(result.Summary, "Every trial failed");
        StringAssert.Contains(result.Summary, "fake failure of trial 1");
    }

    [TestMethod]
    public void Sweep_RunnerTakesTwo_AtMostTwoTrialsInFlight()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("concurrent", SweepParameter.Range(SweepParameter.Sparsity, 0.1, 0.9));
        options.Strategy = SweepStrategy.Random;
        options.MaxTrials = 7;
        var runner = new FakeTrialRunner(maxConcurrentTrials: 2) { Delay = TimeSpan.FromMilliseconds(20) };

        var result = fixture.Run(options, runner);

        Assert.AreEqual(2, runner.MaxInFlight, "two at once, never more");
        CollectionAssert.AreEqual(Enumerable.Range(1, 7).ToArray(), result.Trials.Select(t => t.Id).ToArray(), "the log is kept in trial order");
    }

    /// <summary>Trial 1 waits until its token is canceled; trial 2 throws as a runner that cannot go on.</summary>
    private sealed class GivingUpRunner : ISweepTrialRunner
    {
        public System.Threading.Tasks.TaskCompletionSource TrialOneCanceled { get; } = new(System.Threading.Tasks.TaskCreationOptions.RunContinuationsAsynchronously);

        public int MaxConcurrentTrials => 2;

        public async System.Threading.Tasks.Task<TrialOutcome> RunAsync(TrialRequest request, System.Threading.CancellationToken cancellationToken)
        {
            if (request.TrialId == 0) return TrialOutcome.Success(request, FakeTrialRunner.Measure(null), "fake");
            if (request.TrialId == 2) throw new InvalidOperationException("the cluster is gone");
            try
            {
                await System.Threading.Tasks.Task.Delay(System.Threading.Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                TrialOneCanceled.SetResult();
                throw;
            }
            return TrialOutcome.Success(request, FakeTrialRunner.Measure(request.Options), "fake");
        }
    }

    [TestMethod]
    public void Sweep_RunnerThrows_SweepStopsAndCancelsTheTrialsInFlight()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("giving-up", SweepParameter.Range(SweepParameter.Sparsity, 0.1, 0.9));
        options.Strategy = SweepStrategy.Random;
        options.MaxTrials = 4;
        var runner = new GivingUpRunner();

        var error = Assert.ThrowsExactly<InvalidOperationException>(() => fixture.Run(options, runner));

        StringAssert.Contains(error.Message, "the cluster is gone");
        Assert.IsTrue(runner.TrialOneCanceled.Task.Wait(TimeSpan.FromMinutes(1)), "trial 1, still in flight, was canceled rather than abandoned");
        var log = File.ReadAllText(Path.Combine(options.Directory, "trials.json"));
        StringAssert.Contains(log, "\"Trials\": []", "no trial finished, so a resumed sweep runs 1 and 2 again");
    }

    [TestMethod]
    public void Sweep_Progress_ReportedAfterDenseAndEachTrial()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("progress", SweepParameter.Range(SweepParameter.Sparsity, 0.1, 0.9));
        options.Strategy = SweepStrategy.Random;
        options.MaxTrials = 4;
        var reports = new List<SweepProgress>();

        var result = fixture.Run(options, progress: new InlineProgress<SweepProgress>(reports.Add));

        CollectionAssert.AreEqual(new[] { 0, 1, 2, 3, 4 }, reports.Select(r => r.Completed).ToArray());
        Assert.IsNull(reports[0].Trial);
        Assert.IsTrue(reports.All(r => r.Budget == 4));
        CollectionAssert.AreEqual(new[] { 1, 2, 3, 4 }, reports.Skip(1).Select(r => r.Trial!.Id).ToArray());
        Assert.AreEqual(result.Best!.Id, reports[^1].Best!.Id);
    }

    [TestMethod]
    public void Sweep_InMemoryModel_WritesFolderAndRefitsChosenFromItsOptions()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("files", SweepParameter.Choice(SweepParameter.Sparsity, 0.3, 0.6));
        options.Strategy = SweepStrategy.Grid;
        options.Objective = SweepObjective.Minimize(SweepQuantity.Bytes);
        var runner = new FakeTrialRunner();

        var result = fixture.Run(options, runner);

        string folder = options.Directory;
        Assert.IsTrue(File.Exists(Path.Combine(folder, "trials.json")));
        Assert.AreEqual(Path.Combine(folder, "trials.json"), result.LogPath);
        string model = Path.Combine(folder, "model.onnx");
        Assert.IsTrue(File.Exists(model), "an in-memory base model is written for the workers");
        var train = fixture.Context.Data.LoadFromBinary(Path.Combine(folder, "train.idv"));
        Assert.AreEqual(60L, SweepIdentity.RowCount(train));
        Assert.IsNotNull(train.Schema.GetColumnOrNull("Features"));
        Assert.IsTrue(File.Exists(Path.Combine(folder, "validation.idv")));

        var dense = runner.Requests[0];
        Assert.IsNull(dense.Options);
        Assert.AreEqual(model, dense.DenseModelPath);
        var request = runner.Requests[2];
        Assert.AreEqual(model, request.Options!.ModelPath);
        Assert.AreEqual(Path.Combine(folder, "trial-2.onnx"), request.OutputModelPath);
        Assert.AreEqual(Path.Combine(folder, "train.idv"), request.TrainDataPath);
        Assert.AreEqual(SweepSeeds.ForTrial(options.Seed, 2), request.Options.Seed);

        Assert.AreEqual(2, result.Best!.Id, "fewest bytes: the sparser trial");
        Assert.IsNotNull(result.Chosen);
        Assert.AreEqual(0.6, result.Chosen.Report.Sparsity, 0.01, "re-fitted from the best trial's options");
    }

    [TestMethod]
    public void Sweep_DurationSpent_StartsNoTrial()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("duration", SweepParameter.Range(SweepParameter.Sparsity, 0.1, 0.9));
        options.MaxDuration = TimeSpan.FromTicks(1);
        var runner = new FakeTrialRunner();

        var result = fixture.Run(options, runner);

        Assert.IsEmpty(result.Trials);
        Assert.IsNull(result.Best);
        Assert.IsNull(result.Chosen);
        Assert.AreEqual(1, runner.Requests.Count, "only the dense model was measured");
        StringAssert.Contains(result.Summary, "No trial ran");
    }

    [TestMethod]
    public void Pareto_HandMadeTrials_KeepsNonDominatedOrderedByCost()
    {
        SweepTrial T(int id, double metric, long bytes, double latency) => new()
        {
            Id = id, Status = TrialStatus.Succeeded,
            Measurement = new TrialMeasurement(metric, 100, 50, bytes, null, latency, null, 32, 0),
        };
        var trials = new[]
        {
            T(1, 0.90, 100, 5), T(2, 0.80, 50, 6), T(3, 0.85, 120, 4), T(4, 0.70, 50, 7), T(5, 0.95, 200, 9),
            T(6, 0.90, 100, 5), new SweepTrial { Id = 7, Status = TrialStatus.Failed },
        };

        var byBytes = ParetoFront.ByBytes(trials, metricHigherIsBetter: true);
        CollectionAssert.AreEqual(new[] { 2, 1, 6, 5 }, byBytes.Select(t => t.Id).ToArray(), "3 and 4 are dominated; equal points both stay");

        var byLatency = ParetoFront.ByLatency(trials, metricHigherIsBetter: true);
        CollectionAssert.AreEqual(new[] { 3, 1, 6, 5 }, byLatency.Select(t => t.Id).ToArray(), "batch-1 latency where the batch was not measured");

        var lowerIsBetter = ParetoFront.ByBytes(trials, metricHigherIsBetter: false);
        CollectionAssert.AreEqual(new[] { 4 }, lowerIsBetter.Select(t => t.Id).ToArray(), "smallest error at the fewest bytes dominates all");
    }
}
