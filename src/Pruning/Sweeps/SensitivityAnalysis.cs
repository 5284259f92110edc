using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Stages;
using Microsoft.ML.Pruning.Structured;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Prunes each layer alone at each sparsity and measures the metric (<c>mlContext.Pruning().Sensitivity(options)</c>).
/// </summary>
/// <remarks>
/// The layers are the ones the base options would prune, keyed as <see cref="PruningOptions.LayerSparsity"/> takes them: weight
/// names (the report's rows) for Unstructured; for Neuron/Channel/Head chosen by a criterion, one entry per dependency group,
/// keyed by its first producer weight (which sets the whole group's target), its size in units; for methods that choose units
/// layer by layer (Lasso, ADMM, CoordinateDescent with Neuron/Channel), each weight, its size in output units.
/// The dense metric is the source model's, measured through the same path (magnitude at sparsity 0, no weight changed); for
/// <see cref="SweepMetricKind.Fidelity"/> its outputs are the reference.
/// </remarks>
public sealed partial class SensitivityAnalysis
{
    private readonly MLContext _context;

    internal SensitivityAnalysis(MLContext context, SensitivityOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        _context = context;
        Options = options;
    }

    /// <summary>The options this analysis was made with.</summary>
    public SensitivityOptions Options { get; }

    /// <summary>
    /// Measures the dense model, then each layer pruned alone at each sparsity (the base options with Scope Layer, Sparsity 0,
    /// the layer's LayerSparsity set), on <paramref name="validationData"/>.
    /// </summary>
    /// <param name="trainData">Calibration (and fine-tuning, if the base options fine-tune) rows.</param>
    /// <param name="validationData">Rows the metric is measured on.</param>
    /// <param name="progress">Told after each point.</param>
    /// <param name="cancellationToken">Stops between points.</param>
    /// <exception cref="ArgumentException">An option is invalid (the message names it), or a layer of <see cref="SensitivityOptions.Layers"/> is not one the base options prune.</exception>
    public SensitivityResult Analyze(IDataView trainData, IDataView validationData, IProgress<SensitivityPoint>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(trainData);
        ArgumentNullException.ThrowIfNull(validationData);
        Options.Validate();
        var baseOptions = Options.BaseOptions!;
        var metric = Options.Metric;
        var source = baseOptions.Model ?? OnnxModel.Load(baseOptions.ModelPath!);
        var layers = PrunedLayers(baseOptions, source);
        var chosen = Chosen(layers);
        cancellationToken.ThrowIfCancellationRequested();

        var dense = new PruningEstimator(_context, new MagnitudePruningOptions
        {
            Model = source, OutputColumnNames = baseOptions.OutputColumnNames, InputColumnNames = baseOptions.InputColumnNames,
            InputShapes = new Dictionary<string, int[]>(baseOptions.InputShapes, StringComparer.Ordinal), Sparsity = 0, Scope = PruningScope.Layer, Seed = 0,
        }).Fit(trainData);
        var denseScored = dense.Transform(validationData);
        var reference = new Lazy<IReadOnlyList<float[]>>(() => SweepMetricEvaluator.ReadVectors(denseScored, metric.ScoreColumnName, nameof(SweepMetric.ScoreColumnName)));
        double denseMetric = SweepMetricEvaluator.Evaluate(metric, denseScored, () => reference.Value);
        var parameters = dense.Report.Layers.ToDictionary(l => l.Name, l => l.Parameters, StringComparer.Ordinal);

        var result = new SensitivityResult
        {
            MetricName = metric.DisplayName,
            HigherIsBetter = metric.HigherIsBetter,
            DenseMetric = denseMetric,
            Layers = [.. chosen.Select(l => l.Key)],
            LayerParameters = chosen.ToDictionary(l => l.Key, l => l.Units ?? parameters[l.Key], StringComparer.Ordinal),
        };
        foreach (var layer in chosen)
        {
            foreach (double sparsity in Options.Sparsities)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var options = Copy(baseOptions);
                options.ModelPath = null;
                options.Model = source; // read once above; every point prunes a copy of it
                options.Scope = PruningScope.Layer;
                options.Sparsity = 0;
                options.LayerSparsity = new Dictionary<string, double>(StringComparer.Ordinal) { [layer.Key] = sparsity };
                var pruned = new PruningEstimator(_context, options).Fit(trainData);
                var point = new SensitivityPoint(layer.Key, sparsity, SweepMetricEvaluator.Evaluate(metric, pruned.Transform(validationData), () => reference.Value));
                result.Points.Add(point);
                progress?.Report(point);
            }
        }
        return result;
    }

    /// <summary>A copy of <paramref name="options"/> through its JSON form (as a sweep stores it), with the members JSON leaves out.</summary>
    internal static PruningOptions Copy(PruningOptions options)
    {
        string json = JsonSerializer.Serialize(options, SweepJson.Options);
        var copy = JsonSerializer.Deserialize<PruningOptions>(json, SweepJson.Options)
            ?? throw new InvalidOperationException("The options serialized to JSON null.");
        copy.Model = options.Model;
        UnserializedOptions.Restore(copy, options);
        return copy;
    }

    /// <summary>
    /// The layers the base options prune, in graph order, as LayerSparsity keys, with their size in units for structured
    /// granularities (null: the report's parameters).
    /// </summary>
    private List<(string Key, long? Units)> PrunedLayers(PruningOptions baseOptions, OnnxModel source)
    {
        var listing = Copy(baseOptions);
        listing.LayerSparsity = new Dictionary<string, double>(StringComparer.Ordinal);
        listing.Sparsity = 0;
        listing.Scope = PruningScope.Layer;
        var pipeline = new PruningPipeline(new MLContextServices(_context, nameof(SensitivityAnalysis)), listing, source);
        var order = pipeline.Weights.Select((w, i) => (w.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        if (pipeline.SelectionPlan is { } plan)
        {
            return [.. plan.Groups
                .Select(g => (Key: g.Slices.Where(s => s.Role == ChannelRole.Producer).Select(s => s.Tensor).OrderBy(t => order.GetValueOrDefault(t, int.MaxValue)).First(), Units: (long?)g.Width))
                .OrderBy(l => order.GetValueOrDefault(l.Key, int.MaxValue))];
        }
        bool units = baseOptions.Granularity is PruningGranularity.Neuron or PruningGranularity.Channel;
        return [.. pipeline.Candidates.Select(w => (w.Name, units ? w.OutputUnits : (long?)null))];
    }

    /// <summary><see cref="SensitivityOptions.Layers"/> (each checked against the model's) in graph order, or every layer.</summary>
    private List<(string Key, long? Units)> Chosen(List<(string Key, long? Units)> layers)
    {
        if (Options.Layers.Count == 0) return layers;
        var known = layers.Select(l => l.Key).ToHashSet(StringComparer.Ordinal);
        foreach (string layer in Options.Layers)
            if (!known.Contains(layer))
                throw new ArgumentException(
                    $"Layer '{layer}' in {nameof(SensitivityOptions)}.{nameof(SensitivityOptions.Layers)} is not a layer the base options prune. Layers: {string.Join(", ", known.Take(20))}{(known.Count > 20 ? ", …" : "")}.",
                    nameof(SensitivityOptions.Layers));
        var asked = Options.Layers.ToHashSet(StringComparer.Ordinal);
        return [.. layers.Where(l => asked.Contains(l.Key))];
    }
}
