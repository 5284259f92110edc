using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class LayerSparsityTests
{
    [TestMethod]
    public void Compute_WeightsWithZeros_CountsNonZerosAndSparsity()
    {
        float[] weights = [0f, 1f, -0f, 2f, 0f, float.NaN, 0f, 3f, 0f, 0f, 0f, 4f];

        var row = LayerSparsity.Compute("fc1", [3, 4], weights);

        Assert.AreEqual("fc1", row.Name);
        CollectionAssert.AreEqual(new long[] { 3, 4 }, row.Shape);
        Assert.AreEqual(12, row.Parameters);
        Assert.AreEqual(5, row.NonZeros, "NaN is not zero; -0 is.");
        Assert.AreEqual(7.0 / 12, row.Sparsity, 1e-12);
    }

    [TestMethod]
    public void Compute_LongLayer_CountsAcrossVectorBlocksAndTail()
    {
        var weights = new float[10_003];
        for (int i = 0; i < weights.Length; i += 3)
            weights[i] = 1f;

        var row = LayerSparsity.Compute("w", [weights.Length], weights);

        Assert.AreEqual(3335, row.NonZeros);
    }

    [TestMethod]
    public void Compute_EmptyLayer_HasZeroSparsity()
    {
        var row = LayerSparsity.Compute("empty", [0, 5], ReadOnlySpan<float>.Empty);

        Assert.AreEqual(0, row.Parameters);
        Assert.AreEqual(0.0, row.Sparsity);
    }

    [TestMethod]
    public void Compute_ShapeMismatch_ThrowsArgumentExceptionNamingLayer()
    {
        var e = Assert.ThrowsExactly<ArgumentException>(() => LayerSparsity.Compute("fc1", [2, 3], new float[5]));

        StringAssert.Contains(e.Message, "'fc1'");
    }

    [TestMethod]
    public void Total_SeveralLayers_SumsParametersAndNonZeros()
    {
        LayerSparsity[] rows =
        [
            LayerSparsity.Compute("a", [4], new float[] { 0, 0, 0, 1 }),
            LayerSparsity.Compute("b", [2, 2], new float[] { 1, 1, 0, 1 }),
        ];

        var totals = LayerSparsity.Total(rows);

        Assert.AreEqual(8, totals.Parameters);
        Assert.AreEqual(4, totals.NonZeros);
        Assert.AreEqual(0.5, totals.Sparsity);
    }

    [TestMethod]
    public void Equals_SameValuesDifferentShapeArrays_AreEqual()
    {
        var a = new LayerSparsity("fc", [2, 3], 6, 2);
        var b = new LayerSparsity("fc", [2, 3], 6, 2);

        Assert.AreEqual(a, b);
        Assert.AreEqual(a.GetHashCode(), b.GetHashCode());
        Assert.AreNotEqual(a, b with { Shape = [3, 2] });
    }
}
