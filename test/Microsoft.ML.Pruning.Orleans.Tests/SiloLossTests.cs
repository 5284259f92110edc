using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Orleans.TestingHost;

namespace Microsoft.ML.Pruning.Orleans.Tests;

/// <summary>A silo dies under a trial: its own cluster, since the test kills one of the two silos.</summary>
[TestClass]
public sealed class SiloLossTests
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

    /// <summary>
    /// Starts trials of <paramref name="sweepId"/> until one blocks on a secondary silo, and returns it. Development clustering
    /// keeps the membership table in the primary silo, so only another silo can die and be noticed (on the primary the test
    /// worker answers at once). Starts a secondary silo when an earlier test killed it.
    /// </summary>
    private async Task<(TrialRequest Request, Task<TrialOutcome> Run, SiloHandle Doomed)> StartTrialOnSecondaryAsync(OrleansTrialRunner runner, string sweepId)
    {
        if (s_cluster.Silos.Count < 2)
            await s_cluster.StartAdditionalSiloAsync();
        string primary = s_cluster.Primary!.SiloAddress.ToString();
        for (int trialId = 1; ; trialId++)
        {
            var request = new TrialRequest { SweepId = sweepId, TrialId = trialId, DenseModelPath = TestTrialWorker.BlockFirstAttemptOffPrimary + primary, Metric = SweepMetric.Accuracy("Label", "Score") };
            var run = runner.RunAsync(request, TestContext.CancellationToken);
            var started = TestTrialWorker.Blocked.GetOrAdd((sweepId, trialId), _ => new TestTrialWorker.BlockedTrial()).Started.Task;
            if (await Task.WhenAny(run, started).WaitAsync(TestContext.CancellationToken) == started)
            {
                string doomed = await started;
                return (request, run, s_cluster.Silos.Single(s => s.SiloAddress.ToString() == doomed));
            }
            Assert.AreEqual(primary, (await run).Worker);
        }
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task RunAsync_SiloKilledMidTrial_TrialReRunOnOtherSiloAsAttempt2()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2) { SiloCheckInterval = TimeSpan.FromMilliseconds(200) };
        var (request, run, doomedSilo) = await StartTrialOnSecondaryAsync(runner, "silo-loss");
        string doomed = doomedSilo.SiloAddress.ToString();

        await s_cluster.KillSiloAsync(doomedSilo);
        var outcome = await run.WaitAsync(TestContext.CancellationToken);

        Assert.IsTrue(outcome.Succeeded, outcome.Error);
        Assert.AreEqual(2, outcome.Attempt);
        Assert.AreEqual(request.TrialId, outcome.TrialId);
        Assert.AreNotEqual(doomed, outcome.Worker);
        Assert.AreEqual(s_cluster.Primary!.SiloAddress.ToString(), outcome.Worker);
        Assert.AreEqual((double)request.TrialId, outcome.Measurement!.Metric);
        Assert.AreEqual(1, request.Attempt, "the caller's request is not changed");
        var runs = TestTrialWorker.Runs.Where(r => r.Key.Sweep == request.SweepId && r.Key.Trial == request.TrialId).OrderBy(r => r.Key.Attempt).ToArray();
        Assert.HasCount(2, runs);
        Assert.AreEqual(doomed, runs[0].Value);
        Assert.AreEqual(outcome.Worker, runs[1].Value);
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task RunAsync_SiloKilledOnLastAttempt_ThrowsTrialLostException()
    {
        var runner = new OrleansTrialRunner(s_cluster.Client, maxConcurrentTrials: 2, maxAttempts: 1) { SiloCheckInterval = TimeSpan.FromMilliseconds(200) };
        var (request, run, doomedSilo) = await StartTrialOnSecondaryAsync(runner, "silo-loss-last");

        await s_cluster.KillSiloAsync(doomedSilo);

        var error = await Assert.ThrowsExactlyAsync<TrialLostException>(() => run.WaitAsync(TestContext.CancellationToken));
        Assert.AreEqual(request.TrialId, error.TrialId);
        Assert.AreEqual(1, error.Attempts);
        Assert.Contains($"Trial {request.TrialId} lost its silo", error.Message);
        Assert.HasCount(1, TestTrialWorker.Runs.Keys.Where(k => k.Sweep == request.SweepId && k.Trial == request.TrialId));
    }
}
