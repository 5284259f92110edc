using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Prunes the smallest-magnitude weights of an ONNX model (Gemm, MatMul and Conv weights), optionally
/// fine-tunes it with the masks fixed, and returns a transformer that scores the pruned model like
/// <c>ApplyOnnxModel</c> would. The input model is never modified.
/// </summary>
public sealed class MagnitudePruningEstimator : IEstimator<PrunedModelTransformer>
{
    private readonly MLContextServices _services;
    private readonly MagnitudePruningOptions _options;
    private readonly OnnxModel _source;

    internal MagnitudePruningEstimator(MLContext context, MagnitudePruningOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _services = new MLContextServices(context, nameof(MagnitudePruningEstimator));
        _options = options;
        _source = options.Model ?? OnnxModel.Load(options.ModelPath!);
        CheckLayerNames(_source.GetPrunableWeights().Select(w => w.Name).ToHashSet(StringComparer.Ordinal));
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        foreach (string name in _options.InputColumnNames)
            if (!inputSchema.TryFind(name, out _))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), name, $"Could not find input column '{name}'");
        return Scoring(_source.ToBytes()).GetOutputSchema(inputSchema);
    }

    /// <summary>Prunes (and fine-tunes, if asked) a copy of the model; <paramref name="input"/> supplies the schema and the fine-tuning rows.</summary>
    public PrunedModelTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (string name in _options.InputColumnNames)
            ColumnChecks.Find(input.Schema, name, nameof(input));
        var watch = Stopwatch.StartNew();
        var model = _source.Clone();
        model.Densify(); // a compact input model is pruned and reported like its dense form
        var weights = model.GetPrunableWeights();
        var candidates = weights.Where(w => !_options.ExcludedLayers.Contains(w.Name)).ToList();
        if (candidates.Count == 0)
            throw new InvalidOperationException("Every prunable weight of the model is in ExcludedLayers; nothing is left to prune.");

        var values = candidates.Select(w => OnnxTensor.ToFloatArray(model.GetInitializer(w.Name))).ToList();
        var selection = new MaskSelectionOptions { Sparsity = _options.Sparsity, Scope = _options.Scope };
        foreach (var (layer, sparsity) in _options.LayerSparsity) selection.LayerSparsity[layer] = sparsity;
        var masks = MaskSelector.SelectByMagnitude(candidates.Select((w, i) => new LayerValues(w.Name, values[i])).ToList(), selection);
        for (int i = 0; i < candidates.Count; i++)
        {
            if (masks[i].PrunedCount == 0) continue; // untouched weights keep their exact bytes
            masks[i].ApplyTo(values[i]);
            OnnxTensor.SetFloats(model.GetInitializer(candidates[i].Name), values[i]);
        }
        if (_options.FineTune is { } fineTune)
            FineTune(model, masks, input, fineTune);
        _services.Info($"Magnitude pruning to {_options.Sparsity:P1} ({_options.Scope}) took {watch.Elapsed.TotalSeconds:F2} s.");
        return PrunedModelFactory.Create(_services, model, _options.OutputColumnNames, _options.InputColumnNames, input, weights, watch, _source.SourcePath);
    }

    private void FineTune(OnnxModel model, IReadOnlyList<PruningMask> masks, IDataView input, FineTuneOptions options)
    {
        if (_options.InputColumnNames.Length != 1)
            throw new InvalidOperationException(
                $"FineTune trains models with one input; this one maps {_options.InputColumnNames.Length} input columns.");
        var loss = TrainingDataReader.LossFor(input.Schema, options.LabelColumnName, nameof(FineTuneOptions.LabelColumnName));
        string score = options.ScoreColumnName ?? _options.OutputColumnNames[0];
        if (!_options.OutputColumnNames.Contains(score))
            throw new ArgumentOutOfRangeException(nameof(FineTuneOptions.ScoreColumnName), score, $"ScoreColumnName '{score}' is not one of the output columns.");
        var data = TrainingDataReader.Read(input, _options.InputColumnNames[0], options.LabelColumnName, loss,
            nameof(MagnitudePruningOptions.InputColumnNames), nameof(FineTuneOptions.LabelColumnName));
        var backend = GradientBackend.Require(nameof(MagnitudePruningOptions.FineTune));
        using var trainer = backend.Open(model, TrainingGraph.TrainableOutput(model, score, loss), _services.GpuDeviceId, _services.FallbackToCpu);
        trainer.SetMasks(masks);
        trainer.Train(data, options.ToSettings(loss, _services.NextSeed()), new TrainingHooks
        {
            EpochCompleted = e => _services.Info($"Fine-tune {e}"),
            IsCanceled = _services.IsCanceled,
        });
        trainer.WriteBack(model);
    }

    private void CheckLayerNames(HashSet<string> prunable)
    {
        if (prunable.Count == 0)
            throw new InvalidOperationException(
                "The model has no prunable weights: no Gemm, MatMul or Conv node takes a FLOAT initializer as its weight.");
        string known = string.Join(", ", prunable.Order(StringComparer.Ordinal).Take(20));
        foreach (string layer in _options.ExcludedLayers)
            if (!prunable.Contains(layer))
                throw new ArgumentOutOfRangeException(nameof(MagnitudePruningOptions.ExcludedLayers), layer,
                    $"Layer '{layer}' in ExcludedLayers is not a prunable weight of the model. Prunable weights: {known}.");
        foreach (string layer in _options.LayerSparsity.Keys)
            if (!prunable.Contains(layer))
                throw new ArgumentOutOfRangeException(nameof(MagnitudePruningOptions.LayerSparsity), layer,
                    $"Layer '{layer}' in LayerSparsity is not a prunable weight of the model. Prunable weights: {known}.");
    }

    private IEstimator<ITransformer> Scoring(byte[] bytes) => _services.OnnxScorer(_options.OutputColumnNames, _options.InputColumnNames, bytes);
}
