using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Orleans.TestingHost;

namespace Microsoft.ML.Pruning.Orleans.Tests;

/// <summary>The runner on a 2-silo in-process cluster whose silos run <see cref="TestTrialWorker"/>; one cluster for the class.</summary>
[TestClass]
public sealed class OrleansTrialRunnerTests
{
    private static TestCluster s_cluster = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static async Task StartCluster(TestContext context) => s_cluster = await TestClusters.StartAsync();

    [ClassCleanup]
    public static async Task StopCluster()
    {
        foreach (var blocked in TestTrialWorker.Blocked.Values)
            blocked.Release.TrySetResult();
        await s_cluster.DisposeAsync();
    }

    private static TrialRequest Request(string sweepId, int trialId, string behaviour) =>
        new() { SweepId = sweepId, TrialId = trialId, DenseModelPath = behaviour, Metric = SweepMetric.Accuracy("Label", "Score") };

    private static string[] SiloNames() => s_cluster.Silos.Select(s => s.SiloAddress.ToString()).ToArray();

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task RunAsync_ConcurrentTrials_EachOutcomeComesBackWithItsMeasurement()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 8)
            .Select(i => runner.RunAsync(Request("flow", i, TestTrialWorker.Measure), TestContext.CancellationToken)));

        for (int i = 0; i < outcomes.Length; i++)
        {
            Assert.IsTrue(outcomes[i].Succeeded, outcomes[i].Error);
            Assert.AreEqual(i + 1, outcomes[i].TrialId);
            Assert.AreEqual(1, outcomes[i].Attempt);
            Assert.AreEqual(i + 1.0, outcomes[i].Measurement!.Metric);
            Assert.AreEqual(1000L, outcomes[i].Measurement!.Bytes);
            Assert.Contains(outcomes[i].Worker!, SiloNames());
        }
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task RunAsync_ManyTrials_RunOnBothSilos()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        // Random placement: all 32 on one silo has probability 2^-31.
        var outcomes = await Task.WhenAll(Enumerable.Range(1, 32)
            .Select(i => runner.RunAsync(Request("spread", i, TestTrialWorker.Measure), TestContext.CancellationToken)));

        var workers = outcomes.Select(o => o.Worker!).Distinct().Order(StringComparer.Ordinal).ToArray();
        CollectionAssert.AreEqual(SiloNames().Order(StringComparer.Ordinal).ToArray(), workers);
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task RunAsync_WorkerReportsFailure_FailedOutcomeWithWorkersMessageNotRetried()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        var outcome = await runner.RunAsync(Request("worker-failure", 4, TestTrialWorker.Fail), TestContext.CancellationToken);

        Assert.IsFalse(outcome.Succeeded);
        Assert.AreEqual("FileNotFoundException: Could not find file '/no/such/4.onnx'.", outcome.Error);
        Assert.AreEqual(1, outcome.Attempt);
        Assert.IsNull(outcome.Measurement);
        Assert.Contains(outcome.Worker!, SiloNames());
        Assert.HasCount(1, TestTrialWorker.Runs.Keys.Where(k => k.Sweep == "worker-failure"));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task RunAsync_WorkerThrows_FailedOutcomeNamingTheExceptionNotRetried()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        var outcome = await runner.RunAsync(Request("worker-throws", 6, TestTrialWorker.Throw), TestContext.CancellationToken);

        Assert.IsFalse(outcome.Succeeded);
        Assert.AreEqual("InvalidOperationException: worker exploded on trial 6", outcome.Error);
        Assert.AreEqual(6, outcome.TrialId);
        Assert.AreEqual(1, outcome.Attempt);
        Assert.Contains(outcome.Worker!, SiloNames());
        Assert.HasCount(1, TestTrialWorker.Runs.Keys.Where(k => k.Sweep == "worker-throws"));
    }

    [TestMethod]
    public async Task RunAsync_CustomMetric_ThrowsArgumentExceptionNamingCustomMetric()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        var request = Request("custom", 1, TestTrialWorker.Measure);
        request.Metric = SweepMetric.Custom("f1", _ => 1.0);

        var error = await Assert.ThrowsExactlyAsync<ArgumentException>(() => runner.RunAsync(request, TestContext.CancellationToken));
        Assert.Contains("SweepMetric.CustomMetric", error.Message);
        Assert.IsEmpty(TestTrialWorker.Runs.Keys.Where(k => k.Sweep == "custom"));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task RunAsync_Canceled_ThrowsAndTheSiloStopsTheTrial()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2);
        using var sweep = CancellationTokenSource.CreateLinkedTokenSource(TestContext.CancellationToken);
        var blocked = TestTrialWorker.Blocked.GetOrAdd(("cancel", 2), _ => new TestTrialWorker.BlockedTrial());
        var run = runner.RunAsync(Request("cancel", 2, TestTrialWorker.BlockFirstAttemptOffPrimary + "no-such-silo"), sweep.Token);
        string silo = await blocked.Started.Task.WaitAsync(TestContext.CancellationToken);

        await sweep.CancelAsync();

        await Assert.ThrowsAsync<OperationCanceledException>(() => run);
        Assert.AreEqual(silo, await blocked.Canceled.Task.WaitAsync(TestContext.CancellationToken), "the worker saw the sweep's cancellation");
        Assert.HasCount(1, TestTrialWorker.Runs.Keys.Where(k => k.Sweep == "cancel"));
    }

    [TestMethod]
    [Timeout(60_000, CooperativeCancellation = true)]
    public async Task RunAsync_TrialOutlivesResponseTimeout_FailedOutcomeNotRetriedAndStoppedOnItsSilo()
    {
        // A second client, as ml-prune connects: the cluster's gateways, a response timeout far below the trial.
        var settings = new PruningClientSettings
        {
            ClusterId = s_cluster.Options.ClusterId,
            ServiceId = s_cluster.Options.ServiceId,
            ResponseTimeout = TimeSpan.FromSeconds(3),
        };
        foreach (var silo in s_cluster.Silos)
            settings.Gateways.Add(silo.GatewayAddress.Endpoint.ToString());
        await using var runner = await PruningCluster.ConnectAsync(settings, TestContext.CancellationToken);
        Assert.AreEqual(2, runner.MaxConcurrentTrials);
        var blocked = TestTrialWorker.Blocked.GetOrAdd(("timeout", 3), _ => new TestTrialWorker.BlockedTrial());

        var outcome = await runner.RunAsync(Request("timeout", 3, TestTrialWorker.BlockFirstAttemptOffPrimary + "no-such-silo"), TestContext.CancellationToken);

        Assert.IsFalse(outcome.Succeeded);
        StringAssert.StartsWith(outcome.Error, "TimeoutException: ");
        Assert.AreEqual(1, outcome.Attempt);
        Assert.AreEqual(await blocked.Started.Task, await blocked.Canceled.Task.WaitAsync(TestContext.CancellationToken), "Orleans cancels a timed-out call on its silo");
        Assert.HasCount(1, TestTrialWorker.Runs.Keys.Where(k => k.Sweep == "timeout"));
    }

    [TestMethod]
    public async Task CreateAsync_NoConcurrencyGiven_OneTrialPerActiveSilo()
    {
        var runner = await OrleansTrialRunner.CreateAsync(s_cluster.Client, cancellationToken: TestContext.CancellationToken);
        Assert.AreEqual(2, runner.MaxConcurrentTrials);
        Assert.AreEqual(3, runner.MaxAttempts);

        var fixedRunner = await OrleansTrialRunner.CreateAsync(s_cluster.Client, maxConcurrentTrials: 5, maxAttempts: 1, TestContext.CancellationToken);
        Assert.AreEqual(5, fixedRunner.MaxConcurrentTrials);
        Assert.AreEqual(1, fixedRunner.MaxAttempts);
    }

    [TestMethod]
    public void Constructor_InvalidLimits_Throw()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 1, maxAttempts: 0));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new OrleansTrialRunner(s_cluster.Client, 1) { SiloCheckInterval = TimeSpan.Zero });
    }
}
