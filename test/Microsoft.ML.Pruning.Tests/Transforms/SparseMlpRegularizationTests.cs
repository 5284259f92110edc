using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class SparseMlpRegularizationTests
{
    private static SparseMlpOptions Small(RegularizationKind regularization, double lambda) => new()
    {
        HiddenLayers = [16], Epochs = 15, BatchSize = 32, LearningRate = 0.01, Seed = 2, Regularization = regularization, Lambda = lambda,
    };

    private static float[] Weights(OnnxModel model, string name) => OnnxTensor.ToFloatArray(model.GetInitializer(name));

    [TestMethod]
    public void SparseMlp_L1_LearnsExactZeros_AndStillClassifies()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = EstimatorWorkout.Run(ml, ml.MulticlassClassification.Trainers.SparseMlp(Small(RegularizationKind.L1, 0.3)), data, ["Score", "PredictedLabel"]);
        Assert.IsGreaterThan(0.3, model.Report.Sparsity, model.Report.ToString());
        Assert.IsTrue(Weights(model.Model, "fc1.bias").All(v => v != 0), "biases are not penalized");
        var accuracy = ml.MulticlassClassification.Evaluate(model.Transform(TestData.Multiclass(ml, 150, seed: 2))).MicroAccuracy;
        Assert.IsGreaterThan(0.9, accuracy, "the blobs need few weights");
    }

    [TestMethod]
    public void SparseMlp_L1WithZeroLambda_EqualsNoRegularization()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var plain = ml.MulticlassClassification.Trainers.SparseMlp(Small(RegularizationKind.None, 0)).Fit(data).Model;
        var lasso = ml.MulticlassClassification.Trainers.SparseMlp(Small(RegularizationKind.L1, 0)).Fit(data).Model;
        foreach (var w in plain.GetPrunableWeights())
            CollectionAssert.AreEqual(Weights(plain, w.Name), Weights(lasso, w.Name), w.Name);
    }

    [TestMethod]
    public void SparseMlp_GroupL1_ZeroesWholeHiddenNeurons_NotTheOutputLayer()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small(RegularizationKind.GroupL1, 0.3)).Fit(data).Model;
        var fc1 = Weights(model, "fc1.weight"); // [16, 8]: a row per hidden neuron
        int zeroNeurons = 0;
        for (int u = 0; u < 16; u++)
        {
            var row = fc1.Skip(u * TestData.FeatureCount).Take(TestData.FeatureCount).ToArray();
            bool zero = row.All(v => v == 0);
            zeroNeurons += zero ? 1 : 0;
            Assert.IsTrue(zero || row.All(v => v != 0), $"neuron {u} is whole or gone");
        }
        Assert.IsTrue(zeroNeurons is > 0 and < 16, $"some hidden neurons removed: {zeroNeurons}");
        Assert.IsTrue(Weights(model, "fc2.weight").Any(v => v != 0), "the output layer is not grouped away");
        var output = Weights(model, "fc2.weight");
        for (int c = 0; c < TestData.ClassCount; c++)
            Assert.IsTrue(output.Skip(c * 16).Take(16).Any(v => v != 0), $"class {c} keeps its weights");
    }

    [TestMethod]
    public void SparseMlp_InvalidRegularizationOptions_ThrowNamingTheOption()
    {
        var ml = new MLContext(1);
        foreach (double lambda in new[] { -1.0, double.NaN })
            Assert.AreEqual(nameof(SparseMlpOptions.Lambda), Assert.ThrowsExactly<ArgumentOutOfRangeException>(
                () => ml.MulticlassClassification.Trainers.SparseMlp(Small(RegularizationKind.L1, lambda))).ParamName);
        var noHidden = Small(RegularizationKind.GroupL1, 0.1);
        noHidden.HiddenLayers = [];
        Assert.AreEqual(nameof(SparseMlpOptions.Regularization),
            Assert.ThrowsExactly<ArgumentException>(() => ml.MulticlassClassification.Trainers.SparseMlp(noHidden)).ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.SparseMlp(Small((RegularizationKind)7, 0.1)));
    }
}
