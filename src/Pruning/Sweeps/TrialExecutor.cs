using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Stages;
using Microsoft.ML.Pruning.Structured;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Runs one <see cref="TrialRequest"/> in this process: reads the data files, fits the estimator its options describe (or
/// scores the dense model for trial 0), measures the metric, parameters, bytes, MACs and ONNX Runtime latency, and writes the
/// compact file if asked. Every runner ends here: the local one, a CLI worker process, an Orleans silo.
/// </summary>
/// <remarks>
/// <para>
/// The dense model (trial 0) is measured through the same path as a trial, so its numbers compare with theirs: it is "pruned" by
/// magnitude at sparsity 0, which changes no weight, and the resulting transformer gives the parameters and non-zeros of every
/// prunable layer (<see cref="PruningReport.TotalParameters"/>, <see cref="PruningReport.TotalNonZeros"/>), the bytes of its
/// <see cref="PrunedModelTransformer.CompactOnnx"/> (the dense file after the same <c>Compact()</c> every trial's file goes
/// through: a weight that already has many zeros is stored sparsely there too), its MACs, latency and metric.
/// </para>
/// <para>
/// Cached per executor, keyed by full path, length and last write time (a rewritten file is read again): the loaded data views,
/// and for <see cref="SweepMetricKind.Fidelity"/> the dense model's outputs of the validation rows (scored once with
/// <c>ApplyOnnxModel</c> on <see cref="TrialRequest.DenseModelPath"/>). Safe to call from several threads.
/// </para>
/// </remarks>
public sealed partial class TrialExecutor
{
    private readonly MLContext _context;
    private readonly ConcurrentDictionary<string, Lazy<IDataView>> _data = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<float[]>>> _denseOutputs = new(StringComparer.Ordinal);

    /// <summary>An executor on <paramref name="context"/> (a new one with seed 1 when null).</summary>
    public TrialExecutor(MLContext? context = null) => _context = context ?? new MLContext(seed: 1);

    /// <summary>
    /// Runs <paramref name="request"/>. Exceptions of the estimator or the measurement become a failed outcome with their message;
    /// only cancellation throws.
    /// </summary>
    /// <param name="request">The trial.</param>
    /// <param name="worker">Who runs it, for the outcome.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled.</exception>
    public TrialOutcome Run(TrialRequest request, string worker = "local", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            return TrialOutcome.Success(request, Measure(request, cancellationToken), worker);
        }
        catch (OperationCanceledException)
        {
            throw;
        }
        catch (Exception e)
        {
            return TrialOutcome.Failure(request, e, worker);
        }
    }

    private TrialMeasurement Measure(TrialRequest request, CancellationToken cancellationToken)
    {
        Check(request);
        var train = Load(request.TrainDataPath, nameof(TrialRequest.TrainDataPath));
        var validation = Load(request.ValidationDataPath, nameof(TrialRequest.ValidationDataPath));
        cancellationToken.ThrowIfCancellationRequested();

        var options = request.Options ?? DenseOptions(request);
        var estimator = new PruningEstimator(_context, options);
        var watch = Stopwatch.StartNew();
        var transformer = estimator.Fit(train);
        double fitSeconds = request.Options is null ? 0 : watch.Elapsed.TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();

        double metric = SweepMetricEvaluator.Evaluate(request.Metric, transformer.Transform(validation), () => DenseOutputs(request, options, validation));
        cancellationToken.ThrowIfCancellationRequested();

        byte[] compact = transformer.CompactOnnx.ToArray();
        var shapes = options.InputShapes;
        long? macs = Macs(compact, shapes);
        double batch1 = OrtLatency.Measure(compact, 1, request.LatencyWarmup, request.LatencyRepeats, shapes, request.LatencyIntraOpThreads).MedianMilliseconds;
        double? atBatch = batch1;
        if (request.LatencyBatchSize > 1)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                atBatch = OrtLatency.Measure(compact, request.LatencyBatchSize, request.LatencyWarmup, request.LatencyRepeats, shapes, request.LatencyIntraOpThreads).MedianMilliseconds;
            }
            catch (ArgumentOutOfRangeException)
            {
                atBatch = null; // the written file fixes its batch (the counts were checked above)
            }
        }
        if (request.OutputModelPath is { } output)
            AtomicFile.Write(output, compact, request.Options?.ModelPath ?? request.DenseModelPath);
        var report = transformer.Report;
        return new TrialMeasurement(metric, report.TotalParameters, report.TotalNonZeros, compact.LongLength, macs,
            batch1, atBatch, request.LatencyBatchSize, fitSeconds);
    }

    /// <summary>The request's own settings; messages name the property.</summary>
    private static void Check(TrialRequest request)
    {
        if (request.Metric is null) throw new ArgumentNullException(nameof(TrialRequest.Metric), $"{nameof(TrialRequest)}.{nameof(TrialRequest.Metric)} is null.");
        request.Metric.Validate();
        if (request.LatencyBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(TrialRequest.LatencyBatchSize), request.LatencyBatchSize, $"{nameof(TrialRequest.LatencyBatchSize)} must be at least 1; got {request.LatencyBatchSize}.");
        if (request.LatencyRepeats < 1)
            throw new ArgumentOutOfRangeException(nameof(TrialRequest.LatencyRepeats), request.LatencyRepeats, $"{nameof(TrialRequest.LatencyRepeats)} must be at least 1; got {request.LatencyRepeats}.");
        if (request.LatencyWarmup < 0)
            throw new ArgumentOutOfRangeException(nameof(TrialRequest.LatencyWarmup), request.LatencyWarmup, $"{nameof(TrialRequest.LatencyWarmup)} must not be negative; got {request.LatencyWarmup}.");
        if (request.LatencyIntraOpThreads is < 1)
            throw new ArgumentOutOfRangeException(nameof(TrialRequest.LatencyIntraOpThreads), request.LatencyIntraOpThreads,
                $"{nameof(TrialRequest.LatencyIntraOpThreads)} must be at least 1, or null for one per core; got {request.LatencyIntraOpThreads}.");
        if (request.Options is null && string.IsNullOrEmpty(request.DenseModelPath))
            throw new ArgumentException($"Trial {request.TrialId} has no {nameof(TrialRequest.Options)}, so it measures the dense model: set {nameof(TrialRequest.DenseModelPath)}.",
                nameof(TrialRequest.DenseModelPath));
        if (request.Metric.Kind == SweepMetricKind.Fidelity && string.IsNullOrEmpty(request.DenseModelPath))
            throw new ArgumentException($"Fidelity compares with the dense model: set {nameof(TrialRequest.DenseModelPath)}.", nameof(TrialRequest.DenseModelPath));
    }

    /// <summary>Trial 0: the dense model through the trials' path, magnitude at sparsity 0 (no weight changes); see the remarks.</summary>
    private static MagnitudePruningOptions DenseOptions(TrialRequest request) => new()
    {
        ModelPath = request.DenseModelPath,
        OutputColumnNames = request.OutputColumnNames,
        InputColumnNames = request.InputColumnNames,
        InputShapes = new Dictionary<string, int[]>(request.InputShapes ?? new Dictionary<string, int[]>(), StringComparer.Ordinal),
        Sparsity = 0,
        Scope = PruningScope.Layer,
        Seed = 0,
    };

    /// <summary>An ML.NET binary data file, loaded once per version of the file.</summary>
    private IDataView Load(string path, string option)
    {
        if (string.IsNullOrEmpty(path)) throw new ArgumentException($"{nameof(TrialRequest)}.{option} is empty.", option);
        string key = Stamp(path, option);
        var lazy = _data.GetOrAdd(key, _ => new Lazy<IDataView>(() =>
        {
            try
            {
                using (File.OpenRead(path)) { } // unreadable (permissions, a folder): said here, with the path
                return _context.Data.LoadFromBinary(path);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new InvalidDataException($"Cannot read {option} '{path}' as an ML.NET binary data file: {e.Message}", e);
            }
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _data.TryRemove(key, out _); // not cached: the next trial tries again
            throw;
        }
    }

    /// <summary>Full path, length and last write time: a file rewritten in place is a new key.</summary>
    private static string Stamp(string path, string option)
    {
        string full = Path.GetFullPath(path);
        var info = new FileInfo(full);
        if (!info.Exists) throw new FileNotFoundException($"Cannot read {option} '{path}': no such file.", full);
        return string.Create(CultureInfo.InvariantCulture, $"{full}|{info.Length}|{info.LastWriteTimeUtc.Ticks}");
    }

    /// <summary>The dense model's outputs of the validation rows (Fidelity's reference), scored once per model, data, column and shapes.</summary>
    private IReadOnlyList<float[]> DenseOutputs(TrialRequest request, PruningOptions options, IDataView validation)
    {
        string[] inputs = request.InputColumnNames is { Length: > 0 } given ? given : options.InputColumnNames;
        var shapes = request.InputShapes is { Count: > 0 } requested ? requested : options.InputShapes;
        string column = request.Metric.ScoreColumnName;
        string key = string.Join("|", Stamp(request.DenseModelPath, nameof(TrialRequest.DenseModelPath)), Stamp(request.ValidationDataPath, nameof(TrialRequest.ValidationDataPath)),
            column, string.Join(",", inputs), string.Join(";", shapes.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}=[{string.Join(",", p.Value)}]")));
        var lazy = _denseOutputs.GetOrAdd(key, _ => new Lazy<IReadOnlyList<float[]>>(() =>
        {
            var scorer = _context.Transforms.ApplyOnnxModel([column], inputs, request.DenseModelPath,
                shapeDictionary: shapes.Count > 0 ? new Dictionary<string, int[]>(shapes, StringComparer.Ordinal) : null, gpuDeviceId: null, fallbackToCpu: false);
            return SweepMetricEvaluator.ReadVectors(scorer.Fit(validation).Transform(validation), column, nameof(SweepMetric.ScoreColumnName));
        }, LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch
        {
            _denseOutputs.TryRemove(key, out _);
            throw;
        }
    }

    /// <summary>MACs per row of the written model at batch 1; null when its shapes cannot be inferred.</summary>
    private static long? Macs(byte[] compact, IDictionary<string, int[]> inputShapes)
    {
        try
        {
            var model = OnnxModel.Load(compact);
            return ModelCost.Measure(model, ValueShapes.Infer(model, StructuredPlan.BatchOfOne(inputShapes))).Macs;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return null; // e.g. ONNX Runtime cannot run the file on zeros: MACs unknown
        }
    }
}
