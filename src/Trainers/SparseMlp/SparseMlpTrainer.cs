using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Stages;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Trainers.Training;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// Trains a multilayer perceptron on the Torch engine, sparse if asked (gradual magnitude pruning during
/// training), and returns the same kind of transformer pruning does: ML.NET scoring, compact ONNX export,
/// per-layer report. Created by <c>mlContext.{MulticlassClassification|BinaryClassification|Regression}.Trainers.SparseMlp</c>.
/// </summary>
/// <remarks>
/// Not an <see cref="Microsoft.ML.Trainers.ITrainerEstimator{TTransformer, TModel}"/>: that interface asks for a
/// <see cref="TrainerInfo"/>, whose only constructor is internal to ML.NET (see docs/ARCHITECTURE.md). Its result,
/// <see cref="SparseMlpTransformer"/>, is ML.NET's single-feature prediction transformer.
/// </remarks>
public sealed class SparseMlpTrainer : IEstimator<SparseMlpTransformer>
{
    private static readonly string[] ReservedNames = [MlpGraphBuilder.LogitsName, "Score", "Probability", "PredictedLabel", "PredictedIndex"];
    private readonly Microsoft.ML.Runtime.IHostEnvironment _environment;
    private readonly MLContextServices _services;
    private readonly SparseMlpOptions _options;
    private readonly MlpHead _head;

    internal SparseMlpTrainer(Microsoft.ML.Runtime.IHostEnvironment context, SparseMlpOptions options, MlpHead head)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (ReservedNames.Contains(options.FeatureColumnName))
            throw new ArgumentOutOfRangeException(nameof(options.FeatureColumnName), options.FeatureColumnName,
                $"The feature column may not be named '{options.FeatureColumnName}': the network uses that name for an output.");
        _environment = context;
        _services = new MLContextServices(context, $"SparseMlp{head}");
        _options = options;
        _head = head;
    }

    private TrainingLoss Loss => _head switch
    {
        MlpHead.Multiclass => TrainingLoss.CrossEntropy,
        MlpHead.Binary => TrainingLoss.BinaryCrossEntropy,
        _ => TrainingLoss.MeanSquaredError,
    };

    /// <summary>The ONNX outputs of the per-row view (see <see cref="RowView"/>): [N] outputs carry a ".vector" suffix.</summary>
    private string[] OnnxOutputColumns => _head switch
    {
        MlpHead.Multiclass => ["Score", "PredictedLabel" + ScalarColumnMappings.VectorSuffix],
        MlpHead.Binary => ["Score" + ScalarColumnMappings.VectorSuffix, "Probability" + ScalarColumnMappings.VectorSuffix, "PredictedLabel" + ScalarColumnMappings.VectorSuffix],
        _ => ["Score" + ScalarColumnMappings.VectorSuffix],
    };

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (!inputSchema.TryFind(_options.FeatureColumnName, out var features))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), _options.FeatureColumnName, $"Could not find input column '{_options.FeatureColumnName}'");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for input column '{_options.FeatureColumnName}': expected known-size vector of Single, got {features.Kind} of {features.ItemType}");
        if (!inputSchema.TryFind(_options.LabelColumnName, out var label))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), _options.LabelColumnName, $"Could not find input column '{_options.LabelColumnName}'");
        // The output columns are those of the scoring chain on a network of this shape; build a tiny one to ask ML.NET.
        var probe = _head == MlpHead.Multiclass ? 2 : 1;
        var model = MlpGraphBuilder.Build(_options.FeatureColumnName, 1, [], probe, _options.Activation, _head, 0);
        var onnx = _services.OnnxScorer(OnnxOutputColumns, [_options.FeatureColumnName], RowView.Create(model).ToBytes());
        // PredictedLabel takes the label's key values: announced through MapValueToKey over the label, which keeps
        // a key column's KeyValues; a label without them gives a plain key. (Score's slot names go unannounced:
        // ML.NET's ONNX scoring estimator announces no annotations, only its fitted transformer has them.)
        bool keyValues = _head == MlpHead.Multiclass && label.IsKey && label.Annotations.TryFind(LabelKeyLookup.KeyValuesKind, out var values)
            && values.Kind == SchemaShape.Column.VectorKind.Vector;
        var predictedLabel = keyValues
            ? _services.Context.Transforms.Conversion.MapValueToKey("PredictedLabel", _options.LabelColumnName)
            : PredictedLabelMapping(new LabelKeyLookup(new KeyDataViewType(typeof(uint), probe), DataViewSchema.Annotations.Empty));
        return ScalarChain(predictedLabel).Aggregate((IEstimator<ITransformer>)onnx, (chain, next) => chain.Append(next)).GetOutputSchema(inputSchema);
    }

    /// <summary>Trains the network on <paramref name="input"/>.</summary>
    public SparseMlpTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var watch = Stopwatch.StartNew();
        var data = TrainingDataReader.Read(input, _options.FeatureColumnName, _options.LabelColumnName, Loss,
            nameof(SparseMlpOptions.FeatureColumnName), nameof(SparseMlpOptions.LabelColumnName));
        int outputs = _head == MlpHead.Multiclass
            ? TrainingDataReader.ClassCount(input.Schema, _options.LabelColumnName, nameof(SparseMlpOptions.LabelColumnName))
            : 1;
        string[]? classNames = _head == MlpHead.Multiclass ? ClassNames(input.Schema[_options.LabelColumnName], outputs) : null;
        int seed = _options.Seed ?? _services.NextSeed();
        var model = MlpGraphBuilder.Build(_options.FeatureColumnName, data.FeatureCount, _options.HiddenLayers, outputs, _options.Activation, _head, seed);
        var weights = model.GetPrunableWeights();
        var settings = _options.ToSettings(Loss, seed);
        var device = TorchDevice.Resolve(_services.GpuDeviceId, _services.FallbackToCpu);
        _services.Info($"SparseMlp {_head}: {data.RowCount} rows × {data.FeatureCount} features, layers {string.Join("-", _options.HiddenLayers)}-{outputs}, target sparsity {_options.Sparsity:P0}.");

        using (var trainer = new MaskedTrainer(model, MlpGraphBuilder.LogitsName, device))
        {
            var result = trainer.Train(data, settings, new TrainingHooks
            {
                EpochCompleted = e => _services.Info($"SparseMlp {e}"),
                StepCompleted = GradualPruning(trainer, weights, data.RowCount),
                Log = message => _services.Info($"SparseMlp {message}"),
                IsCanceled = _services.IsCanceled,
            }, regularization: Regularization(weights));
            if (result.Regularization.Count > 0)
                _services.Info($"SparseMlp {_options.Regularization}: {result.Regularization[^1].NonZeros.Values.Sum()} non-zero weights after the last epoch.");
            if (result.Divergence is { } divergence) _services.Warning($"SparseMlp: {divergence}");
            trainer.WriteBack(model);
        }
        var trained = EmitStage.Create(_services, model, OnnxOutputColumns, [_options.FeatureColumnName], input.Schema, weights, watch, null, null,
            compact => RowView.Create(compact, classNames), AppendScalarColumns);
        return new SparseMlpTransformer(trained, _options.FeatureColumnName, input.Schema[_options.FeatureColumnName].Type);
    }

    /// <summary>
    /// The penalty <see cref="SparseMlpOptions.Regularization"/> asks for, on every weight matrix (L1) or on the hidden
    /// layers' neurons (GroupL1: every layer but the last, whose units are the outputs); null for none.
    /// </summary>
    private TrainingRegularization? Regularization(IReadOnlyList<PrunableWeight> weights) => _options.Regularization switch
    {
        RegularizationKind.L1 => new L1Regularization { Weights = [.. weights.Select(w => new RegularizedWeight(w.Name, _options.Lambda, w.OutputAxis))] },
        RegularizationKind.GroupL1 => new GroupL1Regularization
        {
            Weights = [.. weights.Take(weights.Count - 1).Select(w => new RegularizedWeight(w.Name, _options.Lambda, w.OutputAxis))],
        },
        _ => null,
    };

    /// <summary>The step hook of the gradual ramp (magnitude masks); null for a dense network.</summary>
    private Action<long>? GradualPruning(MaskedTrainer trainer, IReadOnlyList<PrunableWeight> weights, int rows)
    {
        if (_options.Sparsity == 0) return null;
        var ramp = new GradualMaskSchedule(rows, _options.BatchSize, _options.Epochs, _options.Sparsity,
            _options.SparsityRampStart, _options.SparsityRampEnd, _options.PruningFrequency);
        var selection = new MaskSelectionOptions { Scope = _options.Scope };
        return ramp.Hook(sparsity =>
        {
            selection.Sparsity = sparsity;
            var layers = weights.Select(w => new LayerValues(w.Name, trainer.ReadWeights(w.Name))).ToList();
            trainer.SetMasks(MaskSelector.SelectByMagnitude(layers, selection));
        });
    }

    /// <summary>
    /// The names of a label's classes for Score's slots, as ML.NET's trainers give them: its KeyValues when they
    /// are text, one per class; null otherwise, and null if two are equal (the LabelEncoder node that carries
    /// them to ML.NET, see <see cref="RowView"/>, needs distinct keys).
    /// </summary>
    private static string[]? ClassNames(DataViewSchema.Column label, int classes)
    {
        var keyValues = label.Annotations.Schema.GetColumnOrNull(LabelKeyLookup.KeyValuesKind);
        if (keyValues?.Type is not VectorDataViewType { ItemType: TextDataViewType } type || type.Size != classes)
            return null;
        VBuffer<ReadOnlyMemory<char>> values = default;
        label.Annotations.GetValue(LabelKeyLookup.KeyValuesKind, ref values);
        string[] names = values.DenseValues().Select(v => v.ToString()).ToArray();
        return names.Distinct(StringComparer.Ordinal).Count() == names.Length ? names : null;
    }

    /// <summary>
    /// ML.NET estimators after the ONNX scorer that give the columns ML.NET's own trainers give: scalars instead of
    /// one-element vectors (<see cref="ScalarColumnMappings"/>) and, for multiclass, PredictedLabel as a key of the
    /// label's key type (<paramref name="predictedLabel"/>); the intermediate ".vector" columns are dropped.
    /// </summary>
    private IEnumerable<IEstimator<ITransformer>> ScalarChain(IEstimator<ITransformer>? predictedLabel)
    {
        var ml = _services.Context;
        switch (_head)
        {
            case MlpHead.Multiclass:
                yield return ml.Transforms.CustomMapping(new SparseMlpMulticlassScalarsFactory().GetMapping(), ScalarColumnMappings.Multiclass);
                yield return predictedLabel ?? throw new ArgumentNullException(nameof(predictedLabel));
                break;
            case MlpHead.Binary:
                yield return ml.Transforms.CustomMapping(new SparseMlpBinaryScalarsFactory().GetMapping(), ScalarColumnMappings.Binary);
                break;
            default:
                yield return ml.Transforms.CustomMapping(new SparseMlpRegressionScalarsFactory().GetMapping(), ScalarColumnMappings.Regression);
                break;
        }
        yield return ml.Transforms.DropColumns(OnnxOutputColumns.Where(c => c.EndsWith(ScalarColumnMappings.VectorSuffix, StringComparison.Ordinal)).ToArray());
    }

    /// <summary>Maps the predicted class index (UInt32 PredictedLabel) in place to the label's key through <paramref name="lookup"/>.</summary>
    private IEstimator<ITransformer> PredictedLabelMapping(LabelKeyLookup lookup) =>
        _services.Context.Transforms.Conversion.MapValue("PredictedLabel", lookup,
            lookup.Schema[LabelKeyLookup.IndexColumn], lookup.Schema[LabelKeyLookup.KeyColumn], "PredictedLabel");

    private ITransformer AppendScalarColumns(IDataView fitData, ITransformer scorer)
    {
        _environment.ComponentCatalog.RegisterAssembly(typeof(SparseMlpTrainer).Assembly);
        if (!ReferenceEquals(_environment, _services.Context))
            _services.Context.ComponentCatalog.RegisterAssembly(typeof(SparseMlpTrainer).Assembly);
        IEstimator<ITransformer>? predictedLabel = null;
        if (_head == MlpHead.Multiclass)
        {
            var label = fitData.Schema[_options.LabelColumnName];
            predictedLabel = PredictedLabelMapping(new LabelKeyLookup((KeyDataViewType)label.Type, label.Annotations));
        }
        var chain = new TransformerChain<ITransformer>(scorer);
        var current = scorer.Transform(fitData);
        foreach (var estimator in ScalarChain(predictedLabel))
        {
            var transformer = estimator.Fit(current);
            chain = chain.Append(transformer);
            current = transformer.Transform(current);
        }
        return chain;
    }
}
