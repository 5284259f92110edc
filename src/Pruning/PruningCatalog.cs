using System;
using System.IO;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning;

/// <summary>Pruning estimators, reached by <c>mlContext.Pruning()</c>. Each method only constructs an estimator.</summary>
public sealed class PruningCatalog
{
    internal PruningCatalog(MLContext mlContext) => Context = mlContext;

    internal MLContext Context { get; }

    /// <summary>Magnitude pruning of the ONNX model at <paramref name="modelPath"/> (the file is only read).</summary>
    /// <param name="modelPath">The ONNX model file.</param>
    /// <param name="outputColumnNames">Model outputs to score into columns, as in <c>ApplyOnnxModel</c>.</param>
    /// <param name="inputColumnNames">Columns fed to the model inputs of the same names.</param>
    /// <param name="sparsity">Fraction of prunable weights set to zero, in [0, 1).</param>
    /// <param name="scope">One threshold across layers (<see cref="PruningScope.Global"/>) or each layer to the target.</param>
    public PruningEstimator Magnitude(string modelPath, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, PruningScope scope = PruningScope.Global)
        => new(Context, new MagnitudePruningOptions
        {
            ModelPath = modelPath, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity, Scope = scope,
        });

    /// <summary>Magnitude pruning of an ONNX model read from <paramref name="modelStream"/> (read to its end, not disposed).</summary>
    /// <inheritdoc cref="Magnitude(string, string[], string[], double, PruningScope)"/>
    public PruningEstimator Magnitude(Stream modelStream, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, PruningScope scope = PruningScope.Global)
        => Magnitude(OnnxModel.Load(modelStream ?? throw new ArgumentNullException(nameof(modelStream))), outputColumnNames, inputColumnNames, sparsity, scope);

    /// <summary>Magnitude pruning of an in-memory ONNX model (it is not modified; the estimator prunes a copy).</summary>
    /// <inheritdoc cref="Magnitude(string, string[], string[], double, PruningScope)"/>
    public PruningEstimator Magnitude(OnnxModel model, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, PruningScope scope = PruningScope.Global)
        => new(Context, new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity, Scope = scope,
        });

    /// <summary>Magnitude pruning with every option.</summary>
    public PruningEstimator Magnitude(MagnitudePruningOptions options) => new(Context, options);

    /// <summary>
    /// Layer-reconstruction pruning of an in-memory ONNX model: each Gemm, MatMul and Conv layer keeps the weights, and gets the values,
    /// that best reproduce its outputs on the first <paramref name="calibrationRows"/> rows of the data (Lasso by coordinate
    /// descent on XᵀX, then a least-squares refit), layer after layer on the already-pruned model. No labels needed.
    /// </summary>
    /// <param name="model">The model (not modified; the estimator prunes a copy).</param>
    /// <param name="outputColumnNames">Model outputs to score into columns, as in <c>ApplyOnnxModel</c>.</param>
    /// <param name="inputColumnNames">Columns fed to the model inputs of the same names.</param>
    /// <param name="sparsity">Fraction of each layer's weights set to zero, in [0, 1).</param>
    /// <param name="calibrationRows">Rows whose activations the layers are reconstructed on.</param>
    public PruningEstimator CoordinateDescent(OnnxModel model, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, int calibrationRows = 1024)
        => new(Context, new CoordinateDescentPruningOptions
        {
            Model = model, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity, CalibrationRows = calibrationRows,
        });

    /// <summary>Layer-reconstruction pruning of the ONNX model at <paramref name="modelPath"/> (the file is only read).</summary>
    /// <param name="modelPath">The ONNX model file.</param>
    /// <param name="outputColumnNames">Model outputs to score into columns, as in <c>ApplyOnnxModel</c>.</param>
    /// <param name="inputColumnNames">Columns fed to the model inputs of the same names.</param>
    /// <param name="sparsity">Fraction of each layer's weights set to zero, in [0, 1).</param>
    /// <param name="calibrationRows">Rows whose activations the layers are reconstructed on.</param>
    public PruningEstimator CoordinateDescent(string modelPath, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, int calibrationRows = 1024)
        => new(Context, new CoordinateDescentPruningOptions
        {
            ModelPath = modelPath, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity, CalibrationRows = calibrationRows,
        });

    /// <summary>Layer-reconstruction pruning with every option (λ or sparsity, scope, damping, tolerance, sequential, refit, fine-tuning).</summary>
    /// <example><code>
    /// var pruned = mlContext.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
    /// {
    ///     ModelPath = "model.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.8,
    /// }).Fit(data);
    /// </code></example>
    public PruningEstimator CoordinateDescent(CoordinateDescentPruningOptions options) => new(Context, options);

    /// <summary>
    /// Sparsity learned during training: the in-memory ONNX model is trained on the data's labels with an L1 penalty on its
    /// prunable weights, applied as soft-thresholding after every optimizer step, with λ searched so that
    /// <paramref name="sparsity"/> of the weights end exactly zero; the masks are that zero pattern rounded to the exact count.
    /// </summary>
    /// <param name="model">The model (not modified; the estimator prunes a copy).</param>
    /// <param name="outputColumnNames">Model outputs to score into columns, as in <c>ApplyOnnxModel</c>; the first is trained against the labels.</param>
    /// <param name="inputColumnNames">Columns fed to the model inputs of the same names.</param>
    /// <param name="sparsity">Fraction of prunable weights set to zero, in (0, 1).</param>
    /// <param name="labelColumnName">The label column (key: cross-entropy; Boolean: binary; Single: squared error).</param>
    /// <param name="epochs">Epochs of regularized training per λ of the search.</param>
    /// <example><code>
    /// var pruned = mlContext.Pruning().Lasso(model, ["Score"], ["Features"], sparsity: 0.9).Fit(data);
    /// Console.WriteLine(pruned.Report.SparseTraining);   // λ path, λ used, zeros by training vs cut by rounding
    /// </code></example>
    public PruningEstimator Lasso(OnnxModel model, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, string labelColumnName = "Label", int epochs = 2)
        => new(Context, new LassoPruningOptions
        {
            Model = model, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity,
            Training = new FineTuneOptions { Epochs = epochs, LabelColumnName = labelColumnName },
        });

    /// <summary>Sparsity learned during training of the ONNX model at <paramref name="modelPath"/> (the file is only read).</summary>
    /// <param name="modelPath">The ONNX model file.</param>
    /// <param name="outputColumnNames">Model outputs to score into columns, as in <c>ApplyOnnxModel</c>; the first is trained against the labels.</param>
    /// <param name="inputColumnNames">Columns fed to the model inputs of the same names.</param>
    /// <param name="sparsity">Fraction of prunable weights set to zero, in (0, 1).</param>
    /// <param name="labelColumnName">The label column (key: cross-entropy; Boolean: binary; Single: squared error).</param>
    /// <param name="epochs">Epochs of regularized training per λ of the search.</param>
    public PruningEstimator Lasso(string modelPath, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, string labelColumnName = "Label", int epochs = 2)
        => new(Context, new LassoPruningOptions
        {
            ModelPath = modelPath, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity,
            Training = new FineTuneOptions { Epochs = epochs, LabelColumnName = labelColumnName },
        });

    /// <summary>
    /// Sparsity learned during training with every option: λ given or searched, group Lasso (Granularity Neuron/Channel),
    /// scope, the regularized training's settings, the search's budget, and fine-tuning with the masks fixed afterwards.
    /// </summary>
    /// <example><code>
    /// var pruned = mlContext.Pruning().Lasso(new LassoPruningOptions
    /// {
    ///     ModelPath = "model.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.95,
    ///     Training = new FineTuneOptions { Epochs = 1 }, FineTune = new FineTuneOptions { Epochs = 2 },
    /// }).Fit(data);
    /// </code></example>
    public PruningEstimator Lasso(LassoPruningOptions options) => new(Context, options);

    /// <summary>
    /// ADMM pruning: the in-memory ONNX model is trained on the data's labels with the term ρ/2‖W − Z + U‖² pulling its
    /// prunable weights towards Z, their projection onto the <paramref name="sparsity"/> target (Z and U updated after every
    /// epoch, ρ growing ×1.3 per round), then hard-pruned to Z's support: exactly that share of the weights ends zero.
    /// </summary>
    /// <param name="model">The model (not modified; the estimator prunes a copy).</param>
    /// <param name="outputColumnNames">Model outputs to score into columns, as in <c>ApplyOnnxModel</c>; the first is trained against the labels.</param>
    /// <param name="inputColumnNames">Columns fed to the model inputs of the same names.</param>
    /// <param name="sparsity">Fraction of prunable weights set to zero, in (0, 1), one threshold over all layers.</param>
    /// <param name="labelColumnName">The label column (key: cross-entropy; Boolean: binary; Single: squared error).</param>
    /// <param name="epochs">Epochs of ADMM training (one round each).</param>
    /// <param name="rho">The first round's ρ, &gt; 0.</param>
    /// <example><code>
    /// var pruned = mlContext.Pruning().Admm(model, ["Score"], ["Features"], sparsity: 0.9, epochs: 8).Fit(data);
    /// Console.WriteLine(pruned.Report.Admm);   // ρ, primal and dual residuals per round, non-zeros before hard pruning
    /// </code></example>
    public PruningEstimator Admm(OnnxModel model, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, string labelColumnName = "Label", int epochs = 4, double rho = 0.03)
        => new(Context, new AdmmPruningOptions
        {
            Model = model, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity, Rho = rho, RhoMax = Math.Max(1.0, rho),
            Training = new FineTuneOptions { Epochs = epochs, LabelColumnName = labelColumnName },
        });

    /// <summary>
    /// ADMM pruning with every option: ρ and its schedule, round length, target (sparsity, scope, per-layer overrides, single
    /// weights or whole neurons/channels), the ADMM training's settings, and fine-tuning with the masks fixed afterwards.
    /// </summary>
    /// <example><code>
    /// var pruned = mlContext.Pruning().Admm(new AdmmPruningOptions
    /// {
    ///     ModelPath = "model.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.95,
    ///     Training = new FineTuneOptions { Epochs = 8 }, Rho = 0.01, RhoFactor = 1.5, FineTune = new FineTuneOptions { Epochs = 2 },
    /// }).Fit(data);
    /// </code></example>
    public PruningEstimator Admm(AdmmPruningOptions options) => new(Context, options);

    /// <summary>
    /// Pruning with any criterion (see <see cref="PruneOptions.Criterion"/>), granularity, scope and schedule, with
    /// optional fine-tuning.
    /// </summary>
    /// <example><code>
    /// var pruned = mlContext.Pruning().Prune(new PruneOptions
    /// {
    ///     ModelPath = "model.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"],
    ///     Criterion = "wanda", Sparsity = 0.8,
    /// }).Fit(data);
    /// </code></example>
    public PruningEstimator Prune(PruneOptions options) => new(Context, options);

    /// <summary>Pruning of the ONNX model at <paramref name="modelPath"/> with the criterion named <paramref name="criterion"/>.</summary>
    /// <param name="modelPath">The ONNX model file.</param>
    /// <param name="outputColumnNames">Model outputs to score into columns, as in <c>ApplyOnnxModel</c>.</param>
    /// <param name="inputColumnNames">Columns fed to the model inputs of the same names.</param>
    /// <param name="criterion">The criterion (see <see cref="PruneOptions.Criterion"/>).</param>
    /// <param name="sparsity">Fraction pruned, in [0, 1).</param>
    /// <param name="granularity">Weights, neurons or channels.</param>
    /// <param name="labelColumnName">Labels, for criteria that need gradients.</param>
    public PruningEstimator Prune(string modelPath, string[] outputColumnNames, string[] inputColumnNames, string criterion,
        double sparsity = 0.5, PruningGranularity granularity = PruningGranularity.Unstructured, string? labelColumnName = null)
        => new(Context, new PruneOptions
        {
            ModelPath = modelPath, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Criterion = criterion,
            Sparsity = sparsity, Granularity = granularity, LabelColumnName = labelColumnName,
        });
    /// <summary>
    /// A sweep over pruning settings (<see cref="Sweeps.SweepOptions"/>): trials chosen by grid, random or TPE search, each measured
    /// (metric, bytes, MACs, ONNX Runtime latency), the best under the objective's constraints chosen, the trial log resumable.
    /// </summary>
    /// <example>
    /// <code>
    /// var sweep = mlContext.Pruning().Sweep(new SweepOptions
    /// {
    ///     BaseOptions = new MagnitudePruningOptions { ModelPath = "lenet.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"],
    ///                                                 FineTune = new FineTuneOptions { LabelColumnName = "Label" } },
    ///     Parameters = { SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda", "coordinate-descent"),
    ///                    SweepParameter.Range(SweepParameter.Sparsity, 0.5, 0.95), SweepParameter.IntegerRange(SweepParameter.FineTuneEpochs, 0, 2) },
    ///     Metric = SweepMetric.Accuracy("Label", "Score"),
    ///     Objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, 0.15, SweepReference.FractionOfDense)),
    ///     MaxTrials = 40, Directory = "sweep-lenet",
    /// });
    /// SweepResult result = sweep.Run(trainData, validationData);
    /// Console.WriteLine(result);   // the chosen trial against dense, or the closest trials when none met the constraints
    /// </code>
    /// </example>
    public Sweeps.PruningSweep Sweep(Sweeps.SweepOptions options) => new(Context, options);

    /// <summary>
    /// A sensitivity analysis (<see cref="Sweeps.SensitivityOptions"/>): each layer pruned alone at each sparsity, the metric
    /// measured; the result suggests per-layer sparsities for a target overall sparsity.
    /// </summary>
    public Sweeps.SensitivityAnalysis Sensitivity(Sweeps.SensitivityOptions options) => new(Context, options);
}
