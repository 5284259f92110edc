using System;
using System.Linq;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Solvers;

[TestClass]
public sealed class GroupLassoTests
{
    private static readonly LassoSolverOptions Tight = new() { Tolerance = 1e-12, MaxEpochs = 200_000 };

    private static GroupLassoState State(LassoTestProblem problem, InputGroups groups, GroupPenaltyWeighting weighting = GroupPenaltyWeighting.SquareRootOfSize) =>
        GroupLassoState.ForWeights(problem.Gram, groups, problem.W, problem.Outputs, weighting);

    /// <summary>
    /// The optimality conditions of the group Lasso: for a non-zero block, C_g − Q_g = λω_g·B_g/‖B_g‖; for a zero
    /// block, ‖C_g − Q_g‖ ≤ λω_g.
    /// </summary>
    private static void AssertKkt(GroupLassoState state, double lambda, double tolerance)
    {
        int m = state.Outputs;
        for (int g = 0; g < state.Groups.Count; g++)
        {
            double bound = lambda * state.PenaltyWeights[g];
            double norm = state.GroupNorm(g);
            if (norm == 0)
            {
                Assert.IsLessThanOrEqualTo(bound * (1 + tolerance), state.ResidualCorrelation(g), $"zero group {g}");
                continue;
            }

            foreach (int j in state.Groups.Members(g))
            {
                for (int k = 0; k < m; k++)
                {
                    double gradient = state.RightHandSide[(j * m) + k] - state.Q[(j * m) + k];
                    double expected = bound * state.Beta[(j * m) + k] / norm;
                    Assert.AreEqual(expected, gradient, tolerance * Math.Max(bound, 1), $"group {g}, input {j}, output {k}");
                }
            }
        }
    }

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(0.2)]
    [DataRow(0.05)]
    public void Solve_SingletonGroups_SatisfiesKkt(double lambdaFraction)
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 12, outputs: 5, seed: 3);
        var state = State(problem, InputGroups.Singletons(12));
        double lambda = lambdaFraction * state.LambdaMax();

        var result = BlockCoordinateDescentGroupLasso.Solve(state, lambda, Tight);

        Assert.IsTrue(result.Converged);
        Assert.IsLessThanOrEqualTo(1e-12 * state.TargetSquaredNorm, result.DualityGap);
        Assert.IsGreaterThan(0, result.NonZeroGroups);
        AssertKkt(state, lambda, 1e-5);
    }

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(0.1)]
    public void Solve_BlocksOfThree_SatisfiesKkt(double lambdaFraction)
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 12, outputs: 4, seed: 5);
        var state = State(problem, InputGroups.Blocks(4, 3));
        double lambda = lambdaFraction * state.LambdaMax();

        var result = BlockCoordinateDescentGroupLasso.Solve(state, lambda, Tight);

        Assert.IsTrue(result.Converged, $"gap {result.RelativeGap} after {result.Epochs} passes");
        AssertKkt(state, lambda, 1e-4);
        Assert.AreEqual(Math.Sqrt(3), state.PenaltyWeights[0], 1e-15);
    }

    [TestMethod]
    public void Solve_LambdaAtOrAboveLambdaMax_AllGroupsZero()
    {
        var problem = new LassoTestProblem(calibrationRows: 50, inputs: 10, outputs: 3, seed: 11);
        var state = State(problem, InputGroups.Blocks(5, 2));
        double lambdaMax = state.LambdaMax();

        var atMax = BlockCoordinateDescentGroupLasso.Solve(state, lambdaMax, Tight);
        Assert.AreEqual(0, atMax.NonZeroGroups);
        Assert.IsTrue(state.Beta.All(b => b == 0));
        Assert.AreEqual(0.5 * state.TargetSquaredNorm, atMax.Objective, 1e-9 * state.TargetSquaredNorm);

        BlockCoordinateDescentGroupLasso.Solve(state, 2 * lambdaMax, Tight);
        Assert.AreEqual(0, state.NonZeroGroups());

        var below = BlockCoordinateDescentGroupLasso.Solve(state, 0.98 * lambdaMax, Tight);
        Assert.IsGreaterThan(0, below.NonZeroGroups, "just below λ_max a group enters");
    }

    [TestMethod]
    public void Solve_WarmStartAlongPath_EqualsColdStart()
    {
        var problem = new LassoTestProblem(calibrationRows: 60, inputs: 9, outputs: 4, seed: 17);
        var warm = State(problem, InputGroups.Singletons(9));
        double lambdaMax = warm.LambdaMax();
        foreach (double fraction in new[] { 0.8, 0.5, 0.3, 0.1 }) BlockCoordinateDescentGroupLasso.Solve(warm, fraction * lambdaMax, Tight);
        var cold = State(problem, InputGroups.Singletons(9));
        BlockCoordinateDescentGroupLasso.Solve(cold, 0.1 * lambdaMax, Tight);

        for (int i = 0; i < warm.Beta.Length; i++) Assert.AreEqual(cold.Beta[i], warm.Beta[i], 1e-6, $"B[{i}]");
    }

    [TestMethod]
    public void Solve_UniformWeighting_UsesOneForEveryGroup()
    {
        var problem = new LassoTestProblem(calibrationRows: 40, inputs: 6, outputs: 2, seed: 2);
        var state = State(problem, InputGroups.Blocks(2, 3), GroupPenaltyWeighting.Uniform);
        CollectionAssert.AreEqual(new double[] { 1, 1 }, state.PenaltyWeights);
        double lambda = 0.3 * state.LambdaMax();
        BlockCoordinateDescentGroupLasso.Solve(state, lambda, Tight);
        AssertKkt(state, lambda, 1e-4);
    }

    [TestMethod]
    [DataRow(1)]
    [DataRow(3)]
    [DataRow(6)]
    [DataRow(11)]
    public void LayerSolve_KeptCount_KeepsExactlyThatManyGroups(int count)
    {
        var problem = new LassoTestProblem(calibrationRows: 100, inputs: 12, outputs: 6, seed: 23);
        var solution = LayerGroupLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, InputGroups.Singletons(12), GroupSparsityTarget.Keep(count),
            new LassoSolverOptions());

        Assert.AreEqual(count, solution.KeptCount);
        for (int j = 0; j < 12; j++)
        {
            bool anyNonZero = Enumerable.Range(0, problem.Outputs).Any(k => solution.Weights[(k * 12) + j] != 0);
            Assert.AreEqual(solution.KeptGroups[j], anyNonZero, $"input {j}");
        }

        Assert.IsTrue(solution.RelativeReconstructionError is > 0 and < 1, $"error {solution.RelativeReconstructionError}");
    }

    [TestMethod]
    public void LayerSolve_KeptCountOfBlocks_KeepsWholeBlocks()
    {
        var problem = new LassoTestProblem(calibrationRows: 100, inputs: 12, outputs: 3, seed: 29);
        var groups = InputGroups.Blocks(4, 3);
        var solution = LayerGroupLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, groups, GroupSparsityTarget.Keep(2), new LassoSolverOptions());

        Assert.AreEqual(2, solution.KeptCount);
        for (int j = 0; j < 12; j++)
        {
            bool kept = solution.KeptGroups[groups.GroupOf(j)];
            for (int k = 0; k < problem.Outputs; k++)
            {
                if (!kept) Assert.AreEqual(0f, solution.Weights[(k * 12) + j], $"removed input {j}, output {k}");
            }
        }
    }

    [TestMethod]
    public void LayerSolve_Refit_IsLeastSquaresOnTheKeptInputs()
    {
        var problem = new LassoTestProblem(calibrationRows: 100, inputs: 10, outputs: 4, seed: 31);
        var solution = LayerGroupLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, InputGroups.Singletons(10), GroupSparsityTarget.Keep(4),
            new LassoSolverOptions());
        int[] support = [.. Enumerable.Range(0, 10).Where(j => solution.KeptGroups[j])];

        for (int k = 0; k < problem.Outputs; k++)
        {
            double[] reference = problem.LeastSquaresOnSupport(k, support);
            for (int j = 0; j < 10; j++) Assert.AreEqual(reference[j], solution.Weights[(k * 10) + j], 1e-4, $"row {k}, input {j}");
        }
    }

    [TestMethod]
    public void LayerSolve_PlantedProblem_KeepsTheInputsThatCarryTheOutput()
    {
        // Inputs 0, 3 and 6 carry the output (unit scale, moderate weights); the others are small on the data but have
        // ten times larger weights, so their weight norms are the largest while their share of XWᵀ is a tenth.
        const int rows = 300, n = 9, m = 5;
        int[] planted = [0, 3, 6];
        var random = new Random(41);
        var x = new float[rows * n];
        for (int r = 0; r < rows; r++)
            for (int j = 0; j < n; j++)
                x[(r * n) + j] = (float)((random.NextDouble() * 2 - 1) * (planted.Contains(j) ? 1 : 0.01));
        var w = new float[m * n];
        for (int k = 0; k < m; k++)
            for (int j = 0; j < n; j++)
                w[(k * n) + j] = (float)((random.NextDouble() + 0.5) * (random.Next(2) == 0 ? -1 : 1) * (planted.Contains(j) ? 1 : 10));
        var gram = GramMatrix.FromCalibrationRows(x, rows, n);

        var solution = LayerGroupLassoSolver.Solve(gram, w, m, InputGroups.Singletons(n), GroupSparsityTarget.Keep(3), new LassoSolverOptions());

        CollectionAssert.AreEqual(planted, Enumerable.Range(0, n).Where(j => solution.KeptGroups[j]).ToArray());
        var byWeightNorm = Enumerable.Range(0, n).OrderByDescending(j => Enumerable.Range(0, m).Sum(k => w[(k * n) + j] * w[(k * n) + j])).Take(3).Order().ToArray();
        CollectionAssert.AreNotEqual(planted, byWeightNorm, "the planted inputs are not the largest weights");
        Assert.IsLessThan(0.2, solution.RelativeReconstructionError);
    }

    [TestMethod]
    public void LayerSolve_FixedLambda_KeepsTheNonZeroGroupsAndReportsIt()
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 10, outputs: 3, seed: 43);
        var state = State(problem, InputGroups.Singletons(10));
        double lambda = 0.3 * state.LambdaMax();
        BlockCoordinateDescentGroupLasso.Solve(state, lambda, Tight);

        var solution = LayerGroupLassoSolver.Solve(problem.Gram, problem.W, problem.Outputs, InputGroups.Singletons(10),
            GroupSparsityTarget.FixedLambda(lambda, refit: false), new LassoSolverOptions { Tolerance = 1e-12 });

        Assert.AreEqual(lambda, solution.Lambda);
        Assert.AreEqual(state.NonZeroGroups(), solution.KeptCount);
        for (int k = 0; k < problem.Outputs; k++)
            for (int j = 0; j < 10; j++)
                Assert.AreEqual(state.Beta[(j * problem.Outputs) + k], solution.Weights[(k * 10) + j], 1e-5, $"row {k}, input {j}");
    }

    [TestMethod]
    public void LayerSolve_KeepAllOrNone_NeedsNoSearch()
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 6, outputs: 2, seed: 47);
        var all = LayerGroupLassoSolver.Solve(problem.Gram, problem.W, 2, InputGroups.Singletons(6), GroupSparsityTarget.Keep(6), new LassoSolverOptions());
        Assert.AreEqual(6, all.KeptCount);
        Assert.AreEqual(0, all.RelativeReconstructionError, 1e-5);
        var none = LayerGroupLassoSolver.Solve(problem.Gram, problem.W, 2, InputGroups.Singletons(6), GroupSparsityTarget.Keep(0), new LassoSolverOptions());
        Assert.AreEqual(0, none.KeptCount);
        Assert.IsTrue(none.Weights.All(v => v == 0));
        Assert.AreEqual(1, none.RelativeReconstructionError, 1e-9);
    }

    [TestMethod]
    public void LayerSolve_CountAboveGroups_Throws()
    {
        var problem = new LassoTestProblem(calibrationRows: 20, inputs: 4, outputs: 1, seed: 1);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            LayerGroupLassoSolver.Solve(problem.Gram, problem.W, 1, InputGroups.Singletons(4), GroupSparsityTarget.Keep(5), new LassoSolverOptions()));
    }

    [TestMethod]
    public void RefitSharedSupport_EqualsPerRowRefit()
    {
        var problem = new LassoTestProblem(calibrationRows: 30, inputs: 8, outputs: 3, seed: 53);
        var state = GroupLassoState.ForWeights(problem.Gram, InputGroups.Singletons(8), problem.W, 3, GroupPenaltyWeighting.Uniform);
        int[] support = [1, 2, 5, 7];
        var shared = new double[24];
        SupportRefit.RefitSharedSupport(problem.Gram, state.RightHandSide, 3, problem.W, support, shared);
        for (int k = 0; k < 3; k++)
        {
            var row = LassoRowState.ForWeights(problem.Gram, problem.W.AsSpan(k * 8, 8));
            var single = new double[8];
            SupportRefit.Refit(problem.Gram, row.RightHandSide, problem.Row(k), support, single);
            for (int j = 0; j < 8; j++) Assert.AreEqual(single[j], shared[(k * 8) + j], 1e-9, $"row {k}, input {j}");
        }
    }

    [TestMethod]
    public void InputGroups_OverlapOrGap_Throws()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => InputGroups.FromMembers(4, [[0, 1], [1, 2, 3]]));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => InputGroups.FromMembers(4, [[0, 1], [3]]));
        var groups = InputGroups.FromMembers(4, [[3, 0], [1, 2]]);
        Assert.AreEqual(0, groups.GroupOf(3));
        Assert.AreEqual(2, groups.LargestGroup);
    }

    [TestMethod]
    public void SymmetricEigenvalues_Largest_BoundsTheTrueValueTightly()
    {
        Assert.AreEqual(3, SymmetricEigenvalues.Largest([2, 1, 1, 2], 2), 1e-9);
        Assert.AreEqual(5, SymmetricEigenvalues.Largest([5], 1));
        // A random Gram matrix: the bound is at least the Rayleigh quotient of any vector, and at most the trace.
        var problem = new LassoTestProblem(calibrationRows: 20, inputs: 6, outputs: 1, seed: 59);
        var g = new double[36];
        for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) g[(i * 6) + j] = problem.Gram[i, j];
        double largest = SymmetricEigenvalues.Largest(g, 6);
        var v = new double[6];
        Array.Fill(v, 1.0);
        for (int step = 0; step < 500; step++)
        {
            var next = new double[6];
            for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) next[i] += g[(i * 6) + j] * v[j];
            double norm = Math.Sqrt(next.Sum(a => a * a));
            v = next.Select(a => a / norm).ToArray();
        }
        double rayleigh = 0;
        for (int i = 0; i < 6; i++) for (int j = 0; j < 6; j++) rayleigh += v[i] * g[(i * 6) + j] * v[j];
        Assert.IsGreaterThanOrEqualTo(rayleigh, largest);
        Assert.AreEqual(rayleigh, largest, 1e-9 * rayleigh);
    }
}
