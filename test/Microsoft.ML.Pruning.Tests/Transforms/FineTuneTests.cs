using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class FineTuneTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];

    private static OnnxModel TrainedMlp(MLContext ml, IDataView data) =>
        ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { HiddenLayers = [16], Epochs = 10, BatchSize = 32, LearningRate = 0.01 })
            .Fit(data).Model;

    [TestMethod]
    public void FineTune_PrunedWeightsStayExactlyZero_AndKeptWeightsMove()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = TrainedMlp(ml, data);
        var oneShot = ml.Pruning().Magnitude(model, Outputs, ["Features"], 0.9).Fit(data).Model;
        var tuned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = ["Features"], Sparsity = 0.9,
            FineTune = new FineTuneOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.01 },
        }).Fit(data).Model;

        foreach (var weight in oneShot.GetPrunableWeights())
        {
            var before = OnnxTensor.ToFloatArray(oneShot.GetInitializer(weight.Name));
            var after = OnnxTensor.ToFloatArray(tuned.GetInitializer(weight.Name));
            for (int i = 0; i < before.Length; i++)
                if (before[i] == 0) Assert.AreEqual(0f, after[i], $"{weight.Name}[{i}] was pruned and must stay 0");
            Assert.IsTrue(before.Zip(after).Any(p => p.First != 0 && p.First != p.Second), $"{weight.Name}: kept weights should train");
        }
    }

    [TestMethod]
    public void FineTune_CompactInputModel_PrunesAndTrainsLikeItsDenseForm()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var compact = ml.Pruning().Magnitude(TrainedMlp(ml, data), Outputs, ["Features"], 0.8).Fit(data).CompactOnnx;
        var model = OnnxModel.Load(compact.Span);
        Assert.IsTrue(TestData.SparseWeightCount(model) > 0, "the input is compact");
        var tuned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = ["Features"], Sparsity = 0.9,
            FineTune = new FineTuneOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.01 },
        }).Fit(data);
        Assert.AreEqual(0.9, tuned.Report.Sparsity, 0.01);
        var oneShot = ml.Pruning().Magnitude(model, Outputs, ["Features"], 0.9).Fit(data);
        double tunedAccuracy = ml.MulticlassClassification.Evaluate(tuned.Transform(data)).MicroAccuracy;
        double oneShotAccuracy = ml.MulticlassClassification.Evaluate(oneShot.Transform(data)).MicroAccuracy;
        Assert.IsTrue(tunedAccuracy >= oneShotAccuracy, $"fine-tuned {tunedAccuracy} < one-shot {oneShotAccuracy}");
    }

    [TestMethod]
    public void FineTune_MissingLabelColumn_ThrowsCouldNotFind()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var estimator = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = ["Features"], Sparsity = 0.5,
            FineTune = new FineTuneOptions { LabelColumnName = "Nope" },
        });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(ex.Message, "Could not find input column 'Nope'");
    }

    [TestMethod]
    public void FineTune_EmptyData_ThrowsNoRows()
    {
        var ml = new MLContext(1);
        var data = ml.Data.FilterRowsByColumn(TestData.Multiclass(ml), "Value", lowerBound: 1e9);
        var estimator = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = ["Features"], Sparsity = 0.5,
            FineTune = new FineTuneOptions(),
        });
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => estimator.Fit(data));
        StringAssert.Contains(ex.Message, "no rows");
    }

    [TestMethod]
    public void FineTune_InvalidEpochs_ThrowsNamingOption()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = ["Features"],
            FineTune = new FineTuneOptions { Epochs = -1 },
        }));
        StringAssert.Contains(ex.Message, "Epochs");
    }
}
