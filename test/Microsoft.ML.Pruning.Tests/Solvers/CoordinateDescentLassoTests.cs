using System;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Solvers;

[TestClass]
public sealed class CoordinateDescentLassoTests
{
    private static readonly LassoSolverOptions Tight = new() { Tolerance = 1e-12 };

    [TestMethod]
    public void Solve_ExtrapolationOnCorrelatedInputs_ReachesTheSameSolutionInFewerPasses()
    {
        // Activations with a large shared component: plain coordinate descent creeps along it.
        const int rows = 400, inputs = 60;
        var random = new Random(3);
        var x = new float[rows * inputs];
        for (int r = 0; r < rows; r++)
        {
            double shared = random.NextDouble() * 4;
            for (int j = 0; j < inputs; j++) x[(r * inputs) + j] = (float)(shared + (0.3 * random.NextDouble()));
        }

        var gram = GramMatrix.FromCalibrationRows(x, rows, inputs);
        var w = new float[inputs];
        for (int j = 0; j < inputs; j++) w[j] = (float)((random.NextDouble() * 2) - 1);
        double lambda = 0.05 * LassoRowState.ForWeights(gram, w).LambdaMax();

        LassoRowResult Solve(bool extrapolation, out double[] beta)
        {
            var state = LassoRowState.ForWeights(gram, w);
            var result = CoordinateDescentLasso.Solve(state, lambda, new LassoSolverOptions { Tolerance = 1e-10, MaxEpochs = 200_000, Extrapolation = extrapolation });
            beta = state.Beta;
            return result;
        }

        var plain = Solve(false, out double[] plainBeta);
        var extrapolated = Solve(true, out double[] extrapolatedBeta);

        Assert.IsTrue(plain.Converged && extrapolated.Converged);
        Assert.AreEqual(plain.Objective, extrapolated.Objective, 1e-8 * plain.Objective);
        for (int j = 0; j < inputs; j++) Assert.AreEqual(plainBeta[j], extrapolatedBeta[j], 1e-3 * (1 + Math.Abs(plainBeta[j])), $"input {j}");
        Assert.IsLessThan(plain.Epochs / 2, extrapolated.Epochs, $"plain {plain.Epochs} passes, extrapolated {extrapolated.Epochs}");
    }

    [TestMethod]
    public void Solve_DiagonalGram_EqualsSoftThresholding()
    {
        double[] diagonal = [4, 1, 0.25, 9, 2];
        double[] w = [1.5, -0.3, 2, -0.05, 0.8];
        var values = new double[25];
        for (int j = 0; j < 5; j++)
        {
            values[(j * 5) + j] = diagonal[j];
        }

        var gram = GramMatrix.FromValues(values, 5);
        var state = LassoRowState.ForWeights(gram, Array.ConvertAll(w, v => (float)v));
        const double lambda = 0.6;

        LassoRowResult result = CoordinateDescentLasso.Solve(state, lambda, Tight);

        for (int j = 0; j < 5; j++)
        {
            double t = diagonal[j] * (float)w[j];
            double expected = Math.Sign(t) * Math.Max(Math.Abs(t) - lambda, 0) / diagonal[j];
            Assert.AreEqual(expected, state.Beta[j], 1e-12, $"coordinate {j}");
        }

        Assert.IsTrue(result.Converged);
        Assert.AreEqual(2, result.NonZeros);
    }

    [TestMethod]
    [DataRow(0.5)]
    [DataRow(0.1)]
    [DataRow(0.01)]
    public void Solve_CorrelatedProblem_MatchesNaiveResidualCoordinateDescent(double lambdaFraction)
    {
        var problem = new LassoTestProblem(calibrationRows: 60, inputs: 12, outputs: 1, seed: 7);
        LassoRowState state = problem.State(0);
        double lambda = lambdaFraction * state.LambdaMax();

        CoordinateDescentLasso.Solve(state, lambda, Tight);
        double[] reference = problem.NaiveLasso(0, lambda, passes: 20_000);

        double ours = problem.Objective(0, state.Beta, lambda);
        double theirs = problem.Objective(0, reference, lambda);
        Assert.AreEqual(theirs, ours, 1e-8 * theirs);
        for (int j = 0; j < problem.Inputs; j++)
        {
            Assert.AreEqual(reference[j], state.Beta[j], 1e-5, $"coordinate {j}");
        }
    }

    [TestMethod]
    [DataRow(0.3)]
    [DataRow(0.05)]
    public void Solve_AtSolution_SatisfiesKktConditions(double lambdaFraction)
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 30, outputs: 1, seed: 11);
        LassoRowState state = problem.State(0);
        double lambda = lambdaFraction * state.LambdaMax();

        CoordinateDescentLasso.Solve(state, lambda, Tight);

        // Recomputed from scratch: q = Gβ, gradient of the smooth part is q − c.
        var q = new double[problem.Inputs];
        problem.Gram.Multiply(state.Beta, q);
        int nonZeros = 0;
        for (int j = 0; j < problem.Inputs; j++)
        {
            double correlation = state.RightHandSide[j] - q[j];
            if (state.Beta[j] == 0)
            {
                Assert.IsLessThanOrEqualTo(lambda * (1 + 1e-6), Math.Abs(correlation), $"zero coordinate {j}");
            }
            else
            {
                nonZeros++;
                Assert.AreEqual(lambda * Math.Sign(state.Beta[j]), correlation, 1e-5 * lambda, $"non-zero coordinate {j}");
            }
        }

        Assert.IsGreaterThan(0, nonZeros);
        Assert.IsLessThan(problem.Inputs, nonZeros);
    }

    [TestMethod]
    [DataRow(1e-4)]
    [DataRow(1e-8)]
    public void Solve_ReportsDualityGapWithinTolerance(double tolerance)
    {
        var problem = new LassoTestProblem(calibrationRows: 100, inputs: 40, outputs: 1, seed: 3);
        LassoRowState state = problem.State(0);
        double lambda = 0.05 * state.LambdaMax();

        LassoRowResult result = CoordinateDescentLasso.Solve(state, lambda, new LassoSolverOptions { Tolerance = tolerance });

        Assert.IsTrue(result.Converged);
        Assert.IsLessThanOrEqualTo(tolerance, result.RelativeGap);
        Assert.AreEqual(result.DualityGap / state.TargetSquaredNorm, result.RelativeGap, 1e-15);

        // The gap bounds the distance to the optimum, found here by a much tighter solve.
        LassoRowState best = problem.State(0);
        LassoRowResult optimum = CoordinateDescentLasso.Solve(best, lambda, Tight);
        Assert.IsLessThanOrEqualTo(result.DualityGap + (1e-9 * state.TargetSquaredNorm), result.Objective - optimum.Objective);
        Assert.AreEqual(problem.Objective(0, state.Beta, lambda), result.Objective, 1e-9 * result.Objective);
    }

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(1.0)]
    public void Solve_Screening_NeverRemovesACoordinateOfTheSolution(double adaptivePower)
    {
        var problem = new LassoTestProblem(calibrationRows: 120, inputs: 60, outputs: 4, seed: 5);
        int screenedSomewhere = 0;
        for (int row = 0; row < problem.Outputs; row++)
        {
            foreach (double fraction in new[] { 0.7, 0.3, 0.1, 0.02 })
            {
                LassoRowState screened = problem.State(row);
                LassoRowState plain = problem.State(row);
                screened.SetAdaptivePenalty(problem.W.AsSpan(row * problem.Inputs, problem.Inputs), adaptivePower);
                plain.SetAdaptivePenalty(problem.W.AsSpan(row * problem.Inputs, problem.Inputs), adaptivePower);
                double lambda = fraction * screened.LambdaMax();

                LassoRowResult withScreening = CoordinateDescentLasso.Solve(screened, lambda, new LassoSolverOptions { Tolerance = 1e-12, Screening = true });
                LassoRowResult without = CoordinateDescentLasso.Solve(plain, lambda, new LassoSolverOptions { Tolerance = 1e-12, Screening = false });

                screenedSomewhere += withScreening.Screened;
                Assert.AreEqual(0, without.Screened);
                for (int j = 0; j < problem.Inputs; j++)
                {
                    Assert.AreEqual(plain.Beta[j] != 0, screened.Beta[j] != 0, $"row {row}, λ/λmax {fraction}, coordinate {j}");
                    Assert.AreEqual(plain.Beta[j], screened.Beta[j], 1e-6);
                }
            }
        }

        // Screening did remove coordinates, so the comparison above tested it.
        Assert.IsGreaterThan(0, screenedSomewhere);
    }

    [TestMethod]
    public void Solve_WarmStartAlongPath_ReachesTheColdStartSolution()
    {
        var problem = new LassoTestProblem(calibrationRows: 90, inputs: 25, outputs: 1, seed: 13);
        LassoRowState warm = problem.State(0);
        LassoRowState cold = problem.State(0);
        double lambda = 0.02 * warm.LambdaMax();

        LassoRowResult path = LayerLassoSolver.SolveAlongPath(warm, lambda, Tight);
        LassoRowResult direct = CoordinateDescentLasso.Solve(cold, lambda, Tight);

        Assert.IsGreaterThan(path.Epochs, path.TotalEpochs);
        Assert.AreEqual(direct.Objective, path.Objective, 1e-10 * direct.Objective);
    }

    [TestMethod]
    public void Solve_ZeroColumn_KeepsItsWeightAtZero()
    {
        var problem = new LassoTestProblem(calibrationRows: 50, inputs: 10, outputs: 1, seed: 17, zeroColumn: 4);
        LassoRowState state = problem.State(0);

        CoordinateDescentLasso.Solve(state, 0.001 * state.LambdaMax(), Tight);

        CollectionAssert.AreEqual(new[] { 4 }, new System.Collections.Generic.List<int>(problem.Gram.ZeroColumns));
        Assert.AreEqual(0.0, state.Beta[4]);
        Assert.IsGreaterThan(5, state.NonZeros());
    }

    [TestMethod]
    public void Solve_LambdaAboveLambdaMax_GivesZero()
    {
        var problem = new LassoTestProblem(calibrationRows: 50, inputs: 10, outputs: 1, seed: 19);
        LassoRowState state = problem.State(0);

        LassoRowResult result = CoordinateDescentLasso.Solve(state, state.LambdaMax() * 1.0001, Tight);

        Assert.AreEqual(0, result.NonZeros);
        Assert.IsTrue(result.Converged);
    }

    [TestMethod]
    [DataRow(-1.0)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void Solve_BadLambda_ThrowsNamingLambda(double lambda)
    {
        var problem = new LassoTestProblem(calibrationRows: 20, inputs: 4, outputs: 1, seed: 1);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => CoordinateDescentLasso.Solve(problem.State(0), lambda, Tight));
        Assert.AreEqual("lambda", e.ParamName);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => SparsityTarget.FixedLambda(lambda));
    }

    [TestMethod]
    [DataRow(0.3)]
    [DataRow(0.03)]
    public void Solve_AdaptivePenalty_SatisfiesWeightedKktConditions(double lambdaFraction)
    {
        var problem = new LassoTestProblem(calibrationRows: 80, inputs: 30, outputs: 1, seed: 23);
        LassoRowState state = problem.State(0);
        state.SetAdaptivePenalty(problem.W.AsSpan(0, problem.Inputs), 1);
        double lambda = lambdaFraction * state.LambdaMax();

        CoordinateDescentLasso.Solve(state, lambda, Tight);

        var q = new double[problem.Inputs];
        problem.Gram.Multiply(state.Beta, q);
        double meanMagnitude = 0;
        for (int j = 0; j < problem.Inputs; j++) meanMagnitude += Math.Abs((double)problem.W[j]) / problem.Inputs;
        int nonZeros = 0;
        for (int j = 0; j < problem.Inputs; j++)
        {
            double penalty = meanMagnitude / Math.Abs((double)problem.W[j]);
            Assert.AreEqual(penalty, state.Penalty(j), 1e-9 * penalty, $"p_{j}");
            double correlation = state.RightHandSide[j] - q[j];
            if (state.Beta[j] == 0)
            {
                Assert.IsLessThanOrEqualTo(lambda * penalty * (1 + 1e-6), Math.Abs(correlation), $"zero coordinate {j}");
            }
            else
            {
                nonZeros++;
                Assert.AreEqual(lambda * penalty * Math.Sign(state.Beta[j]), correlation, 1e-5 * lambda * penalty, $"non-zero coordinate {j}");
            }
        }

        Assert.IsGreaterThan(0, nonZeros);
        Assert.IsLessThan(problem.Inputs, nonZeros);
    }

    [TestMethod]
    public void Solve_AdaptivePenalty_EqualsThePlainLassoOnRescaledInputs()
    {
        // min ½‖y − Xβ‖² + λΣp_j|β_j| is the plain Lasso in u = p∘β on the inputs X·diag(1/p): G' = D G D, c' = D c, D = diag(1/p).
        var problem = new LassoTestProblem(calibrationRows: 70, inputs: 20, outputs: 1, seed: 29);
        LassoRowState adaptive = problem.State(0);
        adaptive.SetAdaptivePenalty(problem.W.AsSpan(0, problem.Inputs), 1.5);
        int n = problem.Inputs;
        var scaled = new double[n * n];
        var column = new double[n];
        for (int j = 0; j < n; j++)
        {
            for (int k = 0; k < n; k++) scaled[(j * n) + k] = problem.Gram.Column(j)[k] / (adaptive.Penalty(j) * adaptive.Penalty(k));
        }

        var c = new double[n];
        for (int j = 0; j < n; j++) c[j] = adaptive.RightHandSide[j] / adaptive.Penalty(j);
        var plain = new LassoRowState(GramMatrix.FromValues(scaled, n), c, adaptive.TargetSquaredNorm);
        Assert.AreEqual(plain.LambdaMax(), adaptive.LambdaMax(), 1e-9 * plain.LambdaMax());
        double lambda = 0.05 * adaptive.LambdaMax();

        LassoRowResult a = CoordinateDescentLasso.Solve(adaptive, lambda, Tight);
        LassoRowResult b = CoordinateDescentLasso.Solve(plain, lambda, Tight);

        Assert.AreEqual(b.Objective, a.Objective, 1e-8 * b.Objective);
        for (int j = 0; j < n; j++) Assert.AreEqual(plain.Beta[j] / adaptive.Penalty(j), adaptive.Beta[j], 1e-6 * (1 + Math.Abs(adaptive.Beta[j])), $"coordinate {j}");
        Assert.IsGreaterThan(0, a.NonZeros);
    }

    [TestMethod]
    public void SetAdaptivePenalty_ZeroWeight_StaysZeroAndGammaZeroIsThePlainLasso()
    {
        var problem = new LassoTestProblem(calibrationRows: 50, inputs: 10, outputs: 1, seed: 37);
        var w = problem.W.AsSpan(0, problem.Inputs).ToArray();
        w[3] = 0;
        var gram = problem.Gram;
        LassoRowState state = LassoRowState.ForWeights(gram, w);
        state.SetAdaptivePenalty(w, 1);

        CoordinateDescentLasso.Solve(state, 1e-6 * state.LambdaMax(), Tight);

        Assert.IsTrue(state.Excluded[3]);
        Assert.AreEqual(0.0, state.Beta[3]);
        Assert.IsGreaterThan(5, state.NonZeros());

        LassoRowState plain = problem.State(0);
        plain.SetAdaptivePenalty(problem.W.AsSpan(0, problem.Inputs), 0);
        Assert.IsNull(plain.PenaltyFactors);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => plain.SetAdaptivePenalty(problem.W.AsSpan(0, problem.Inputs), -1));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new LassoSolverOptions { AdaptivePower = double.PositiveInfinity }.Validate());
    }
}
