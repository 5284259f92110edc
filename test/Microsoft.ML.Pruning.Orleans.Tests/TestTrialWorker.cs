using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;
using Orleans.Runtime;

namespace Microsoft.ML.Pruning.Orleans.Tests;

/// <summary>
/// A stand-in <see cref="ITrialWorker"/> whose behaviour the request's <see cref="TrialRequest.DenseModelPath"/> chooses:
/// <c>measure</c> succeeds with Metric = TrialId; <c>fail</c> reports a failed outcome; <c>throw</c> throws;
/// <c>block-first-unless-on:{silo}</c> blocks attempt 1 until released or canceled, unless it runs on that silo (then, and
/// from attempt 2, it succeeds at once).
/// Every run is recorded in <see cref="Runs"/>, so a test can count attempts per trial.
/// </summary>
internal sealed class TestTrialWorker(ILocalSiloDetails silo) : ITrialWorker
{
    public const string Measure = "measure";
    public const string Fail = "fail";
    public const string Throw = "throw";
    public const string BlockFirstAttemptOffPrimary = "block-first-unless-on:";

    /// <summary>(sweep, trial, attempt) → the silo that started it.</summary>
    public static ConcurrentDictionary<(string Sweep, int Trial, int Attempt), string> Runs { get; } = new();

    /// <summary>Blocked first attempts per (sweep, trial): started (with the silo's name), released, canceled.</summary>
    public static ConcurrentDictionary<(string Sweep, int Trial), BlockedTrial> Blocked { get; } = new();

    private readonly string _name = silo.SiloAddress.ToString();

    public async Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken)
    {
        Runs[(request.SweepId, request.TrialId, request.Attempt)] = _name;
        string behaviour = request.DenseModelPath;
        if (behaviour.StartsWith(BlockFirstAttemptOffPrimary, StringComparison.Ordinal))
        {
            if (request.Attempt > 1 || behaviour[BlockFirstAttemptOffPrimary.Length..] == _name)
                return TrialOutcome.Success(request, Measurement(request.TrialId), _name);
            var blocked = Blocked.GetOrAdd((request.SweepId, request.TrialId), _ => new BlockedTrial());
            blocked.Started.TrySetResult(_name);
            try
            {
                await blocked.Release.Task.WaitAsync(cancellationToken);
            }
            catch (OperationCanceledException)
            {
                blocked.Canceled.TrySetResult(_name);
                throw;
            }
            return TrialOutcome.Success(request, Measurement(request.TrialId), _name);
        }
        return behaviour switch
        {
            Measure => TrialOutcome.Success(request, Measurement(request.TrialId), _name),
            Fail => TrialOutcome.Failure(request, new System.IO.FileNotFoundException($"Could not find file '/no/such/{request.TrialId}.onnx'."), _name),
            Throw => throw new InvalidOperationException($"worker exploded on trial {request.TrialId}"),
            _ => throw new ArgumentException($"unknown test behaviour '{behaviour}'"),
        };
    }

    private static TrialMeasurement Measurement(int trialId) => new(trialId, 100, 50, 1000, 200, 0.5, 2.0, 8, 0.1);

    public sealed class BlockedTrial
    {
        public TaskCompletionSource<string> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource<string> Canceled { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
