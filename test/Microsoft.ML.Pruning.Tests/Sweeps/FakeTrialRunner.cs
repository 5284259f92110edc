using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

/// <summary>
/// A runner that prunes nothing: it computes a deterministic measurement from the request's options, so the sweep's logic
/// (strategies, budget, log, ranking) is tested on its own. With sparsity s (0 for the dense model): metric = 1 − s² (+0.02 for a
/// criterion other than magnitude, +0.01 per fine-tune epoch), 1000 parameters of which 1000·(1 − s) non-zero, bytes 100 + 10000·(1 − s),
/// latency 1 + (1 − s) ms at batch 1 and ten times that at the sweep's batch.
/// </summary>
internal sealed class FakeTrialRunner : ISweepTrialRunner
{
    private int _inFlight;
    private int _maxInFlight;

    public FakeTrialRunner(int maxConcurrentTrials = 1) => MaxConcurrentTrials = maxConcurrentTrials;

    /// <inheritdoc />
    public int MaxConcurrentTrials { get; }

    /// <summary>Requests seen, by trial id (0: the dense model).</summary>
    public ConcurrentDictionary<int, TrialRequest> Requests { get; } = new();

    /// <summary>The most requests that were running at once.</summary>
    public int MaxInFlight => _maxInFlight;

    /// <summary>Requests this returns as failed (the worker's error), when set.</summary>
    public Func<TrialRequest, bool>? FailWhen { get; init; }

    /// <summary>When set, each trial waits this long (so that several overlap); the time is never asserted on.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>The measurement a request gets.</summary>
    public static TrialMeasurement Measure(PruningOptions? options, int latencyBatchSize = 32)
    {
        double s = options?.Sparsity ?? 0;
        double metric = 1 - s * s;
        if (options is PruneOptions prune && !string.Equals(prune.Criterion, "magnitude", StringComparison.OrdinalIgnoreCase)) metric += 0.02;
        if (options?.FineTune is { } fineTune) metric += 0.01 * fineTune.Epochs;
        long nonZeros = (long)Math.Round(1000 * (1 - s));
        double latency = 1 + (1 - s);
        return new TrialMeasurement(metric, 1000, nonZeros, 100 + (long)Math.Round(10000 * (1 - s)), nonZeros, latency, 10 * latency, latencyBatchSize, 0);
    }

    /// <inheritdoc />
    public async Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken)
    {
        // What crosses a process boundary: the request must survive its JSON.
        request = TrialRequest.FromJson(request.ToJson());
        Requests[request.TrialId] = request;
        int now = Interlocked.Increment(ref _inFlight);
        int seen;
        while ((seen = _maxInFlight) < now && Interlocked.CompareExchange(ref _maxInFlight, now, seen) != seen) { }
        try
        {
            if (Delay > TimeSpan.Zero) await Task.Delay(Delay, cancellationToken);
            else await Task.Yield();
            if (FailWhen?.Invoke(request) == true)
                return TrialOutcome.Failure(request, new InvalidOperationException($"fake failure of trial {request.TrialId}"), "fake");
            return TrialOutcome.Success(request, Measure(request.Options, request.LatencyBatchSize), "fake");
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }
}
