using System.Threading.Tasks;
using System.Threading;
using System;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>The default runner: trials one at a time in this process, through <see cref="TrialExecutor"/>.</summary>
public sealed partial class LocalTrialRunner : ISweepTrialRunner
{
    private readonly TrialExecutor _executor;

    /// <summary>A runner on <paramref name="context"/> (a new one with seed 1 when null).</summary>
    public LocalTrialRunner(MLContext? context = null) => _executor = new TrialExecutor(context);

    /// <inheritdoc />
    public int MaxConcurrentTrials => 1;

    /// <inheritdoc />
    public Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken)
        => Task.Run(() => _executor.Run(request, "local", cancellationToken), cancellationToken);
}
