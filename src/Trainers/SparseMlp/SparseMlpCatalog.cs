using Microsoft.ML.Pruning.Trainers.Models;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// <c>SparseMlp</c> on ML.NET's trainer catalogs. Each method only constructs a <see cref="SparseMlpTrainer"/>.
/// </summary>
/// <example><code>
/// var trainer = mlContext.MulticlassClassification.Trainers.SparseMlp("Label", "Features", epochs: 10, sparsity: 0.9);
/// var model = trainer.Fit(train);
/// model.SaveOnnx("mlp.onnx");
/// </code></example>
public static class SparseMlpCatalog
{
    /// <summary>A multilayer perceptron for multiclass classification (key label), sparse if <paramref name="sparsity"/> &gt; 0.</summary>
    /// <param name="catalog">The trainer catalog.</param>
    /// <param name="labelColumnName">Key-typed label column.</param>
    /// <param name="featureColumnName">Known-size vector of Single.</param>
    /// <param name="hiddenLayers">Units per hidden layer; null gives 300, 100.</param>
    /// <param name="epochs">Passes over the data.</param>
    /// <param name="learningRate">Adam step size.</param>
    /// <param name="sparsity">Final fraction of zero weights, in [0, 1), reached by a cubic ramp during training.</param>
    public static SparseMlpTrainer SparseMlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayers = null,
        int epochs = 10, double learningRate = 1e-3, double sparsity = 0)
        => SparseMlp(catalog, Options(labelColumnName, featureColumnName, hiddenLayers, epochs, learningRate, sparsity));

    /// <summary>A multilayer perceptron for multiclass classification, with every option.</summary>
    public static SparseMlpTrainer SparseMlp(this MulticlassClassificationCatalog.MulticlassClassificationTrainers catalog, SparseMlpOptions options)
        => new(MLContextServices.EnvironmentOf(catalog), options, MlpHead.Multiclass);

    /// <summary>A multilayer perceptron for binary classification (Boolean label).</summary>
    /// <inheritdoc cref="SparseMlp(MulticlassClassificationCatalog.MulticlassClassificationTrainers, string, string, int[], int, double, double)"/>
    public static SparseMlpTrainer SparseMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayers = null,
        int epochs = 10, double learningRate = 1e-3, double sparsity = 0)
        => SparseMlp(catalog, Options(labelColumnName, featureColumnName, hiddenLayers, epochs, learningRate, sparsity));

    /// <summary>A multilayer perceptron for binary classification, with every option.</summary>
    public static SparseMlpTrainer SparseMlp(this BinaryClassificationCatalog.BinaryClassificationTrainers catalog, SparseMlpOptions options)
        => new(MLContextServices.EnvironmentOf(catalog), options, MlpHead.Binary);

    /// <summary>A multilayer perceptron for regression (Single label).</summary>
    /// <inheritdoc cref="SparseMlp(MulticlassClassificationCatalog.MulticlassClassificationTrainers, string, string, int[], int, double, double)"/>
    public static SparseMlpTrainer SparseMlp(this RegressionCatalog.RegressionTrainers catalog,
        string labelColumnName = "Label", string featureColumnName = "Features", int[]? hiddenLayers = null,
        int epochs = 10, double learningRate = 1e-3, double sparsity = 0)
        => SparseMlp(catalog, Options(labelColumnName, featureColumnName, hiddenLayers, epochs, learningRate, sparsity));

    /// <summary>A multilayer perceptron for regression, with every option.</summary>
    public static SparseMlpTrainer SparseMlp(this RegressionCatalog.RegressionTrainers catalog, SparseMlpOptions options)
        => new(MLContextServices.EnvironmentOf(catalog), options, MlpHead.Regression);

    private static SparseMlpOptions Options(string label, string features, int[]? hidden, int epochs, double learningRate, double sparsity) => new()
    {
        LabelColumnName = label,
        FeatureColumnName = features,
        HiddenLayers = hidden ?? [300, 100],
        Epochs = epochs,
        LearningRate = learningRate,
        Sparsity = sparsity,
    };
}
