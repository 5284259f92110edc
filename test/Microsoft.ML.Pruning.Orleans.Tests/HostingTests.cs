using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using Orleans.Runtime;

namespace Microsoft.ML.Pruning.Orleans.Tests;

/// <summary>The public hosting helpers: endpoints, grain keys, and a real localhost silo reached through <see cref="PruningCluster"/>.</summary>
[TestClass]
public sealed class HostingTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void TrialGrainKey_Format_SweepTrialAttempt()
    {
        Assert.AreEqual("ab12/7/2", TrialGrainKey.Format("ab12", 7, 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => TrialGrainKey.Format("ab12", 7, 0));
    }

    [TestMethod]
    public void ClusterEndpoint_Parse_AddressesAndHostNames()
    {
        Assert.AreEqual(new IPEndPoint(IPAddress.Parse("10.0.0.5"), 11111), ClusterEndpoint.Parse("10.0.0.5:11111"));
        Assert.AreEqual(new IPEndPoint(IPAddress.IPv6Loopback, 30000), ClusterEndpoint.Parse("[::1]:30000"));
        var localhost = ClusterEndpoint.Parse("localhost:30000");
        Assert.IsTrue(IPAddress.IsLoopback(localhost.Address));
        Assert.AreEqual(30000, localhost.Port);
    }

    [TestMethod]
    [DataRow("10.0.0.5")]
    [DataRow("10.0.0.5:0")]
    [DataRow("10.0.0.5:70000")]
    [DataRow(":30000")]
    [DataRow("no-such-host.invalid:30000")]
    public void ClusterEndpoint_Parse_NotHostAndPort_FormatExceptionNamingIt(string text)
    {
        var error = Assert.ThrowsExactly<FormatException>(() => ClusterEndpoint.Parse(text));
        Assert.Contains($"'{text}'", error.Message);
    }

    [TestMethod]
    public void PruningSilo_Build_BadSettings_Throw()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PruningSilo.Build(new PruningSiloSettings { SiloPort = 0 }));
        Assert.ThrowsExactly<FormatException>(() => PruningSilo.Build(new PruningSiloSettings { AdvertisedAddress = "not-an-ip" }));
        Assert.ThrowsExactly<FormatException>(() => PruningSilo.Build(new PruningSiloSettings { PrimarySilo = "nowhere" }));
    }

    [TestMethod]
    public async Task PruningCluster_ConnectAsync_BadSettings_Throw()
    {
        await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() => PruningCluster.ConnectAsync(new PruningClientSettings { MaxAttempts = 0 }, TestContext.CancellationToken));
        await Assert.ThrowsExactlyAsync<ArgumentOutOfRangeException>(() => PruningCluster.ConnectAsync(new PruningClientSettings { ResponseTimeout = TimeSpan.Zero }, TestContext.CancellationToken));
        var gatewayless = new PruningClientSettings();
        gatewayless.Gateways.Add("nowhere");
        await Assert.ThrowsExactlyAsync<FormatException>(() => PruningCluster.ConnectAsync(gatewayless, TestContext.CancellationToken));
    }

    [TestMethod]
    [Timeout(120_000, CooperativeCancellation = true)]
    public async Task PruningSilo_PrimaryAndSecondary_ClientOnSecondaryGatewaySeesBothAndItsExecutorRunsTheTrial()
    {
        PruningSiloSettings Settings(string? primary) => new()
        {
            PrimarySilo = primary,
            AdvertisedAddress = "127.0.0.1",
            SiloPort = FreePort(),
            GatewayPort = FreePort(),
            ClusterId = "hosting-test",
            ServiceId = "hosting-test",
        };
        var primarySettings = Settings(primary: null);
        var secondarySettings = Settings(primary: $"127.0.0.1:{primarySettings.SiloPort}");
        using var primary = PruningSilo.Build(primarySettings);
        using var secondary = PruningSilo.Build(secondarySettings);
        await primary.StartAsync(TestContext.CancellationToken);
        try
        {
            await secondary.StartAsync(TestContext.CancellationToken);
            try
            {
                string[] silos =
                [
                    primary.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString(),
                    secondary.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToString(),
                ];
                var client = new PruningClientSettings { ClusterId = "hosting-test", ServiceId = "hosting-test" };
                client.Gateways.Add($"127.0.0.1:{secondarySettings.GatewayPort}");
                await using var runner = await PruningCluster.ConnectAsync(client, TestContext.CancellationToken);
                Assert.AreEqual(2, runner.MaxConcurrentTrials, "one trial per active silo");

                // The silos' worker is the sweep's executor: a model it cannot read is that trial's failure, reported by a silo.
                var request = new TrialRequest
                {
                    SweepId = "hosting",
                    TrialId = 0,
                    DenseModelPath = "/no/such/dense.onnx",
                    Metric = SweepMetric.Accuracy("Label", "Score"),
                };
                var outcome = await runner.RunAsync(request, TestContext.CancellationToken);

                Assert.IsFalse(outcome.Succeeded);
                Assert.IsFalse(string.IsNullOrEmpty(outcome.Error));
                Assert.Contains(outcome.Worker!, silos);
                Assert.AreEqual(1, outcome.Attempt);
            }
            finally
            {
                await secondary.StopAsync(TestContext.CancellationToken);
            }
        }
        finally
        {
            await primary.StopAsync(TestContext.CancellationToken);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
