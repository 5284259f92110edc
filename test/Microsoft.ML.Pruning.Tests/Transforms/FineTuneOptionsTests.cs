using System;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class FineTuneOptionsTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];

    private static MagnitudePruningOptions With(FineTuneOptions fineTune, PruningSchedule schedule = PruningSchedule.OneShot) => new()
    {
        Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = ["Features"], Sparsity = 0.5, FineTune = fineTune, Schedule = schedule,
    };

    [TestMethod]
    public void FineTuneOptions_JsonRoundTrip_KeepsEveryOptionAndLeavesValidationDataOut()
    {
        var ml = new MLContext(1);
        var options = new FineTuneOptions
        {
            Epochs = 7, BatchSize = 64, LearningRate = 0.01, LearningRateSchedule = LearningRateSchedule.Cosine, MinimumLearningRate = 1e-4,
            WarmupFraction = 0.1, WeightDecay = 0.01, DecoupledWeightDecay = true, GradientClipNorm = 1.5, Optimizer = TrainingOptimizer.SgdMomentum,
            LabelColumnName = null, ScoreColumnName = "Score", ScoreKind = ScoreKind.Probabilities,
            Distillation = new DistillationOptions { Temperature = 4, Weight = 0.7, EmbeddingLoss = EmbeddingLoss.MeanSquaredError },
            ValidationData = TestData.Multiclass(ml, 10), EarlyStoppingPatience = 3, KeepBest = true,
        };
        string json = JsonSerializer.Serialize(options);
        StringAssert.Contains(json, "\"LearningRateSchedule\":\"Cosine\"");
        StringAssert.Contains(json, "\"ScoreKind\":\"Probabilities\"");
        StringAssert.Contains(json, "\"EmbeddingLoss\":\"MeanSquaredError\"");
        Assert.DoesNotContain("ValidationData", json);
        var back = JsonSerializer.Deserialize<FineTuneOptions>(json)!;
        Assert.AreEqual(json, JsonSerializer.Serialize(back));
        Assert.AreEqual(1.5, back.GradientClipNorm);
        Assert.AreEqual(0.7, back.Distillation!.Weight);
        Assert.IsNull(back.LabelColumnName);
        Assert.IsNull(back.ValidationData);
    }

    [TestMethod]
    [DataRow("LearningRateSchedule")]
    [DataRow("MinimumLearningRate")]
    [DataRow("WarmupSteps")]
    [DataRow("WarmupFraction")]
    [DataRow("GradientClipNorm")]
    [DataRow("ScoreKind")]
    [DataRow("Temperature")]
    [DataRow("Weight")]
    [DataRow("EmbeddingLoss")]
    public void Magnitude_InvalidFineTuneOption_ThrowsOutOfRangeNamingIt(string option)
    {
        var fineTune = new FineTuneOptions { Distillation = new DistillationOptions() };
        switch (option)
        {
            case "LearningRateSchedule": fineTune.LearningRateSchedule = (LearningRateSchedule)7; break;
            case "MinimumLearningRate": fineTune.MinimumLearningRate = 1; break;
            case "WarmupSteps": fineTune.WarmupSteps = -1; break;
            case "WarmupFraction": fineTune.WarmupFraction = 1; break;
            case "GradientClipNorm": fineTune.GradientClipNorm = 0; break;
            case "ScoreKind": fineTune.ScoreKind = (ScoreKind)9; break;
            case "Temperature": fineTune.Distillation.Temperature = 0; break;
            case "Weight": fineTune.Distillation.Weight = 1.5; break;
            case "EmbeddingLoss": fineTune.Distillation.EmbeddingLoss = (EmbeddingLoss)5; break;
        }
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new MLContext(1).Pruning().Magnitude(With(fineTune)));
        Assert.AreEqual(option, ex.ParamName);
        StringAssert.Contains(ex.Message, option);
    }

    [TestMethod]
    [DataRow("WarmupFraction", "not both")]
    [DataRow("LabelColumnName", "Distillation")]
    [DataRow("EarlyStoppingPatience", "ValidationData")]
    [DataRow("KeepBest", "ValidationData")]
    public void Magnitude_InconsistentFineTuneOptions_ThrowsArgumentNamingThem(string option, string mentioned)
    {
        var fineTune = option switch
        {
            "WarmupFraction" => new FineTuneOptions { WarmupSteps = 10, WarmupFraction = 0.1 },
            "LabelColumnName" => new FineTuneOptions { LabelColumnName = null },
            "EarlyStoppingPatience" => new FineTuneOptions { EarlyStoppingPatience = 2 },
            _ => new FineTuneOptions { KeepBest = true },
        };
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new MLContext(1).Pruning().Magnitude(With(fineTune)));
        Assert.AreEqual(option, ex.ParamName);
        StringAssert.Contains(ex.Message, option);
        StringAssert.Contains(ex.Message, mentioned);
    }

    [TestMethod]
    public void Magnitude_GradualWithKeepBest_ThrowsNamingTheSchedule()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().Magnitude(
            With(new FineTuneOptions { ValidationData = TestData.Multiclass(ml, 10), KeepBest = true }, PruningSchedule.Gradual)));
        StringAssert.Contains(ex.Message, "Gradual");
        StringAssert.Contains(ex.Message, "KeepBest");
    }
}
