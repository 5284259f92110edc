using System;
using System.Linq;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Training;

[TestClass]
public sealed class LearningRateScheduleTests
{
    [TestMethod]
    public void LearningRateAt_Constant_IsTheLearningRateAtEveryStep()
    {
        var settings = new TrainingSettings { LearningRate = 0.0123 };
        foreach (long step in new long[] { 0, 1, 57, 99 })
            Assert.AreEqual(BitConverter.DoubleToInt64Bits(0.0123), BitConverter.DoubleToInt64Bits(settings.LearningRateAt(step, 100)), $"step {step}");
    }

    [TestMethod]
    public void LearningRateAt_Cosine_FallsFromTheRateToTheFloorOverAllSteps()
    {
        var settings = new TrainingSettings { LearningRate = 0.1, MinimumLearningRate = 0.01, LearningRateSchedule = LearningRateSchedule.Cosine };
        double[] expected = [0.1, 0.097798, 0.091406, 0.081450, 0.068906, 0.055, 0.041094, 0.028550, 0.018594, 0.012202];
        var actual = Enumerable.Range(0, 10).Select(s => settings.LearningRateAt(s, 10)).ToArray();
        for (int s = 0; s < 10; s++) Assert.AreEqual(expected[s], actual[s], 1e-6, $"step {s}");
        Assert.AreEqual(0.01, settings.LearningRateAt(10, 10), 1e-12, "the floor is reached after the last step");
    }

    [TestMethod]
    public void LearningRateAt_WarmupSteps_RiseLinearlyThenTheCosineStartsAtTheRate()
    {
        var settings = new TrainingSettings { LearningRate = 0.2, LearningRateSchedule = LearningRateSchedule.Cosine, WarmupSteps = 4 };
        double[] warmup = [0.05, 0.1, 0.15, 0.2];
        for (int s = 0; s < 4; s++) Assert.AreEqual(warmup[s], settings.LearningRateAt(s, 12), 1e-12, $"warm-up step {s}");
        Assert.AreEqual(0.2, settings.LearningRateAt(4, 12), 1e-12, "the cosine starts at the rate");
        Assert.AreEqual(0.1, settings.LearningRateAt(8, 12), 1e-12, "half way through the 8 cosine steps");
    }

    [TestMethod]
    public void LearningRateAt_WarmupFractionWithConstant_WarmsUpOverThatShareThenHolds()
    {
        var settings = new TrainingSettings { LearningRate = 0.3, WarmupFraction = 0.25 };
        Assert.AreEqual(5, settings.WarmupStepsOf(20));
        Assert.AreEqual(0.06, settings.LearningRateAt(0, 20), 1e-12);
        Assert.AreEqual(0.24, settings.LearningRateAt(3, 20), 1e-12);
        Assert.AreEqual(0.3, settings.LearningRateAt(4, 20), 1e-12);
        Assert.AreEqual(0.3, settings.LearningRateAt(19, 20), 1e-12);
    }
}
