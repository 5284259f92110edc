using System;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>Makes a silo able to run sweep trials.</summary>
public static class SiloBuilderExtensions
{
    /// <summary>
    /// Registers <see cref="ExecutorTrialWorker"/> as the silo's <see cref="ITrialWorker"/> (unless one is registered already),
    /// so the <see cref="ITrialWorkerGrain"/>s it hosts run trials through the sweep's executor.
    /// </summary>
    /// <example><code>builder.UseOrleans(silo => silo.UseLocalhostClustering().AddPruningTrialWorkers());</code></example>
    public static ISiloBuilder AddPruningTrialWorkers(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<ITrialWorker, ExecutorTrialWorker>();
        return builder;
    }
}
