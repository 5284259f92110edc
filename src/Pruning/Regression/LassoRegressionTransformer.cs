using System;
using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning;

/// <summary>
/// A fitted <c>LassoCoordinateDescent</c> model: scores a Single <c>Score</c> column that
/// <c>mlContext.Regression.Evaluate</c> takes, saves and loads with <c>mlContext.Model</c>, writes its compact ONNX
/// file (<see cref="PrunedModelTransformer.SaveOnnx(string)"/>), and gives the linear model (<see cref="Model"/>:
/// weights, bias, α and the path) as ML.NET's prediction transformers do.
/// </summary>
/// <remarks>
/// <see cref="Model"/> hides <see cref="PrunedModelTransformer.Model"/> (the ONNX graph) to follow ML.NET's convention
/// (<c>transformer.Model.Weights</c>); the graph is still there through the base type. Loading a saved model in a new
/// process needs <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(LassoCoordinateDescentTrainer).Assembly)</c> first
/// (see <see cref="RegressionScoreFactory"/>).
/// </remarks>
public sealed class LassoRegressionTransformer : PrunedModelTransformer, ISingleFeaturePredictionTransformer<LassoModelParameters>
{
    internal LassoRegressionTransformer(PrunedModelTransformer trained, LassoModelParameters model, string featureColumnName, DataViewType featureColumnType)
        : base(trained)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(featureColumnName);
        ArgumentNullException.ThrowIfNull(featureColumnType);
        Model = model;
        FeatureColumnName = featureColumnName;
        FeatureColumnType = featureColumnType;
    }

    /// <summary>The linear model: weights, bias, the chosen α and the path.</summary>
    public new LassoModelParameters Model { get; }

    /// <summary>The column the model reads: a known-size vector of Single.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The type of <see cref="FeatureColumnName"/> the model was trained on.</summary>
    public DataViewType FeatureColumnType { get; }
}
