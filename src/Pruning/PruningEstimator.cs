using System;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Stages;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Prunes an ONNX model: calibrates on the data if the criterion needs it, scores, selects, applies, fine-tunes if
/// asked, and returns a transformer that scores the pruned model like <c>ApplyOnnxModel</c> would, with a compact
/// ONNX export and a per-layer report. Made by <c>mlContext.Pruning().Magnitude(…)</c> or <c>.Prune(options)</c>.
/// The input model is never modified.
/// </summary>
public sealed class PruningEstimator : IEstimator<PrunedModelTransformer>
{
    private readonly MLContextServices _services;
    private readonly PruningOptions _options;
    private readonly OnnxModel _source;
    private readonly Lazy<IEstimator<ITransformer>> _sourceScorer;

    internal PruningEstimator(MLContext context, PruningOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _services = new MLContextServices(context, nameof(PruningEstimator));
        _options = options;
        _source = options.Model ?? OnnxModel.Load(options.ModelPath!);
        _ = new PruningPipeline(_services, options, _source); // checks criterion, layers, columns and backend now, before any data
        // Only GetOutputSchema needs ML.NET's scorer on the source model; it is built once, if asked.
        _sourceScorer = new Lazy<IEstimator<ITransformer>>(() => _services.OnnxScorer(_options.OutputColumnNames, _options.InputColumnNames, _source.ToBytes(), _options.InputShapes));
    }

    /// <summary>
    /// The options this estimator was made with. The model was read when the estimator was built; other changes apply to
    /// the next <see cref="Fit"/>, which checks them again.
    /// </summary>
    public PruningOptions Options => _options;

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        foreach (string name in _options.InputColumnNames)
            if (!inputSchema.TryFind(name, out _))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), name, $"Could not find input column '{name}'");
        return _sourceScorer.Value.GetOutputSchema(inputSchema);
    }

    /// <summary>Prunes (and fine-tunes, if asked) a copy of the model; <paramref name="input"/> supplies the schema, calibration and fine-tuning rows.</summary>
    public PrunedModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _options.Validate();
        return new PruningPipeline(_services, _options, _source).Run(_source, input);
    }
}
