using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Orleans.TestingHost;

namespace Microsoft.ML.Pruning.Orleans.Tests;

/// <summary>
/// Trials through the real <see cref="ExecutorTrialWorker"/> (the sweep's <see cref="TrialExecutor"/>) on a 2-silo cluster:
/// a small MLP and its data written where both silos read them, as a sweep folder would hold them.
/// </summary>
[TestClass]
[TestCategory("needs-executor")]
public sealed class ExecutorClusterTests
{
    private const int FeatureCount = 8;
    private const int ClassCount = 3;
    private static TestCluster s_cluster = null!;
    private static string s_folder = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartCluster(TestContext context)
    {
        s_folder = Directory.CreateTempSubdirectory("orleans-executor-").FullName;
        MlpGraphBuilder.Build("Features", FeatureCount, [16], ClassCount, MlpActivation.Relu, MlpHead.Multiclass, seed: 7)
            .Save(Path.Combine(s_folder, "model.onnx"));
        var ml = new MLContext(seed: 1);
        SaveRows(ml, Path.Combine(s_folder, "train.idv"), count: 120, seed: 1);
        SaveRows(ml, Path.Combine(s_folder, "validation.idv"), count: 60, seed: 2);
        s_cluster = await TestClusters.StartAsync(realExecutor: true);
    }

    [ClassCleanup]
    public static async Task StopCluster()
    {
        await s_cluster.DisposeAsync();
        Directory.Delete(s_folder, recursive: true);
    }

    private sealed class Row
    {
        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];

        public uint Class { get; set; }
    }

    /// <summary>Gaussian blobs, class c around +3 on feature c, Label a key over the classes.</summary>
    private static void SaveRows(MLContext ml, string path, int count, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            int c = i % ClassCount;
            var x = new float[FeatureCount];
            for (int f = 0; f < FeatureCount; f++)
                x[f] = (float)(random.NextDouble() - 0.5 + (f == c ? 3 : 0));
            return new Row { Features = x, Class = (uint)c };
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var keyed = ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(data).Transform(data);
        using var stream = File.Create(path);
        ml.Data.SaveAsBinary(keyed, stream);
    }

    private static TrialRequest Request(int trialId, string modelPath) => new()
    {
        SweepId = "executor",
        TrialId = trialId,
        Options = new MagnitudePruningOptions
        {
            ModelPath = modelPath,
            OutputColumnNames = ["Score"],
            InputColumnNames = ["Features"],
            Sparsity = 0.5,
            Seed = 11,
        },
        DenseModelPath = Path.Combine(s_folder, "model.onnx"),
        OutputColumnNames = ["Score"],
        InputColumnNames = ["Features"],
        TrainDataPath = Path.Combine(s_folder, "train.idv"),
        ValidationDataPath = Path.Combine(s_folder, "validation.idv"),
        Metric = SweepMetric.Accuracy("Label", "Score"),
        LatencyBatchSize = 4,
        LatencyRepeats = 3,
        LatencyWarmup = 1,
    };

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task RealExecutor_MagnitudeTrial_MeasuredOnASilo()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        var outcome = await runner.RunAsync(Request(1, Path.Combine(s_folder, "model.onnx")), TestContext.CancellationToken);

        Assert.IsTrue(outcome.Succeeded, outcome.Error);
        Assert.AreEqual(1, outcome.Attempt);
        Assert.Contains(outcome.Worker!, s_cluster.Silos.Select(s => s.SiloAddress.ToString()).ToArray());
        var measurement = outcome.Measurement!;
        Assert.AreEqual(0.5, measurement.Sparsity, 0.05);
        Assert.IsTrue(measurement.Metric is >= 0 and <= 1, $"accuracy {measurement.Metric}");
        Assert.IsGreaterThan(0L, measurement.Bytes);
        Assert.IsGreaterThan(0.0, measurement.LatencyBatch1Milliseconds);
    }

    [TestMethod]
    [Timeout(300_000, CooperativeCancellation = true)]
    public async Task RealExecutor_UnreadableModelPath_FailedOutcomeWithWorkersMessageNotRetried()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        string missing = Path.Combine(s_folder, "no-such-model.onnx");
        var outcome = await runner.RunAsync(Request(2, missing), TestContext.CancellationToken);

        Assert.IsFalse(outcome.Succeeded);
        Assert.AreEqual(1, outcome.Attempt);
        Assert.Contains("no-such-model.onnx", outcome.Error!);
        Assert.Contains(outcome.Worker!, s_cluster.Silos.Select(s => s.SiloAddress.ToString()).ToArray());
    }
}
