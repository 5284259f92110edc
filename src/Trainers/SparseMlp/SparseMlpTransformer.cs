using System;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// A trained SparseMlp: a <see cref="PrunedModelTransformer"/> (scoring, <c>SaveOnnx</c>, <c>Report</c>,
/// <c>CompactOnnx</c>) that is also ML.NET's <see cref="ISingleFeaturePredictionTransformer{TModel}"/>, its model
/// being the trained network, so ML.NET's tools for prediction transformers work on it, such as
/// <c>mlContext.MulticlassClassification.PermutationFeatureImportance(model, data)</c>.
/// </summary>
/// <remarks>
/// The generic overloads of permutation feature importance take it (directly, or as <c>LastTransformer</c> of a
/// fitted pipeline); the overloads taking any <see cref="ITransformer"/> look for ML.NET's internal prediction
/// transformer interface instead, which no type outside ML.NET can implement.
/// </remarks>
public sealed class SparseMlpTransformer : PrunedModelTransformer, ISingleFeaturePredictionTransformer<OnnxModel>
{
    internal SparseMlpTransformer(PrunedModelTransformer trained, string featureColumnName, DataViewType featureColumnType)
        : base(trained)
    {
        ArgumentException.ThrowIfNullOrEmpty(featureColumnName);
        ArgumentNullException.ThrowIfNull(featureColumnType);
        FeatureColumnName = featureColumnName;
        FeatureColumnType = featureColumnType;
    }

    /// <summary>The column the network reads: a known-size vector of Single.</summary>
    public string FeatureColumnName { get; }

    /// <summary>The type of <see cref="FeatureColumnName"/> the network was trained on.</summary>
    public DataViewType FeatureColumnType { get; }
}
