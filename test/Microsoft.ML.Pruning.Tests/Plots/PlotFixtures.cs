using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Tests.Plots;

/// <summary>Hand-made results for the plot tests: a sweep of three methods with constraints and a failed trial, a sensitivity table, a report.</summary>
internal static class PlotFixtures
{
    public const long DenseBytes = 1_100_000;

    /// <summary>
    /// 12 trials (magnitude, wanda, coordinate-descent; sparsity 0.5–0.95) plus one failed, objective "max accuracy, bytes ≤ 15 % of
    /// dense, accuracy ≥ dense − 0.05"; trial 3 is the best feasible.
    /// </summary>
    public static SweepResult Sweep(bool constraintsMet = true)
    {
        var options = new SweepOptions
        {
            Metric = SweepMetric.Accuracy("Label", "Score"),
            Objective = SweepObjective.MaximizeMetric(
                SweepConstraint.AtMost(SweepQuantity.Bytes, 0.15, SweepReference.FractionOfDense),
                SweepConstraint.AtLeast(SweepQuantity.Metric, -0.05, SweepReference.DifferenceFromDense)),
            Parameters =
            {
                SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda", "coordinate-descent"),
                SweepParameter.Range(SweepParameter.Sparsity, 0.5, 0.95),
            },
            LatencyBatchSize = 32,
            MaxTrials = 13,
            Directory = "/tmp/sweep",
        };
        var dense = new TrialMeasurement(0.981, 266_200, 266_200, DenseBytes, 266_200, 0.21, 2.9, 32, 0);
        string[] methods = ["magnitude", "wanda", "coordinate-descent"];
        double[] sparsities = [0.5, 0.7, 0.85, 0.95];
        var trials = new List<SweepTrial>();
        int id = 1;
        foreach (string method in methods)
            foreach (double s in sparsities)
            {
                double bonus = method == "coordinate-descent" ? 0.01 : method == "wanda" ? 0.005 : 0;
                double metric = Math.Round(0.981 - 0.06 * Math.Pow(s, 6) + bonus - (constraintsMet ? 0 : 0.2), 4);
                long nonZeros = (long)Math.Round(266_200 * (1 - s));
                long bytes = (long)(DenseBytes * (1 - s) * 1.6) + 4000;
                var m = new TrialMeasurement(metric, 266_200, nonZeros, bytes, (long)(266_200 * (1 - 0.5 * s)), 0.21 - 0.1 * s + 0.001 * id, 2.9 - 1.5 * s + 0.01 * id, 32, 1.5);
                bool feasible = bytes <= 0.15 * DenseBytes && metric >= 0.981 - 0.05;
                trials.Add(new SweepTrial
                {
                    Id = id++,
                    Parameters = new Dictionary<string, string> { [SweepParameter.Method] = method, [SweepParameter.Sparsity] = s.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                    Options = new MagnitudePruningOptions { Sparsity = s, Seed = id },
                    Status = TrialStatus.Succeeded,
                    Measurement = m,
                    Feasible = feasible,
                    ConstraintViolation = feasible ? 0 : Math.Max(0, bytes / (0.15 * DenseBytes) - 1) + Math.Max(0, (0.931 - metric) / 0.931),
                    Worker = "local",
                    Finished = DateTimeOffset.UnixEpoch.AddMinutes(id),
                });
            }
        trials.Add(new SweepTrial
        {
            Id = id,
            Parameters = new Dictionary<string, string> { [SweepParameter.Method] = "lasso", [SweepParameter.Sparsity] = "0.9" },
            Status = TrialStatus.Failed,
            Error = "InvalidOperationException: lasso | needs a label column",
            Worker = "local",
        });
        var succeeded = trials.Where(t => t.Status == TrialStatus.Succeeded).ToList();
        var feasibleTrials = succeeded.Where(t => t.Feasible).OrderByDescending(t => t.Measurement!.Metric).ToList();
        var closest = succeeded.OrderBy(t => t.ConstraintViolation).Take(5).ToList();
        var best = feasibleTrials.FirstOrDefault() ?? closest[0];
        var byBytes = succeeded.Where(t => !succeeded.Any(o => o.Measurement!.Bytes < t.Measurement!.Bytes && o.Measurement.Metric >= t.Measurement.Metric))
            .OrderBy(t => t.Measurement!.Bytes).ToList();
        var byLatency = succeeded.Where(t => !succeeded.Any(o => o.Measurement!.LatencyMilliseconds < t.Measurement!.LatencyMilliseconds && o.Measurement.Metric >= t.Measurement.Metric))
            .OrderBy(t => t.Measurement!.LatencyMilliseconds).ToList();
        string summary = constraintsMet
            ? $"13 trials, 1 failed. Chosen: trial {best.Id} ({TrialMethodsName(best)}), accuracy {best.Measurement!.Metric:G4} vs dense 0.981."
            : "13 trials, 1 failed. No trial met the constraints; the closest are listed.";
        return new SweepResult(options, dense, trials, best, constraintsMet, constraintsMet ? [] : closest, byLatency, byBytes, null,
            TimeSpan.FromSeconds(42), "/tmp/sweep/trials.json", summary);
    }

    /// <summary>A sweep whose every trial failed.</summary>
    public static SweepResult AllFailed()
    {
        var options = new SweepOptions { Metric = SweepMetric.Accuracy("Label", "Score") };
        var dense = new TrialMeasurement(0.98, 100, 100, 1000, null, 0.1, null, 32, 0);
        var trials = new List<SweepTrial>
        {
            new() { Id = 1, Status = TrialStatus.Failed, Error = "FileNotFoundException: model.onnx" },
            new() { Id = 2, Status = TrialStatus.Failed, Error = "FileNotFoundException: model.onnx" },
        };
        return new SweepResult(options, dense, trials, null, false, [], [], [], null, TimeSpan.FromSeconds(1), "/tmp/x/trials.json", "2 trials, 2 failed.");
    }

    /// <summary>Three layers at four sparsities; fc3 is the most sensitive.</summary>
    public static SensitivityResult Sensitivity()
    {
        var result = new SensitivityResult { MetricName = "accuracy", HigherIsBetter = true, DenseMetric = 0.981 };
        string[] layers = ["fc1.weight", "fc2.weight", "fc3.weight"];
        double[] hurt = [0.05, 0.12, 0.6];
        for (int l = 0; l < layers.Length; l++)
        {
            result.Layers.Add(layers[l]);
            result.LayerParameters[layers[l]] = l switch { 0 => 235_200, 1 => 30_000, _ => 1_000 };
            foreach (double s in new[] { 0.5, 0.7, 0.9, 0.95 })
                result.Points.Add(new SensitivityPoint(layers[l], s, Math.Round(0.981 - hurt[l] * Math.Pow(s, 4), 4)));
        }
        return result;
    }

    /// <summary>A report of three layers (one left dense).</summary>
    public static PruningReport Report() => new(
        [
            new LayerSparsity("fc1.weight", [300, 784], 235_200, 23_520),
            new LayerSparsity("fc2.weight", [100, 300], 30_000, 6_000),
            new LayerSparsity("fc3.weight", [10, 100], 1_000, 1_000),
        ],
        DenseBytes, 180_000, TimeSpan.FromSeconds(1), "magnitude");

    private static string TrialMethodsName(SweepTrial t) => t.Parameters[SweepParameter.Method];
}
