using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class MagnitudeCriterionTests
{
    [TestMethod]
    public void Score_Weights_AreAbsoluteValues()
    {
        var random = new Random(4);
        float[] weights = SortReference.RandomWeights(random, 1001);

        float[] scores = MagnitudeCriterion.Score(weights);

        CollectionAssert.AreEqual(Array.ConvertAll(weights, Math.Abs), scores);
    }

    [TestMethod]
    public void Select_MagnitudeScores_EqualsSelectByMagnitude()
    {
        var random = new Random(6);
        float[] weights = SortReference.RandomWeights(random, 777);

        var fromScores = MaskSelector.Select([new LayerValues("w", MagnitudeCriterion.Score(weights))], 0.6)[0];
        var fromWeights = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.6)[0];

        CollectionAssert.AreEqual(fromWeights.Keep.ToArray(), fromScores.Keep.ToArray());
    }

    [TestMethod]
    public void Score_DestinationTooShort_ThrowsArgumentException()
    {
        Assert.ThrowsExactly<ArgumentException>(() => MagnitudeCriterion.Score(new float[4], new float[3]));
    }
}
