using System;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.ML.Pruning.Stages;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Lasso and elastic-net linear regression by the coordinate-descent solver of <c>mlContext.Pruning().CoordinateDescent</c>:
/// scikit-learn's objective, an α path with warm starts, α given or chosen by k-fold cross-validation, and the model at
/// that α as a linear ONNX graph scored by ML.NET. Created by <c>mlContext.Regression.Trainers.LassoCoordinateDescent</c>.
/// </summary>
/// <remarks>
/// <para>
/// Fit reads the data twice (means and checks, then per-fold sums of xxᵀ, x·y, y²): time O(rows·p²), memory
/// O(folds·p²) whatever the number of rows. Needs no TorchSharp: it lives in this assembly, which references none.
/// </para>
/// <para>
/// Not an <see cref="Microsoft.ML.Trainers.ITrainerEstimator{TTransformer, TModel}"/>: that interface asks for a
/// <see cref="TrainerInfo"/>, whose only constructor is internal to ML.NET (docs/ARCHITECTURE.md, "ML.NET from the
/// outside"). Its result, <see cref="LassoRegressionTransformer"/>, is ML.NET's single-feature prediction transformer.
/// </para>
/// </remarks>
public sealed class LassoCoordinateDescentTrainer : IEstimator<LassoRegressionTransformer>
{
    private readonly Microsoft.ML.Runtime.IHostEnvironment _environment;
    private readonly MLContextServices _services;
    private readonly LassoCoordinateDescentOptions _options;

    internal LassoCoordinateDescentTrainer(Microsoft.ML.Runtime.IHostEnvironment environment, LassoCoordinateDescentOptions options)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (LinearGraphBuilder.ReservedNames.Contains(options.FeatureColumnName))
        {
            throw new ArgumentOutOfRangeException(nameof(options.FeatureColumnName), options.FeatureColumnName,
                $"The feature column may not be named '{options.FeatureColumnName}': the model's graph uses that name.");
        }

        _environment = environment;
        _services = new MLContextServices(environment, "LassoCoordinateDescent");
        _options = options.Clone();
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        if (!inputSchema.TryFind(_options.FeatureColumnName, out var features))
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), _options.FeatureColumnName, $"Could not find input column '{_options.FeatureColumnName}'");
        }

        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for input column '{_options.FeatureColumnName}': expected known-size vector of Single, got {features.Kind} of {features.ItemType}");
        }

        if (!inputSchema.TryFind(_options.LabelColumnName, out var label))
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema), _options.LabelColumnName, $"Could not find input column '{_options.LabelColumnName}'");
        }

        if (label.Kind != SchemaShape.Column.VectorKind.Scalar || label.ItemType != NumberDataViewType.Single)
        {
            throw new ArgumentOutOfRangeException(nameof(inputSchema),
                $"Schema mismatch for input column '{_options.LabelColumnName}': expected Single, got {label.Kind} of {label.ItemType}");
        }

        // The output columns are those of the scoring chain on a graph of this form; a one-feature graph asks ML.NET.
        var probe = RowView.Create(LinearGraphBuilder.Build(_options.FeatureColumnName, [0f], 0f));
        IEstimator<ITransformer> chain = _services.OnnxScorer([RegressionScoreMapping.VectorColumn], [_options.FeatureColumnName], probe.ToBytes());
        chain = chain.Append(ScoreMapping()).Append(DropVector());
        return chain.GetOutputSchema(inputSchema);
    }

    /// <summary>Fits the model on <paramref name="input"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of the wrong type.</exception>
    /// <exception cref="System.IO.InvalidDataException">A NaN or infinite feature or label (column, row and slot named).</exception>
    /// <exception cref="InvalidOperationException">No rows, or fewer rows than cross-validation folds.</exception>
    public LassoRegressionTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var watch = Stopwatch.StartNew();
        int features = RegressionDataReader.CheckSchema(input.Schema, _options.FeatureColumnName, _options.LabelColumnName,
            nameof(LassoCoordinateDescentOptions.FeatureColumnName), nameof(LassoCoordinateDescentOptions.LabelColumnName));
        bool crossValidate = _options.Alpha is null;
        int? shuffleSeed = crossValidate && _options.ShuffleFolds ? _options.Seed ?? _services.NextSeed() : null;
        var data = RegressionDataReader.Read(input, _options.FeatureColumnName, _options.LabelColumnName,
            crossValidate ? _options.NumberOfFolds : 1, shuffleSeed);
        var model = LassoRegressionFit.Fit(data, _options, _services.IsCanceled);
        var unconverged = model.Path.Where(p => !p.Converged).ToArray();
        if (unconverged.Length > 0)
        {
            var worst = unconverged.MaxBy(p => p.DualityGap)!;
            _services.Warning($"LassoCoordinateDescent: {unconverged.Length} of {model.Path.Count} α values of the path stopped at MaxIterations ({_options.MaxIterations} passes) " +
                $"before the duality gap reached Tolerance {_options.Tolerance:G3} (worst: α {worst.Alpha:G6}, gap {worst.DualityGap:G3}){(model.Selected.Converged ? "" : ", the chosen one among them")}.");
        }

        string method = $"LassoCoordinateDescent: {data.Rows} rows × {features} features; {model.ToString().Split(Environment.NewLine)[0]}";
        _services.Info(method);
        var graph = LinearGraphBuilder.Build(_options.FeatureColumnName, model.Weights, model.Bias);
        var trained = EmitStage.Create(_services, graph, [RegressionScoreMapping.VectorColumn], [_options.FeatureColumnName], input.Schema,
            graph.GetPrunableWeights(), watch, null, method, compact => RowView.Create(compact), AppendScalarScore);
        return new LassoRegressionTransformer(trained, model, _options.FeatureColumnName, input.Schema[_options.FeatureColumnName].Type);
    }

    private IEstimator<ITransformer> ScoreMapping() =>
        _services.Context.Transforms.CustomMapping(new RegressionScoreFactory().GetMapping(), RegressionScoreMapping.ContractName);

    private IEstimator<ITransformer> DropVector() => _services.Context.Transforms.DropColumns(RegressionScoreMapping.VectorColumn);

    /// <summary>The ONNX scorer, then Score.vector → Score (a Single) and the vector dropped; the mapping's assembly registered for saving.</summary>
    private ITransformer AppendScalarScore(IDataView fitData, ITransformer scorer)
    {
        _environment.ComponentCatalog.RegisterAssembly(typeof(LassoCoordinateDescentTrainer).Assembly);
        if (!ReferenceEquals(_environment, _services.Context))
        {
            _services.Context.ComponentCatalog.RegisterAssembly(typeof(LassoCoordinateDescentTrainer).Assembly);
        }

        var chain = new TransformerChain<ITransformer>(scorer);
        var current = scorer.Transform(fitData);
        foreach (var estimator in new[] { ScoreMapping(), DropVector() })
        {
            var transformer = estimator.Fit(current);
            chain = chain.Append(transformer);
            current = transformer.Transform(current);
        }

        return chain;
    }
}
