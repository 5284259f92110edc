using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class PruningMaskTests
{
    private static PruningMask Mask() =>
        MaskSelector.SelectByMagnitude([new LayerValues("fc", new[] { 0.1f, -5f, 0.2f, 3f })], 0.5)[0];

    [TestMethod]
    public void ApplyTo_Weights_ZeroesExactlyThePrunedOnes()
    {
        float[] weights = [0.1f, -5f, 0.2f, 3f];

        Mask().ApplyTo(weights);

        CollectionAssert.AreEqual(new[] { 0f, -5f, 0f, 3f }, weights);
    }

    [TestMethod]
    public void ToFloatArray_Mask_IsOneForKeptZeroForPruned()
    {
        CollectionAssert.AreEqual(new[] { 0f, 1f, 0f, 1f }, Mask().ToFloatArray());
    }

    [TestMethod]
    public void Counts_Mask_AgreeWithFlags()
    {
        var mask = Mask();

        Assert.AreEqual("fc", mask.Name);
        Assert.AreEqual(4, mask.Length);
        Assert.AreEqual(2, mask.PrunedCount);
        Assert.AreEqual(2, mask.KeptCount);
        Assert.IsTrue(mask.IsKept(1));
        Assert.IsFalse(mask.IsKept(0));
    }

    [TestMethod]
    public void ApplyTo_WrongLength_ThrowsArgumentException()
    {
        Assert.ThrowsExactly<ArgumentException>(() => Mask().ApplyTo(new float[3]));
        Assert.ThrowsExactly<ArgumentException>(() => Mask().CopyTo(new float[5]));
    }
}
