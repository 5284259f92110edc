using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Microsoft.ML.Pruning.Orleans.Tests;

/// <summary>Two-silo in-process clusters for the tests.</summary>
internal static class TestClusters
{
    /// <summary>A deployed 2-silo cluster on TCP whose silos run <see cref="TestTrialWorker"/> (or the real executor).</summary>
    public static async Task<TestCluster> StartAsync(bool realExecutor = false)
    {
        var builder = new TestClusterBuilder(2);
        // Real sockets (TestingHost defaults to an in-memory transport): a silo dies as a process would, and a client built
        // like ml-prune's (PruningCluster.ConnectAsync) can reach the gateways.
        builder.Options.ConnectionTransport = ConnectionTransportType.TcpSocket;
        if (realExecutor)
            builder.AddSiloBuilderConfigurator<ExecutorSilo>();
        else
            builder.AddSiloBuilderConfigurator<TestWorkerSilo>();
        builder.AddClientBuilderConfigurator<LongCallsClient>();
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private sealed class TestWorkerSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<ITrialWorker, TestTrialWorker>();
            siloBuilder.AddPruningTrialWorkers(); // keeps the test worker: registers the executor only when none is
            FastFailureDetection(siloBuilder);
        }
    }

    private sealed class ExecutorSilo : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => FastFailureDetection(siloBuilder.AddPruningTrialWorkers());
    }

    /// <summary>A killed silo is declared dead in a few seconds instead of Orleans' default tens of seconds.</summary>
    private static void FastFailureDetection(ISiloBuilder siloBuilder) =>
        siloBuilder.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            o.NumMissedProbesLimit = 2;
            o.NumVotesForDeathDeclaration = 1;
        });

    /// <summary>As <see cref="PruningCluster.ConnectAsync"/> does: a response timeout far above any test, so a lost silo is noticed by Orleans, not by a timeout.</summary>
    private sealed class LongCallsClient : IClientBuilderConfigurator
    {
        public void Configure(IConfiguration configuration, IClientBuilder clientBuilder) =>
            clientBuilder.Configure<ClientMessagingOptions>(o =>
            {
                o.ResponseTimeout = TimeSpan.FromMinutes(10);
                o.CancelRequestOnTimeout = true;
            });
    }
}
