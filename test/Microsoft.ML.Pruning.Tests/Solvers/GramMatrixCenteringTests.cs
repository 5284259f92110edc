using System;
using System.Linq;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Solvers;

[TestClass]
public sealed class GramMatrixCenteringTests
{
    [TestMethod]
    public void Centered_EqualsTheGramMatrixOfCentredRows()
    {
        var problem = new LassoTestProblem(calibrationRows: 40, inputs: 6, outputs: 1, seed: 61);
        var means = Enumerable.Range(0, 6).Select(j => Enumerable.Range(0, 40).Average(r => (double)problem.X[(r * 6) + j])).ToArray();
        var centredRows = new float[problem.X.Length];
        for (int r = 0; r < 40; r++)
            for (int j = 0; j < 6; j++)
                centredRows[(r * 6) + j] = (float)(problem.X[(r * 6) + j] - means[j]);
        var expected = GramMatrix.FromCalibrationRows(centredRows, 40, 6);

        var centred = problem.Gram.Centered();

        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                Assert.AreEqual(expected[i, j], centred[i, j], 1e-4 * expected[i, i], $"[{i}, {j}]");
        Assert.AreEqual(40, centred.CalibrationRows);
    }

    [TestMethod]
    public void Centered_ConstantColumn_BecomesAZeroColumn()
    {
        var x = new float[30 * 3];
        var random = new Random(5);
        for (int r = 0; r < 30; r++)
        {
            x[r * 3] = (float)random.NextDouble();
            x[(r * 3) + 1] = 2.5f; // constant: its whole effect is a bias
            x[(r * 3) + 2] = (float)random.NextDouble();
        }

        var centred = GramMatrix.FromCalibrationRows(x, 30, 3).Centered();

        CollectionAssert.AreEqual(new[] { 1 }, centred.ZeroColumns.ToArray());
        Assert.AreEqual(0, centred[0, 1]);
        Assert.IsGreaterThan(0.0, centred[0, 0]);
    }

    [TestMethod]
    public void Centered_WithoutColumnSums_Throws()
    {
        var gram = GramMatrix.FromValues([2, 1, 1, 2], 2, calibrationRows: 10);
        Assert.ThrowsExactly<InvalidOperationException>(() => gram.Centered());
        var centred = gram.WithColumnSums([3, 4]).Centered(); // G − s·sᵀ/r
        Assert.AreEqual(2 - (9.0 / 10), centred[0, 0], 1e-12);
        Assert.AreEqual(1 - (12.0 / 10), centred[0, 1], 1e-12);
        Assert.AreEqual(2 - (16.0 / 10), centred[1, 1], 1e-12);
    }
}
