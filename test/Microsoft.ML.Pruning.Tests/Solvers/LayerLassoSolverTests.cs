using System;
using System.IO;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Solvers;

[TestClass]
public sealed class LayerLassoSolverTests
{
    private static readonly LassoSolverOptions Options = new() { Tolerance = 1e-10 };

    [TestMethod]
    [DataRow(1, false)]
    [DataRow(7, false)]
    [DataRow(15, false)]
    [DataRow(7, true)]
    [DataRow(24, true)]
    public void Solve_PerRowTarget_HitsExactCounts(int keep, bool refit)
    {
        var problem = new LassoTestProblem(calibrationRows: 100, inputs: 30, outputs: 6, seed: 23);

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerRow(keep, problem.Outputs, refit), Options);

        for (int i = 0; i < problem.Outputs; i++)
        {
            int nonZeros = 0;
            for (int j = 0; j < problem.Inputs; j++)
            {
                nonZeros += solution.Weights[(i * problem.Inputs) + j] != 0 ? 1 : 0;
            }

            Assert.AreEqual(keep, nonZeros, $"row {i}");
            Assert.AreEqual(keep, solution.RowResults[i].NonZeros, $"row {i}");
            Assert.IsGreaterThan(0.0, solution.RowResults[i].Lambda);
        }

        Assert.IsNull(solution.LayerLambda);
        Assert.AreEqual((long)keep * problem.Outputs, solution.NonZeros);
    }

    [TestMethod]
    [DataRow(20L, false)]
    [DataRow(90L, false)]
    [DataRow(90L, true)]
    public void Solve_PerLayerTarget_HitsTheLayerCountWithOneLambda(long keep, bool refit)
    {
        var problem = new LassoTestProblem(calibrationRows: 100, inputs: 30, outputs: 6, seed: 29);

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerLayer(keep, refit), Options);

        Assert.AreEqual(keep, solution.NonZeros);
        Assert.IsNotNull(solution.LayerLambda);
        foreach (LassoRowResult row in solution.RowResults)
        {
            Assert.AreEqual(solution.LayerLambda.Value, row.Lambda);
        }
    }

    [TestMethod]
    public void Solve_RefitOnGivenSupport_EqualsLeastSquaresOnThatSupport()
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 20, outputs: 3, seed: 31);
        var support = new bool[problem.W.Length];
        var random = new Random(2);
        for (int i = 0; i < support.Length; i++)
        {
            support[i] = random.NextDouble() < 0.4;
        }

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.RefitOnSupport(support), Options);

        for (int i = 0; i < problem.Outputs; i++)
        {
            var kept = new System.Collections.Generic.List<int>();
            for (int j = 0; j < problem.Inputs; j++)
            {
                if (support[(i * problem.Inputs) + j])
                {
                    kept.Add(j);
                }
            }

            double[] expected = problem.LeastSquaresOnSupport(i, kept.ToArray());
            for (int j = 0; j < problem.Inputs; j++)
            {
                Assert.AreEqual(expected[j], solution.Weights[(i * problem.Inputs) + j], 1e-4 * (1 + Math.Abs(expected[j])), $"row {i}, input {j}");
            }

            Assert.AreEqual(0.0, solution.RefitDamping[i]);
        }
    }

    [TestMethod]
    public void Solve_Refit_ReconstructsBetterThanTheLassoItRefits()
    {
        var problem = new LassoTestProblem(calibrationRows: 100, inputs: 30, outputs: 4, seed: 37);

        LayerLassoSolution lasso = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerRow(10, problem.Outputs), Options);
        LayerLassoSolution refit = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerRow(10, problem.Outputs, refit: true), Options);

        Assert.IsLessThan(lasso.RelativeReconstructionError, refit.RelativeReconstructionError);
        Assert.IsGreaterThan(0.0, refit.RelativeReconstructionError);
    }

    [TestMethod]
    public void Solve_RelativeErrorFromGram_EqualsTheErrorOnTheCalibrationRows()
    {
        var problem = new LassoTestProblem(calibrationRows: 70, inputs: 15, outputs: 3, seed: 41);

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.FixedLambda(5.0), Options);

        double residual = 0;
        double output = 0;
        for (int r = 0; r < problem.CalibrationRows; r++)
        {
            for (int i = 0; i < problem.Outputs; i++)
            {
                double dense = 0;
                double pruned = 0;
                for (int j = 0; j < problem.Inputs; j++)
                {
                    double x = problem.X[(r * problem.Inputs) + j];
                    dense += x * problem.W[(i * problem.Inputs) + j];
                    pruned += x * solution.Weights[(i * problem.Inputs) + j];
                }

                residual += (dense - pruned) * (dense - pruned);
                output += dense * dense;
            }
        }

        Assert.AreEqual(Math.Sqrt(residual / output), solution.RelativeReconstructionError, 1e-6);
        Assert.AreEqual(5.0, solution.LayerLambda);
    }

    [TestMethod]
    public void Solve_FewerCalibrationRowsThanInputs_DampsAndSaysSo()
    {
        var problem = new LassoTestProblem(calibrationRows: 12, inputs: 30, outputs: 3, seed: 43);

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerRow(20, problem.Outputs, refit: true), Options);

        Assert.IsTrue(solution.RankDeficient);
        Assert.AreEqual(0.01 * problem.Gram.MeanUndampedDiagonal(), solution.Damping, 1e-12 * solution.Damping);
        Assert.AreEqual(60L, solution.NonZeros);
        foreach (float w in solution.Weights)
        {
            Assert.IsTrue(float.IsFinite(w));
        }

        foreach (LassoRowResult row in solution.RowResults)
        {
            Assert.IsTrue(row.Converged);
        }

        Assert.IsLessThan(1.0, solution.RelativeReconstructionError);
    }

    [TestMethod]
    public void Solve_SingularSupportWithoutDamping_RefitDampsAndSaysSo()
    {
        // Columns 0 and 1 are equal, so any support keeping both has a singular G_SS.
        var problem = new LassoTestProblem(calibrationRows: 40, inputs: 6, outputs: 1, seed: 47);
        for (int r = 0; r < problem.CalibrationRows; r++)
        {
            problem.X[(r * problem.Inputs) + 1] = problem.X[r * problem.Inputs];
        }

        GramMatrix gram = GramMatrix.FromCalibrationRows(problem.X, problem.CalibrationRows, problem.Inputs);
        bool[] support = [true, true, true, false, false, false];

        LayerLassoSolution solution = LayerLassoSolver.Solve(gram, problem.W, 1, SparsityTarget.RefitOnSupport(support), Options);

        Assert.IsGreaterThan(0.0, solution.RefitDamping[0]);
        Assert.AreEqual(0.0, solution.Damping);
        foreach (float w in solution.Weights)
        {
            Assert.IsTrue(float.IsFinite(w));
        }
    }

    [TestMethod]
    public void Solve_ZeroColumn_IsZeroInEveryRowAndReported()
    {
        var problem = new LassoTestProblem(calibrationRows: 60, inputs: 12, outputs: 3, seed: 53, zeroColumn: 2);

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerRow(11, problem.Outputs, refit: true), Options);

        CollectionAssert.AreEqual(new[] { 2 }, new System.Collections.Generic.List<int>(solution.ZeroColumns));
        for (int i = 0; i < problem.Outputs; i++)
        {
            Assert.AreEqual(0f, solution.Weights[(i * problem.Inputs) + 2]);
        }

        Assert.AreEqual(33L, solution.NonZeros);
    }

    [TestMethod]
    public void Solve_OneThreadOrTwo_GivesTheSameWeights()
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 20, outputs: 5, seed: 59);

        LayerLassoSolution single = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerLayer(40), new LassoSolverOptions { MaxDegreeOfParallelism = 1 });
        LayerLassoSolution two = LayerLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, SparsityTarget.PerLayer(40), new LassoSolverOptions { MaxDegreeOfParallelism = 2 });

        CollectionAssert.AreEqual(single.Weights, two.Weights);
    }

    [TestMethod]
    public void Solve_NaNWeight_ThrowsInvalidDataNamingWeights()
    {
        var problem = new LassoTestProblem(calibrationRows: 20, inputs: 4, outputs: 2, seed: 61);
        problem.W[5] = float.NaN;

        var e = Assert.ThrowsExactly<InvalidDataException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 2, SparsityTarget.FixedLambda(1), Options));
        StringAssert.Contains(e.Message, "weights W");
        StringAssert.Contains(e.Message, "row 1, column 1");
    }

    [TestMethod]
    public void Solve_SizesThatDoNotMatch_Throw()
    {
        var problem = new LassoTestProblem(calibrationRows: 20, inputs: 4, outputs: 2, seed: 67);

        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 3, SparsityTarget.FixedLambda(1), Options));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 2, SparsityTarget.PerRow(5, 2), Options));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 2, SparsityTarget.PerRow(2, 3), Options));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 2, SparsityTarget.PerLayer(9), Options));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 2, SparsityTarget.RefitOnSupport(new bool[7]), Options));
    }

    [TestMethod]
    public void Solve_BadOption_ThrowsNamingIt()
    {
        var problem = new LassoTestProblem(calibrationRows: 20, inputs: 4, outputs: 2, seed: 71);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 2, SparsityTarget.FixedLambda(1), new LassoSolverOptions { Tolerance = double.NaN }));
        Assert.AreEqual("Tolerance", e.ParamName);
        e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, 2, SparsityTarget.FixedLambda(1), new LassoSolverOptions { RelativeDamping = -1 }));
        Assert.AreEqual("RelativeDamping", e.ParamName);
    }
}
