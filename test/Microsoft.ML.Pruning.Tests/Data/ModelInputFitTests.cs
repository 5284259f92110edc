using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>Fit with models whose inputs are more than one float vector: several inputs, images, int64 tokens.</summary>
[TestClass]
public sealed class ModelInputFitTests
{
    private static PruningEstimator Magnitude(MLContext ml, OnnxModel model, string[] inputs, FineTuneOptions? fineTune) =>
        ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = ["Score"], InputColumnNames = inputs, Sparsity = 0.5, FineTune = fineTune, Seed = 4,
        });

    private static PruningEstimator Wanda(MLContext ml, OnnxModel model, string[] inputs) =>
        ml.Pruning().Prune(new PruneOptions { Criterion = "wanda", Model = model, OutputColumnNames = ["Score"], InputColumnNames = inputs, Sparsity = 0.5 });

    /// <summary>Pruned weights stay 0 and some kept weight moved, in every layer the fine-tune trained.</summary>
    private static void AssertFineTuned(OnnxModel oneShot, OnnxModel tuned)
    {
        var before = InputModels.Weights(oneShot);
        var after = InputModels.Weights(tuned);
        foreach (var (name, values) in before)
        {
            for (int i = 0; i < values.Length; i++)
                if (values[i] == 0) Assert.AreEqual(0f, after[name][i], $"{name}[{i}] was pruned and must stay 0");
            Assert.IsTrue(values.Zip(after[name]).Any(p => p.First != 0 && p.First != p.Second), $"{name}: kept weights should train");
        }
    }

    private static double Accuracy(MLContext ml, ITransformer model, IDataView data)
    {
        var scored = model.Transform(data);
        var scores = Transforms.TestData.ScoreColumn(scored);
        var labels = ml.Data.CreateEnumerable<LabelRow>(data, reuseRowObject: false).Select(r => r.Class).ToArray();
        return scores.Zip(labels).Count(p => System.Array.IndexOf(p.First, p.First.Max()) == p.Second) / (double)labels.Length;
    }

    private sealed class LabelRow
    {
        public uint Class { get; set; }
    }

    [TestMethod]
    public void FineTune_TwoFloatInputs_TrainsThroughBoth()
    {
        var ml = new MLContext(1);
        var data = DataRows.TwoInputs(ml);
        var model = InputModels.TwoInputs();
        var oneShot = Magnitude(ml, model, ["A", "B"], null).Fit(data);
        var tuned = Magnitude(ml, model, ["A", "B"], new FineTuneOptions { Epochs = 5, BatchSize = 16, LearningRate = 0.02 }).Fit(data);
        AssertFineTuned(oneShot.Model, tuned.Model);
        Assert.AreEqual(0.5, tuned.Report.Sparsity, 0.01);
        double before = Accuracy(ml, oneShot, data), after = Accuracy(ml, tuned, data);
        Assert.IsGreaterThan(before, after, $"fine-tuned accuracy {after} should beat one-shot {before}");
    }

    [TestMethod]
    public void Wanda_TwoFloatInputs_CalibratesOnBoth()
    {
        var ml = new MLContext(1);
        var data = DataRows.TwoInputs(ml);
        var pruned = Wanda(ml, InputModels.TwoInputs(), ["A", "B"]).Fit(data);
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
        // Wanda scores |w|·‖x‖: the same weights by magnitude alone would give another mask on inputs of unequal norms.
        var magnitude = Magnitude(ml, InputModels.TwoInputs(), ["A", "B"], null).Fit(data);
        Assert.IsFalse(InputModels.Weights(pruned.Model).SelectMany(w => w.Value).SequenceEqual(InputModels.Weights(magnitude.Model).SelectMany(w => w.Value)),
            "calibration statistics should change the mask");
    }

    [TestMethod]
    public void Taylor_TwoFloatInputs_AccumulatesGradientsThroughBoth()
    {
        var ml = new MLContext(1);
        var data = DataRows.TwoInputs(ml);
        PrunedModelTransformer Prune(string criterion) => ml.Pruning().Prune(new PruneOptions
        {
            Criterion = criterion, Model = InputModels.TwoInputs(), OutputColumnNames = ["Score"], InputColumnNames = ["A", "B"],
            LabelColumnName = "Label", Sparsity = 0.5, Scope = Algorithms.PruningScope.Layer,
        }).Fit(data);
        var taylor = Prune("taylor");
        foreach (var layer in taylor.Report.Layers) Assert.AreEqual(0.5, layer.Sparsity, 0.1, layer.Name);
        var magnitude = Prune("magnitude");
        Assert.IsFalse(InputModels.Weights(taylor.Model)["Wb"].SequenceEqual(InputModels.Weights(magnitude.Model)["Wb"]),
            "|w·g| through input B should give another mask than |w| alone");
    }

    [TestMethod]
    public void FineTune_ImageColumn_IsFedAsNchw()
    {
        // The model transposes H and W before flattening, which only a rank-4 [N, 1, 4, 4] input allows.
        var ml = new MLContext(1);
        var data = DataRows.Images(ml);
        var model = InputModels.Image();
        var oneShot = Magnitude(ml, model, ["image"], null).Fit(data);
        var tuned = Magnitude(ml, model, ["image"], new FineTuneOptions { Epochs = 5, BatchSize = 16, LearningRate = 0.02 }).Fit(data);
        AssertFineTuned(oneShot.Model, tuned.Model);
        double before = Accuracy(ml, oneShot, data), after = Accuracy(ml, tuned, data);
        Assert.IsGreaterThan(before, after, $"fine-tuned accuracy {after} should beat one-shot {before}");
    }

    [TestMethod]
    public void Wanda_ImageColumnWithSymbolicChannels_SolvesTheOneUnknownDimension()
    {
        var ml = new MLContext(1);
        var pruned = Wanda(ml, InputModels.Image(["N", "C", 4, 4]), ["image"]).Fit(DataRows.Images(ml));
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
    }

    [TestMethod]
    public void Wanda_TokenColumnsOfVaryingLength_CalibratesWithPadding()
    {
        var ml = new MLContext(1);
        var data = DataRows.TokenView(ml, DataRows.Tokens());
        var pruned = Wanda(ml, InputModels.Tokens(), ["input_ids", "attention_mask"]).Fit(data);
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
        Assert.HasCount(1, pruned.Report.Layers, "the MatMul weight is the prunable layer");
        var scores = Transforms.TestData.ScoreColumn(pruned.Transform(data));
        Assert.HasCount(120, scores);
        Assert.IsTrue(scores.All(s => s.Length == 3 && System.Math.Abs(s.Sum() - 1) < 1e-4), "the pruned model scores token rows of any length");
    }

    [TestMethod]
    public void FineTune_TokenColumns_TrainsWhenTheEngineRunsTheGraph()
    {
        string[] needed = ["Gather", "Cast", "Unsqueeze", "ReduceMean"];
        var missing = needed.Where(op => !OnnxTorchModule.SupportedOperators.Contains(op)).ToList();
        var ml = new MLContext(1);
        var data = DataRows.TokenView(ml, DataRows.Tokens());
        var model = InputModels.Tokens();
        var fineTune = new FineTuneOptions { Epochs = 5, BatchSize = 16, LearningRate = 0.02 };
        if (missing.Count > 0)
        {
            var refused = Assert.ThrowsExactly<System.NotSupportedException>(() => Magnitude(ml, model, ["input_ids", "attention_mask"], fineTune));
            StringAssert.Contains(refused.Message, $"'{missing[0]}'");
            Assert.Inconclusive($"The engine lacks {string.Join(", ", missing)} on this branch; FineTune is refused when the estimator is built, as it should be.");
        }
        var oneShot = Magnitude(ml, model, ["input_ids", "attention_mask"], null).Fit(data);
        var tuned = Magnitude(ml, model, ["input_ids", "attention_mask"], fineTune).Fit(data);
        AssertFineTuned(oneShot.Model, tuned.Model);
    }
}
