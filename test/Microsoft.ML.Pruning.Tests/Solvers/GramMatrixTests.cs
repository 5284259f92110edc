using System;
using System.IO;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Solvers;

[TestClass]
public sealed class GramMatrixTests
{
    [TestMethod]
    public void FromCalibrationRows_EqualsXTransposeX()
    {
        float[] x = [1, 2, 0, -1, 0.5f, 3, 2, 2, -2];

        GramMatrix gram = GramMatrix.FromCalibrationRows(x, rows: 3, columns: 3);

        for (int i = 0; i < 3; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                double expected = 0;
                for (int r = 0; r < 3; r++)
                {
                    expected += (double)x[(r * 3) + i] * x[(r * 3) + j];
                }

                Assert.AreEqual(expected, gram[i, j], 1e-12);
            }
        }

        Assert.IsFalse(gram.IsRankDeficient);
    }

    [TestMethod]
    public void FromCalibrationRows_FewerRowsThanColumns_IsRankDeficient()
    {
        GramMatrix gram = GramMatrix.FromCalibrationRows(new float[] { 1, 2, 3, 4, 5, 6 }, rows: 2, columns: 3);

        Assert.IsTrue(gram.IsRankDeficient);
        Assert.AreEqual(2, gram.CalibrationRows);
    }

    [TestMethod]
    public void WithDamping_AddsToTheDiagonalOnly()
    {
        GramMatrix gram = GramMatrix.FromValues([2, 1, 1, 3], 2);

        GramMatrix damped = gram.WithDamping(0.5);

        Assert.AreEqual(2.5, damped[0, 0]);
        Assert.AreEqual(1.0, damped[0, 1]);
        Assert.AreEqual(3.5, damped[1, 1]);
        Assert.AreEqual(0.5, damped.Damping);
        Assert.AreEqual(2.5, damped.MeanUndampedDiagonal(), 1e-15);
        Assert.AreEqual(2.0, gram[0, 0]);
    }

    [TestMethod]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void FromValues_NonFiniteEntry_ThrowsInvalidDataNamingGram(double bad)
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => GramMatrix.FromValues([1, 0, bad, 1], 2));

        StringAssert.Contains(e.Message, "Gram matrix G");
        StringAssert.Contains(e.Message, "[1, 0]");
    }

    [TestMethod]
    public void FromCalibrationRows_NaN_ThrowsInvalidDataNamingRowAndColumn()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => GramMatrix.FromCalibrationRows(new float[] { 1, 2, 3, float.NaN }, 2, 2));

        StringAssert.Contains(e.Message, "row 1, column 1");
    }

    [TestMethod]
    public void FromValues_NotSquare_ThrowsArgumentOutOfRange()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GramMatrix.FromValues(new double[6], 2));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GramMatrix.FromCalibrationRows(new float[5], 2, 3));
    }

    [TestMethod]
    public void FromValues_NotAGramMatrix_ThrowsInvalidData()
    {
        Assert.ThrowsExactly<InvalidDataException>(() => GramMatrix.FromValues([1, 2, 0, 1], 2));
        Assert.ThrowsExactly<InvalidDataException>(() => GramMatrix.FromValues([-1, 0, 0, 1], 2));
        Assert.ThrowsExactly<InvalidDataException>(() => GramMatrix.FromValues([0, 1, 1, 1], 2));
    }

    [TestMethod]
    public void WithDamping_Negative_ThrowsNamingDamping()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => GramMatrix.FromValues([1, 0, 0, 1], 2).WithDamping(-1));

        Assert.AreEqual("damping", e.ParamName);
    }
}
