using System;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.ML.Pruning.Sweeps;
using Orleans;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace Microsoft.ML.Pruning.Orleans;

/// <summary>
/// Runs sweep trials on an Orleans cluster: each attempt of each trial is an <see cref="ITrialWorkerGrain"/> placed at random
/// on a live silo, which executes it from its serialized options and model/data paths. When the silo hosting a trial dies
/// mid-call, the trial is run again as attempt + 1 (a new grain, so another silo), up to <see cref="MaxAttempts"/>; a trial
/// whose worker reports a failure (an unreadable model, an invalid option) is not re-run: its failed outcome comes back with the
/// worker's message.
/// </summary>
/// <remarks>
/// <para>A trial call lasts as long as the trial: the client's <c>ClientMessagingOptions.ResponseTimeout</c> (Orleans' default is
/// 30 s) must exceed the longest trial. <see cref="PruningCluster.ConnectAsync"/> sets it from
/// <see cref="PruningClientSettings.ResponseTimeout"/> (2 h by default); set it yourself on a client you build. A trial that
/// outlives it comes back as a failed outcome (TimeoutException), not re-run: it would time out again.</para>
/// <para>A silo's death is learned from the cluster's membership, not from the call: Orleans 10 ends a client's pending call
/// when its gateway dies, but a call into another silo that dies only ends at the response timeout. So the runner asks the
/// grain for its silo first and, while the trial runs, looks that silo up every <see cref="SiloCheckInterval"/>.</para>
/// </remarks>
/// <example>
/// <code>
/// await using var runner = await PruningCluster.ConnectAsync(new PruningClientSettings { Gateways = { "10.0.0.5:30000" } });
/// var result = await mlContext.Pruning().Sweep(options).RunAsync(train, validation, runner);
/// </code>
/// </example>
public sealed class OrleansTrialRunner : ISweepTrialRunner, IAsyncDisposable
{
    private readonly IGrainFactory _grainFactory;
    private readonly IHost? _ownedHost;
    private readonly TimeSpan _siloCheckInterval = TimeSpan.FromSeconds(5);

    /// <summary>How long activating a trial's grain (no work: placement and a constructor) may take before the attempt counts as lost.</summary>
    private static readonly TimeSpan PlacementTimeout = TimeSpan.FromMinutes(1);

    /// <summary>A runner that calls grains through <paramref name="grainFactory"/> (an <see cref="IClusterClient"/>, or a silo's factory).</summary>
    /// <param name="grainFactory">The cluster.</param>
    /// <param name="maxConcurrentTrials">Trials the sweep may keep in flight; usually the number of silos (see <see cref="CreateAsync"/>).</param>
    /// <param name="maxAttempts">How many times a trial is started when its silo keeps dying (1: never re-run).</param>
    public OrleansTrialRunner(IGrainFactory grainFactory, int maxConcurrentTrials, int maxAttempts = 3)
        : this(grainFactory, maxConcurrentTrials, maxAttempts, ownedHost: null)
    {
    }

    internal OrleansTrialRunner(IGrainFactory grainFactory, int maxConcurrentTrials, int maxAttempts, IHost? ownedHost)
    {
        ArgumentNullException.ThrowIfNull(grainFactory);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentTrials, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAttempts, 1);
        _grainFactory = grainFactory;
        MaxConcurrentTrials = maxConcurrentTrials;
        MaxAttempts = maxAttempts;
        _ownedHost = ownedHost;
    }

    /// <summary>
    /// A runner whose <see cref="MaxConcurrentTrials"/> is <paramref name="maxConcurrentTrials"/>, or when null the number of
    /// active silos (at least 1), asked of the cluster's management grain now.
    /// </summary>
    public static async Task<OrleansTrialRunner> CreateAsync(
        IGrainFactory grainFactory, int? maxConcurrentTrials = null, int maxAttempts = 3, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(grainFactory);
        int concurrency = maxConcurrentTrials ?? await CountActiveSilosAsync(grainFactory, cancellationToken);
        return new OrleansTrialRunner(grainFactory, concurrency, maxAttempts);
    }

    /// <inheritdoc />
    public int MaxConcurrentTrials { get; }

    /// <summary>How many times a trial is started when its silo keeps dying under it.</summary>
    public int MaxAttempts { get; }

    /// <summary>
    /// How often a running trial's silo is looked up in the cluster's membership (default 5 s). A silo the cluster declares dead
    /// (Orleans' failure detector: missed probes, by default some 15-30 s after the silo stops answering) loses its trials, which
    /// are re-run elsewhere.
    /// </summary>
    public TimeSpan SiloCheckInterval
    {
        get => _siloCheckInterval;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(value, TimeSpan.Zero);
            _siloCheckInterval = value;
        }
    }

    /// <summary>
    /// Runs <paramref name="request"/> on the cluster. The outcome's <see cref="TrialOutcome.Attempt"/> says which attempt
    /// produced it and <see cref="TrialOutcome.Worker"/> which silo.
    /// </summary>
    /// <exception cref="ArgumentException">The request's metric is <see cref="SweepMetricKind.Custom"/>: a delegate cannot cross to a silo.</exception>
    /// <exception cref="TrialLostException">The trial's silo died on every attempt.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled (the silo is told to stop the trial).</exception>
    public async Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Metric.Kind == SweepMetricKind.Custom)
            throw new ArgumentException(
                $"{nameof(SweepMetric)}.{nameof(SweepMetric.CustomMetric)} is a delegate that runs in this process only; the Orleans runner sends trials to other processes. Use a built-in {nameof(SweepMetricKind)} or the local runner.",
                nameof(request));
        // A copy: the caller's request keeps its attempt; each attempt is a new grain key, so placement chooses afresh.
        var attemptRequest = TrialRequest.FromJson(request.ToJson());
        for (int attempts = 1, attempt = request.Attempt; ; attempts++, attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            attemptRequest.Attempt = attempt;
            var grain = _grainFactory.GetGrain<ITrialWorkerGrain>(TrialGrainKey.Format(request.SweepId, request.TrialId, attempt));
            Exception lost;
            try
            {
                string? outcomeJson = await RunWatchedAsync(grain, attemptRequest.ToJson(), cancellationToken);
                if (outcomeJson is not null)
                {
                    var outcome = TrialOutcome.FromJson(outcomeJson);
                    outcome.TrialId = request.TrialId;
                    outcome.Attempt = attempt;
                    return outcome;
                }
                lost = new SiloUnavailableException($"The silo running trial {request.TrialId} attempt {attempt} was declared dead by the cluster.");
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception e) when (IsSiloLoss(e))
            {
                lost = e;
            }
            catch (Exception e)
            {
                // Not the cluster's doing (e.g. a request the silo cannot read): the trial failed, the sweep goes on.
                return TrialOutcome.Failure(attemptRequest, e, "orleans");
            }
            if (attempts >= MaxAttempts)
                throw new TrialLostException(request.TrialId, attempts, lost);
        }
    }

    /// <summary>
    /// Places the grain, learns its silo, runs the trial and, while it runs, checks every <see cref="SiloCheckInterval"/> whether
    /// the cluster declared that silo dead. Returns the outcome's JSON, or null when the silo died (the call is abandoned).
    /// </summary>
    private async Task<string?> RunWatchedAsync(ITrialWorkerGrain grain, string requestJson, CancellationToken cancellationToken)
    {
        string silo;
        try
        {
            silo = await grain.GetSiloAsync().WaitAsync(PlacementTimeout, cancellationToken);
        }
        catch (TimeoutException e)
        {
            // Placed on a silo that stopped answering before the cluster noticed: try another key.
            throw new SiloUnavailableException($"The trial's grain was not activated within {PlacementTimeout}.", e);
        }
        using var callCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = grain.RunTrialAsync(requestJson, callCancellation.Token);
        while (!call.IsCompleted)
        {
            await Task.WhenAny(call, Task.Delay(SiloCheckInterval, cancellationToken));
            if (call.IsCompleted)
                break;
            cancellationToken.ThrowIfCancellationRequested();
            if (await IsDeclaredDeadAsync(silo, cancellationToken))
            {
                // Frees the call's callback in this client; the silo is gone, so nothing runs there any more.
                callCancellation.Cancel();
                _ = call.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                return null;
            }
        }
        return await call;
    }

    /// <summary>
    /// Whether the cluster's membership lists <paramref name="silo"/> as dead. Only Orleans' own death declaration counts (a
    /// silo missing from the answer may have joined after the management grain's view): a slow silo is never given up on.
    /// </summary>
    private async Task<bool> IsDeclaredDeadAsync(string silo, CancellationToken cancellationToken)
    {
        try
        {
            var hosts = await _grainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: false)
                .WaitAsync(SiloCheckInterval, cancellationToken);
            return hosts.Any(h => h.Value == SiloStatus.Dead && string.Equals(h.Key.ToString(), silo, StringComparison.Ordinal));
        }
        catch (Exception e) when (e is TimeoutException || IsSiloLoss(e))
        {
            return false; // no answer now (the management grain's own silo may be the dead one); ask again next time
        }
    }

    /// <summary>Whether <paramref name="error"/> means the call lost its silo (or the way to it), not that the trial failed.</summary>
    internal static bool IsSiloLoss(Exception error) => error is
        SiloUnavailableException              // the hosting silo was declared dead while the call was pending
        or OrleansMessageRejectionException   // the message could not be delivered (target or gateway gone)
        or ConnectionFailedException          // no connection to the gateway or silo
        or GatewayTooBusyException;

    /// <summary>Stops and disposes the client this runner was connected with (<see cref="PruningCluster.ConnectAsync"/>); otherwise nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownedHost is null)
            return;
        try
        {
            await _ownedHost.StopAsync();
        }
        finally
        {
            _ownedHost.Dispose();
        }
    }

    internal static async Task<int> CountActiveSilosAsync(IGrainFactory grainFactory, CancellationToken cancellationToken)
    {
        var hosts = await grainFactory.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(cancellationToken);
        return Math.Max(1, hosts.Count);
    }
}
