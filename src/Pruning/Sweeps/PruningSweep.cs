using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// A sweep over pruning settings that finds the best pruned model for a budget (<c>mlContext.Pruning().Sweep(options)</c>):
/// every trial measured (metric, parameters, bytes, MACs, ONNX Runtime latency on this machine), the trial log written
/// atomically after each trial and resumed when the sweep is run again on the same folder.
/// </summary>
public sealed partial class PruningSweep
{
    /// <summary>File names of the data the workers read, in the sweep's folder.</summary>
    internal const string TrainDataFileName = "train.idv", ValidationDataFileName = "validation.idv";

    /// <summary>How many of the closest trials are kept when none meets the constraints.</summary>
    internal const int ClosestCount = 5;

    private readonly MLContext _context;

    internal PruningSweep(MLContext context, SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        _context = context;
        Options = options;
    }

    /// <summary>The options this sweep was made with.</summary>
    public SweepOptions Options { get; }

    /// <summary>Runs (or resumes) the sweep: <see cref="RunAsync"/> waited on.</summary>
    public SweepResult Run(IDataView trainData, IDataView validationData, ISweepTrialRunner? runner = null, IProgress<SweepProgress>? progress = null,
        CancellationToken cancellationToken = default)
        => RunAsync(trainData, validationData, runner, progress, cancellationToken).GetAwaiter().GetResult();

    /// <summary>
    /// Runs (or resumes) the sweep. The options are checked first (an invalid value in the search space fails naming the option,
    /// before the first trial); the data are written once to the sweep's folder; the dense model is measured; trials are proposed by
    /// the strategy and run on <paramref name="runner"/> (default <see cref="LocalTrialRunner"/>), up to its concurrency; the log is
    /// rewritten atomically after each.
    /// </summary>
    /// <remarks>
    /// Trial i is proposed from the trials finished when its turn comes (ordered by id) and a generator seeded by the sweep's seed
    /// and i, so a sweep resumed from its log proposes what an uninterrupted one would have: exactly so with a runner that takes
    /// one trial at a time; with several in flight, which trials have finished at a proposal depends on their timing. Trials
    /// missing from the log (canceled in flight) are run again on resume, under their own numbers.
    /// </remarks>
    /// <param name="trainData">Calibration and fine-tuning rows.</param>
    /// <param name="validationData">Rows the metric is measured on.</param>
    /// <param name="runner">Where trials run; null runs them one by one in this process.</param>
    /// <param name="progress">Told after each finished trial, one report at a time, on a thread-pool thread (a <c>Progress&lt;T&gt;</c> made on a UI thread posts back to it).</param>
    /// <param name="cancellationToken">Stops proposing trials; the log keeps every finished one.</param>
    /// <exception cref="ArgumentException">An option or a value of the search space is invalid (nothing was written).</exception>
    /// <exception cref="InvalidDataException">The folder holds a corrupt log or the log of another sweep (it is left as is).</exception>
    /// <exception cref="OperationCanceledException">Canceled; the log keeps every trial that finished.</exception>
    public async Task<SweepResult> RunAsync(IDataView trainData, IDataView validationData, ISweepTrialRunner? runner = null, IProgress<SweepProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        ArgumentNullException.ThrowIfNull(validationData);
        var clock = Stopwatch.StartNew();
        var options = Options;
        var space = SweepOptionsValidator.Validate(options);
        runner ??= new LocalTrialRunner(_context);
        int concurrency = Math.Max(1, runner.MaxConcurrentTrials);

        // Nothing is written before the folder's log, if any, is known to be this sweep's.
        string sweepId = SweepIdentity.Compute(options, trainData, validationData);
        string directory = Path.GetFullPath(options.Directory);
        string logPath = Path.Combine(directory, SweepLog.FileName);
        var log = File.Exists(logPath) ? SweepLog.Read(logPath, sweepId) : new SweepLog { SweepId = sweepId };
        log.Options = options;
        int resumed = log.Trials.Count;

        Directory.CreateDirectory(directory);
        var paths = new DataPaths(Path.Combine(directory, TrainDataFileName), Path.Combine(directory, ValidationDataFileName));
        SaveData(trainData, paths.Train);
        SaveData(validationData, paths.Validation);
        options.BaseOptions!.Model?.Save(space.ModelPath);

        if (log.Dense is null) log.Dense = await MeasureDenseAsync(runner, sweepId, space.ModelPath, paths, cancellationToken).ConfigureAwait(false);
        var dense = log.Dense;
        var ranking = new SweepRanking(options.Objective, options.Metric, dense);
        foreach (var constraint in options.Objective.Constraints)
            if (ranking.Threshold(constraint) is null)
                throw new InvalidOperationException($"The constraint {constraint} is relative to the dense model, whose {constraint.Quantity} could not be measured; make it absolute.");
        foreach (var trial in log.Trials) ranking.Assess(trial);
        log.Write(logPath);
        progress?.Report(new SweepProgress(log.Trials.Count, options.MaxTrials, null, BestOf(log.Trials, ranking)));

        var strategy = CreateStrategy(options, space, ranking);
        var finishedIds = log.Trials.Select(t => t.Id).ToHashSet();
        var waiting = new Queue<int>(Enumerable.Range(1, options.MaxTrials).Where(id => !finishedIds.Contains(id)));
        var inFlight = new Dictionary<Task<TrialOutcome>, PendingTrial>();
        bool exhausted = false;
        // A runner that throws (it cannot go on: an Orleans trial whose silos kept dying) stops the sweep, as does a log that cannot be
        // written; the trials still in flight are then canceled, not abandoned, and a resumed sweep runs them again.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            while (true)
            {
                while (!exhausted && inFlight.Count < concurrency && waiting.Count > 0 && !cancellationToken.IsCancellationRequested
                       && !(options.MaxDuration is { } limit && clock.Elapsed >= limit))
                {
                    int id = waiting.Dequeue();
                    var values = strategy.Propose(id, log.Trials);
                    if (values is null)
                    {
                        exhausted = true;
                        break;
                    }
                    var pending = new PendingTrial(id, values);
                    PruningOptions trialOptions;
                    try
                    {
                        trialOptions = space.Apply(values, SweepSeeds.ForTrial(options.Seed, id));
                    }
                    catch (ArgumentException e)
                    {
                        // A combination of individually valid values can still be invalid (e.g. the Gradual schedule without fine-tuning).
                        Record(log, logPath, ranking, pending, null, TrialOutcome.Failure(new TrialRequest { TrialId = id }, e, "sweep"), progress);
                        continue;
                    }
                    var request = Request(sweepId, id, trialOptions, space.ModelPath, paths);
                    request.OutputModelPath = options.KeepTrialModels ? Path.Combine(directory, $"trial-{id}.onnx") : null;
                    inFlight.Add(runner.RunAsync(request, stop.Token), pending with { Options = trialOptions });
                }
                if (inFlight.Count == 0) break;
                var done = await Task.WhenAny(inFlight.Keys).ConfigureAwait(false);
                var finished = inFlight[done];
                inFlight.Remove(done);
                TrialOutcome outcome;
                try
                {
                    outcome = await done.ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    continue; // not finished: a resumed sweep runs it again
                }
                Record(log, logPath, ranking, finished, finished.Options, outcome, progress);
            }
        }
        finally
        {
            if (inFlight.Count > 0) stop.Cancel();
        }
        cancellationToken.ThrowIfCancellationRequested();

        var trials = log.Trials.ToArray();
        var succeeded = trials.Where(t => t.Status == TrialStatus.Succeeded && t.Measurement is not null).ToArray();
        var best = BestOf(succeeded, ranking);
        bool met = best?.Feasible == true;
        IReadOnlyList<SweepTrial> closest = best is null || met ? [] : [.. succeeded.Order(ranking).Take(ClosestCount)];
        bool higherIsBetter = options.Metric.HigherIsBetter;
        var byLatency = ParetoFront.ByLatency(succeeded, higherIsBetter);
        var byBytes = ParetoFront.ByBytes(succeeded, higherIsBetter);
        var chosen = best is null ? null : Refit(best, trainData, logPath);
        string summary = SweepSummary.Write(options, dense, trials, best, met, closest, ranking, resumed);
        return new SweepResult(options, dense, trials, best, met, closest, byLatency, byBytes, chosen, clock.Elapsed, logPath, summary);
    }

    /// <summary>A trial between its proposal and its outcome.</summary>
    private sealed record PendingTrial(int Id, IReadOnlyDictionary<string, string> Values, PruningOptions? Options = null);

    /// <summary>Where the sweep wrote the data.</summary>
    private sealed record DataPaths(string Train, string Validation);

    private TrialRequest Request(string sweepId, int id, PruningOptions? options, string modelPath, DataPaths paths)
    {
        var baseOptions = Options.BaseOptions!;
        return new TrialRequest
        {
            SweepId = sweepId,
            TrialId = id,
            Options = options,
            DenseModelPath = modelPath,
            OutputColumnNames = [.. baseOptions.OutputColumnNames],
            InputColumnNames = [.. baseOptions.InputColumnNames],
            InputShapes = new Dictionary<string, int[]>(baseOptions.InputShapes, StringComparer.Ordinal),
            TrainDataPath = paths.Train,
            ValidationDataPath = paths.Validation,
            Metric = Options.Metric,
            LatencyBatchSize = Options.LatencyBatchSize,
            LatencyRepeats = Options.LatencyRepeats,
            LatencyWarmup = Options.LatencyWarmup,
            LatencyIntraOpThreads = Options.LatencyIntraOpThreads,
        };
    }

    /// <summary>Trial 0: the unpruned model scored and measured by the runner, the reference of relative constraints.</summary>
    private async Task<TrialMeasurement> MeasureDenseAsync(ISweepTrialRunner runner, string sweepId, string modelPath, DataPaths paths, CancellationToken cancellationToken)
    {
        var outcome = await runner.RunAsync(Request(sweepId, 0, null, modelPath, paths), cancellationToken).ConfigureAwait(false);
        if (!outcome.Succeeded || outcome.Measurement is null)
            throw new InvalidOperationException($"The dense model '{modelPath}' could not be measured (trial 0: {outcome.Error ?? "no measurement"}); the sweep needs it as its reference.");
        return outcome.Measurement;
    }

    /// <summary>Adds a finished trial to the log (by id), rewrites the log atomically and reports progress.</summary>
    private void Record(SweepLog log, string logPath, SweepRanking ranking, PendingTrial pending, PruningOptions? options, TrialOutcome outcome,
        IProgress<SweepProgress>? progress)
    {
        bool succeeded = outcome.Succeeded && outcome.Measurement is not null;
        var trial = new SweepTrial
        {
            Id = pending.Id,
            Parameters = new Dictionary<string, string>(pending.Values, StringComparer.Ordinal),
            Options = options,
            Status = succeeded ? TrialStatus.Succeeded : TrialStatus.Failed,
            Error = succeeded ? null : outcome.Error ?? "The runner reported success without a measurement.",
            Worker = outcome.Worker,
            Attempts = Math.Max(1, outcome.Attempt),
            Measurement = succeeded ? outcome.Measurement : null,
            Finished = DateTimeOffset.UtcNow,
        };
        ranking.Assess(trial);
        int at = log.Trials.FindIndex(t => t.Id > trial.Id);
        log.Trials.Insert(at < 0 ? log.Trials.Count : at, trial);
        log.Write(logPath);
        progress?.Report(new SweepProgress(log.Trials.Count, Options.MaxTrials, trial, BestOf(log.Trials, ranking)));
    }

    private static SweepTrial? BestOf(IEnumerable<SweepTrial> trials, SweepRanking ranking) =>
        trials.Where(t => t.Status == TrialStatus.Succeeded && t.Measurement is not null).Order(ranking).FirstOrDefault();

    private static ISweepStrategy CreateStrategy(SweepOptions options, SweepSearchSpace space, SweepRanking ranking) => options.Strategy switch
    {
        SweepStrategy.Grid => new GridStrategy(space.Dimensions, options.GridPointsPerRange),
        SweepStrategy.Random => new RandomStrategy(space.Dimensions, options.Seed),
        _ => new TpeStrategy(space.Dimensions, options.Seed, options.StartupTrials, ranking),
    };

    /// <summary>Writes <paramref name="data"/> as an ML.NET binary IDataView file, atomically (temporary file, then a rename).</summary>
    private void SaveData(IDataView data, string path)
    {
        string temp = Path.Combine(Path.GetDirectoryName(path)!, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                _context.Data.SaveAsBinary(data, stream, keepHidden: false);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>
    /// The chosen trial's transformer, fitted again in this process from its stored options (same seed) on the training rows: the
    /// trial is reproducible from the log alone.
    /// </summary>
    private PrunedModelTransformer Refit(SweepTrial best, IDataView trainData, string logPath)
    {
        // A copy through the log's own JSON, so that the stored options are not touched and nothing unserialized is relied on.
        var options = JsonSerializer.Deserialize<PruningOptions>(JsonSerializer.Serialize(best.Options, SweepJson.Options), SweepJson.Options)!;
        UnserializedOptions.Restore(options, Options.BaseOptions!); // as the trial got them (SweepSearchSpace.Build)
        try
        {
            return new PruningEstimator(_context, options).Fit(trainData);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"Re-fitting the chosen trial {best.Id} from its options failed ({e.GetType().Name}: {e.Message}); the log '{logPath}' keeps every trial.", e);
        }
    }
}
