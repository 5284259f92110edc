using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class MaskSelectorZeroSparsityTests
{
    [TestMethod]
    [DataRow(PruningScope.Layer)]
    [DataRow(PruningScope.Global)]
    public void SelectByMagnitude_SparsityZero_KeepsEveryWeightAndLeavesWeightsIdentical(PruningScope scope)
    {
        float[] weights = [0f, -0f, 1e-30f, -3f, 0f];
        float[] before = (float[])weights.Clone();

        var mask = MaskSelector.SelectByMagnitude([new LayerValues("w", weights)], 0.0, scope)[0];
        mask.ApplyTo(weights);

        Assert.AreEqual(0, mask.PrunedCount);
        CollectionAssert.AreEqual(new[] { true, true, true, true, true }, mask.Keep.ToArray());
        for (int i = 0; i < weights.Length; i++)
            Assert.AreEqual(BitConverter.SingleToInt32Bits(before[i]), BitConverter.SingleToInt32Bits(weights[i]), $"index {i}");
    }

    [TestMethod]
    public void SelectByMagnitude_SparsityRoundingToZero_KeepsEveryWeight()
    {
        var mask = MaskSelector.SelectByMagnitude([new LayerValues("w", new float[] { 1, 2, 3 })], 0.1)[0];

        Assert.AreEqual(0, mask.PrunedCount);
    }

    [TestMethod]
    public void TargetPrunedCount_Midpoints_RoundToEven()
    {
        Assert.AreEqual(2, MaskSelector.TargetPrunedCount(5, 0.5));
        Assert.AreEqual(4, MaskSelector.TargetPrunedCount(7, 0.5));
        Assert.AreEqual(0, MaskSelector.TargetPrunedCount(0, 0.9));
        Assert.AreEqual(1, MaskSelector.TargetPrunedCount(1, 0.9));
    }
}
