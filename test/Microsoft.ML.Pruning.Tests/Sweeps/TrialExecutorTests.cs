using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class TrialExecutorTests
{
    [TestMethod]
    public void Run_MagnitudeTrial_MeasuresWhatThePrunedTransformerGives()
    {
        var ml = new MLContext(1);
        string output = SweepTestFiles.NewPath(".onnx");
        var request = SweepTestFiles.Request(SweepTestFiles.Magnitude(0.7));
        request.OutputModelPath = output;

        var outcome = new TrialExecutor(ml).Run(request, "w1");

        Assert.IsTrue(outcome.Succeeded, outcome.Error);
        Assert.AreEqual("w1", outcome.Worker);
        Assert.AreEqual(1, outcome.TrialId);
        var m = outcome.Measurement!;
        var byHand = ml.Pruning().Magnitude(SweepTestFiles.Magnitude(0.7)).Fit(SweepTestFiles.Load(ml, SweepTestFiles.TrainPath));
        Assert.AreEqual(SweepTestFiles.Accuracy(byHand.Transform(SweepTestFiles.Load(ml, SweepTestFiles.ValidationPath))), m.Metric, 1e-12);
        Assert.AreEqual(byHand.CompactOnnx.Length, m.Bytes);
        Assert.AreEqual(byHand.Report.TotalParameters, m.Parameters);
        Assert.AreEqual(byHand.Report.TotalNonZeros, m.NonZeroParameters);
        Assert.AreEqual(0.7, m.Sparsity, 0.01);
        CollectionAssert.AreEqual(byHand.CompactOnnx.ToArray(), File.ReadAllBytes(output), "the written file is the compact model");
        Assert.AreEqual(8 * 16 + 16 * 3, m.Macs);
        Assert.IsGreaterThan(0.0, m.LatencyBatch1Milliseconds);
        Assert.IsNotNull(m.LatencyMilliseconds);
        Assert.IsGreaterThan(0.0, m.LatencyMilliseconds.Value);
        Assert.AreEqual(8, m.LatencyBatchSize);
        Assert.IsGreaterThan(0.0, m.FitSeconds);
    }

    [TestMethod]
    public void Run_FixedBatchModel_LatencyAtTheBatchIsNull()
    {
        var request = SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5, SweepTestFiles.FixedBatchModelPath), denseModelPath: SweepTestFiles.FixedBatchModelPath);

        var outcome = new TrialExecutor(new MLContext(1)).Run(request);

        Assert.IsTrue(outcome.Succeeded, outcome.Error);
        Assert.IsNull(outcome.Measurement!.LatencyMilliseconds);
        Assert.IsGreaterThan(0.0, outcome.Measurement.LatencyBatch1Milliseconds);
    }

    [TestMethod]
    public void Run_TrialZero_MeasuresTheDenseModel()
    {
        var ml = new MLContext(1);

        var outcome = new TrialExecutor(ml).Run(SweepTestFiles.Request(null));

        Assert.IsTrue(outcome.Succeeded, outcome.Error);
        Assert.AreEqual(0, outcome.TrialId);
        var m = outcome.Measurement!;
        var validation = SweepTestFiles.Load(ml, SweepTestFiles.ValidationPath);
        var dense = ml.Transforms.ApplyOnnxModel(SweepTestFiles.Outputs, SweepTestFiles.Inputs, SweepTestFiles.ModelPath).Fit(validation).Transform(validation);
        Assert.AreEqual(SweepTestFiles.Accuracy(dense), m.Metric, 1e-12);
        Assert.AreEqual(8 * 16 + 16 * 3, m.Parameters);
        Assert.AreEqual(m.Parameters, m.NonZeroParameters, "the trained weights are all non-zero");
        Assert.AreEqual(0.0, m.FitSeconds);
        // Bytes as every trial counts them: the dense weights through the same compaction (none is sparse enough to shrink).
        Assert.AreEqual(ml.Pruning().Magnitude(SweepTestFiles.Magnitude(0)).Fit(SweepTestFiles.Load(ml, SweepTestFiles.TrainPath)).CompactOnnx.Length, m.Bytes);
        var pruned = new TrialExecutor(ml).Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.9))).Measurement!;
        Assert.IsLessThan(m.Bytes, pruned.Bytes, "a 90 % sparse file is smaller than the dense one");
    }

    [TestMethod]
    public void Run_RequestJsonRoundTrip_GivesTheSameMeasurement()
    {
        // The random criterion: only the stored seed makes the trial reproducible.
        var options = new PruneOptions
        {
            ModelPath = SweepTestFiles.ModelPath, OutputColumnNames = SweepTestFiles.Outputs, InputColumnNames = SweepTestFiles.Inputs,
            Criterion = "random", Sparsity = 0.6, Seed = 1234,
        };
        var request = SweepTestFiles.Request(options);

        var first = new TrialExecutor(new MLContext(1)).Run(request).Measurement!;
        var again = new TrialExecutor(new MLContext(99)).Run(TrialRequest.FromJson(request.ToJson())).Measurement!;
        var otherSeed = SweepTestFiles.Request(new PruneOptions
        {
            ModelPath = SweepTestFiles.ModelPath, OutputColumnNames = SweepTestFiles.Outputs, InputColumnNames = SweepTestFiles.Inputs,
            Criterion = "random", Sparsity = 0.6, Seed = 4321,
        });
        var other = new TrialExecutor(new MLContext(1)).Run(otherSeed).Measurement!;

        Assert.AreEqual(first.Metric, again.Metric);
        Assert.AreEqual(first.NonZeroParameters, again.NonZeroParameters);
        Assert.AreEqual(first.Bytes, again.Bytes);
        Assert.AreNotEqual(first.Metric, other.Metric, "another seed prunes other weights (the seed is what reproduces the trial)");
    }

    [TestMethod]
    public void Run_UnreadableDataPath_FailsNamingThePath()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.idv");
        var request = SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5));
        request.TrainDataPath = missing;
        string garbage = SweepTestFiles.NewPath(".idv");
        File.WriteAllText(garbage, "not an IDataView");
        var corrupt = SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5));
        corrupt.ValidationDataPath = garbage;
        var executor = new TrialExecutor(new MLContext(1));

        var outcome = executor.Run(request);
        var corruptOutcome = executor.Run(corrupt);

        Assert.IsFalse(outcome.Succeeded);
        StringAssert.Contains(outcome.Error, missing);
        StringAssert.Contains(outcome.Error, nameof(TrialRequest.TrainDataPath));
        Assert.IsNull(outcome.Measurement);
        Assert.IsFalse(corruptOutcome.Succeeded);
        StringAssert.Contains(corruptOutcome.Error, garbage);
    }

    [TestMethod]
    public void Run_UnreadableModelPath_FailsWithTheMessage()
    {
        string missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.onnx");

        var outcome = new TrialExecutor(new MLContext(1)).Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5, missing)));

        Assert.IsFalse(outcome.Succeeded);
        StringAssert.Contains(outcome.Error, Path.GetFileName(missing));
    }

    [TestMethod]
    public void Run_BadLabelColumn_FailsNamingTheColumn()
    {
        var executor = new TrialExecutor(new MLContext(1));

        var missing = executor.Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5), SweepMetric.Accuracy("Nope", "Score")));
        var boolean = executor.Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5), SweepMetric.Accuracy("IsPositive", "Score")));
        var score = executor.Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5), SweepMetric.Accuracy("Label", "Missing")));

        Assert.IsFalse(missing.Succeeded);
        StringAssert.Contains(missing.Error, "Could not find input column 'Nope'");
        Assert.IsFalse(boolean.Succeeded);
        StringAssert.Contains(boolean.Error, "'IsPositive'");
        Assert.IsFalse(score.Succeeded);
        StringAssert.Contains(score.Error, "'Missing'");
    }

    [TestMethod]
    public void Run_IntegerClassLabel_GivesTheKeyLabelsAccuracy()
    {
        var executor = new TrialExecutor(new MLContext(1));

        var key = executor.Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.8))).Measurement!;
        var index = executor.Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.8), SweepMetric.Accuracy("Class", "Score"))).Measurement!;

        Assert.AreEqual(key.Metric, index.Metric);
    }

    [TestMethod]
    public void Run_Fidelity_IsOneAtSparsityZeroAndLowerWhenPruned()
    {
        var executor = new TrialExecutor(new MLContext(1));
        var fidelity = SweepMetric.Fidelity("Score");

        var unpruned = executor.Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0), fidelity));
        var pruned = executor.Run(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.9), fidelity));

        Assert.IsTrue(unpruned.Succeeded, unpruned.Error);
        Assert.AreEqual(1.0, unpruned.Measurement!.Metric, 1e-6);
        Assert.IsTrue(pruned.Succeeded, pruned.Error);
        Assert.IsLessThan(0.999, pruned.Measurement!.Metric);
        Assert.IsGreaterThan(0.0, pruned.Measurement.Metric);
    }

    [TestMethod]
    public void Run_CanceledToken_Throws()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();

        Assert.ThrowsExactly<OperationCanceledException>(() => new TrialExecutor(new MLContext(1)).Run(SweepTestFiles.Request(null), cancellationToken: source.Token));
    }

    [TestMethod]
    public async Task LocalTrialRunner_RunAsync_ReturnsTheExecutorsOutcome()
    {
        var runner = new LocalTrialRunner(new MLContext(1));

        var outcome = await runner.RunAsync(SweepTestFiles.Request(SweepTestFiles.Magnitude(0.5)), CancellationToken.None);

        Assert.AreEqual(1, runner.MaxConcurrentTrials);
        Assert.IsTrue(outcome.Succeeded, outcome.Error);
        Assert.AreEqual("local", outcome.Worker);
        Assert.AreEqual(0.5, outcome.Measurement!.Sparsity, 0.01);
    }
}
