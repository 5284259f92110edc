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
    public MagnitudePruningEstimator Magnitude(string modelPath, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, PruningScope scope = PruningScope.Global)
        => new(Context, new MagnitudePruningOptions
        {
            ModelPath = modelPath, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity, Scope = scope,
        });

    /// <summary>Magnitude pruning of an ONNX model read from <paramref name="modelStream"/> (read to its end, not disposed).</summary>
    /// <inheritdoc cref="Magnitude(string, string[], string[], double, PruningScope)"/>
    public MagnitudePruningEstimator Magnitude(Stream modelStream, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, PruningScope scope = PruningScope.Global)
        => Magnitude(OnnxModel.Load(modelStream ?? throw new ArgumentNullException(nameof(modelStream))), outputColumnNames, inputColumnNames, sparsity, scope);

    /// <summary>Magnitude pruning of an in-memory ONNX model (it is not modified; the estimator prunes a copy).</summary>
    /// <inheritdoc cref="Magnitude(string, string[], string[], double, PruningScope)"/>
    public MagnitudePruningEstimator Magnitude(OnnxModel model, string[] outputColumnNames, string[] inputColumnNames,
        double sparsity = 0.5, PruningScope scope = PruningScope.Global)
        => new(Context, new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = outputColumnNames, InputColumnNames = inputColumnNames, Sparsity = sparsity, Scope = scope,
        });

    /// <summary>Magnitude pruning with every option.</summary>
    public MagnitudePruningEstimator Magnitude(MagnitudePruningOptions options) => new(Context, options);
}
