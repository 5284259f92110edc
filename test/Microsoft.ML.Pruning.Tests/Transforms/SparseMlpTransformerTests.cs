using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>
/// A trained SparseMlp is ML.NET's single-feature prediction transformer (over the trained network) as well as a
/// pruned model, so ML.NET's tools for prediction transformers, such as permutation feature importance, apply.
/// </summary>
[TestClass]
public sealed class SparseMlpTransformerTests
{
    private static SparseMlpOptions Small() => new() { HiddenLayers = [16], Epochs = 15, BatchSize = 32, LearningRate = 0.01 };

    [TestMethod]
    public void SparseMlp_Fit_IsASingleFeaturePredictionTransformerOverTheNetwork()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);

        ISingleFeaturePredictionTransformer<OnnxModel> model = ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(data);

        Assert.AreEqual("Features", model.FeatureColumnName);
        Assert.AreEqual(data.Schema["Features"].Type, model.FeatureColumnType);
        Assert.AreEqual(TestData.FeatureCount, model.Model.Graph.Input.Single().Type.TensorType.Shape.Dim[1].DimValue);
    }

    [TestMethod]
    public void SparseMlp_PermutationFeatureImportance_RanksTheInformativeFeaturesFirst()
    {
        // Class c is centred on feature c (c < 3); features 3..7 are noise. Fitted in a pipeline, as users do.
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var pipeline = ml.Transforms.NormalizeMeanVariance("Features").Append(ml.MulticlassClassification.Trainers.SparseMlp(Small()));
        var model = pipeline.Fit(data);

        var importance = ml.MulticlassClassification.PermutationFeatureImportance(model.LastTransformer, model.Transform(data), permutationCount: 3);

        double[] accuracyLoss = importance.Select(f => -f.MicroAccuracy.Mean).ToArray();
        string all = string.Join(", ", accuracyLoss.Select(a => a.ToString("F3")));
        Assert.HasCount(TestData.FeatureCount, accuracyLoss);
        Assert.IsGreaterThan(accuracyLoss.Skip(TestData.ClassCount).Max(), accuracyLoss.Take(TestData.ClassCount).Min(), all);
        Assert.IsGreaterThan(0.1, accuracyLoss.Take(TestData.ClassCount).Min(), all);
        Assert.IsNotNull(model.LastTransformer.Report);
    }
}
