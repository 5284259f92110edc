using System;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Solvers;

/// <summary>
/// Sequential reconstruction: a layer fits the dense model's output X_d·w from the pruned model's input X, through
/// C = XᵀX_d and D = X_dᵀX_d; checked in X space against the explicit rows.
/// </summary>
[TestClass]
public sealed class CrossGramSolveTests
{
    private const int Rows = 90;
    private const int Inputs = 12;
    private const int Outputs = 3;

    [TestMethod]
    public void Solve_CrossTermsOnFullSupport_MeetTheNormalEquationsOfTheDenseTarget()
    {
        var (problem, dense, cross) = Build(seed: 5);
        var support = new bool[problem.W.Length];
        Array.Fill(support, true);

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, Outputs, SparsityTarget.RefitOnSupport(support), new LassoSolverOptions(), cross);

        // Xᵀ(X_d·w − X·ŵ) = 0 for every row and input.
        for (int i = 0; i < Outputs; i++)
        {
            double[] residual = Residual(problem, dense, solution.Weights, i);
            for (int j = 0; j < Inputs; j++)
            {
                double gradient = 0;
                for (int r = 0; r < Rows; r++)
                {
                    gradient += problem.X[(r * Inputs) + j] * residual[r];
                }

                Assert.AreEqual(0.0, gradient, 1e-3, $"row {i}, input {j}");
            }
        }
    }

    [TestMethod]
    public void Solve_CrossTermsWithLambda_MeetTheLassoConditionsAndReportTheErrorAgainstTheDenseOutput()
    {
        var (problem, dense, cross) = Build(seed: 7);
        const double lambda = 20.0;

        LayerLassoSolution solution = LayerLassoSolver.Solve(problem.Gram, problem.W, Outputs, SparsityTarget.FixedLambda(lambda), new LassoSolverOptions { Tolerance = 1e-12 }, cross);

        double residualSum = 0;
        double outputSum = 0;
        int zeros = 0;
        for (int i = 0; i < Outputs; i++)
        {
            double[] residual = Residual(problem, dense, solution.Weights, i);
            for (int j = 0; j < Inputs; j++)
            {
                double correlation = 0;
                for (int r = 0; r < Rows; r++)
                {
                    correlation += problem.X[(r * Inputs) + j] * residual[r];
                }

                float beta = solution.Weights[(i * Inputs) + j];
                if (beta == 0)
                {
                    zeros++;
                    Assert.IsLessThanOrEqualTo(lambda * (1 + 1e-4), Math.Abs(correlation), $"row {i}, input {j} (zero)");
                }
                else
                {
                    Assert.AreEqual(lambda * Math.Sign(beta), correlation, 1e-3 * lambda, $"row {i}, input {j}");
                }
            }

            for (int r = 0; r < Rows; r++)
            {
                double target = 0;
                for (int j = 0; j < Inputs; j++)
                {
                    target += dense[(r * Inputs) + j] * problem.W[(i * Inputs) + j];
                }

                residualSum += residual[r] * residual[r];
                outputSum += target * target;
            }
        }

        Assert.IsGreaterThan(0, zeros, "λ should zero some weights");
        Assert.AreEqual(Math.Sqrt(residualSum / outputSum), solution.RelativeReconstructionError, 1e-6);
    }

    [TestMethod]
    public void Solve_CrossTermsOfIdenticalInputs_EqualThePlainSolve()
    {
        var problem = new LassoTestProblem(Rows, Inputs, Outputs, seed: 9);
        var cross = CrossOf(problem.X, problem.X);

        LayerLassoSolution plain = LayerLassoSolver.Solve(problem.Gram, problem.W, Outputs, SparsityTarget.PerLayer(15, refit: true), new LassoSolverOptions());
        LayerLassoSolution withCross = LayerLassoSolver.Solve(problem.Gram, problem.W, Outputs, SparsityTarget.PerLayer(15, refit: true), new LassoSolverOptions(), cross);

        for (int i = 0; i < plain.Weights.Length; i++)
        {
            Assert.AreEqual(plain.Weights[i], withCross.Weights[i], 1e-4 * (1 + Math.Abs(plain.Weights[i])), $"weight {i}");
        }

        Assert.AreEqual(plain.RelativeReconstructionError, withCross.RelativeReconstructionError, 1e-6);
    }

    [TestMethod]
    public void CrossGram_SizesThatDoNotMatch_Throw()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new CrossGram(new double[9], new double[4], 3));
        var problem = new LassoTestProblem(Rows, Inputs, Outputs, seed: 9);
        var small = new CrossGram(new double[4], new double[4], 2);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => LayerLassoSolver.Solve(problem.Gram, problem.W, Outputs, SparsityTarget.FixedLambda(1), new LassoSolverOptions(), small));
    }

    /// <summary>X from a test problem, X_d = X plus independent noise (what earlier pruned layers changed).</summary>
    private static (LassoTestProblem Problem, float[] Dense, CrossGram Cross) Build(int seed)
    {
        var problem = new LassoTestProblem(Rows, Inputs, Outputs, seed);
        var random = new Random(seed + 100);
        var dense = new float[problem.X.Length];
        for (int i = 0; i < dense.Length; i++)
        {
            dense[i] = problem.X[i] + (float)(0.4 * ((random.NextDouble() * 2) - 1));
        }

        return (problem, dense, CrossOf(problem.X, dense));
    }

    private static CrossGram CrossOf(float[] x, float[] dense)
    {
        var c = new double[Inputs * Inputs];
        var d = new double[Inputs * Inputs];
        for (int r = 0; r < Rows; r++)
        {
            for (int i = 0; i < Inputs; i++)
            {
                for (int j = 0; j < Inputs; j++)
                {
                    c[(i * Inputs) + j] += (double)x[(r * Inputs) + i] * dense[(r * Inputs) + j];
                    d[(i * Inputs) + j] += (double)dense[(r * Inputs) + i] * dense[(r * Inputs) + j];
                }
            }
        }

        return new CrossGram(c, d, Inputs);
    }

    /// <summary>X_d·w − X·ŵ of output row <paramref name="row"/> on every calibration row.</summary>
    private static double[] Residual(LassoTestProblem problem, float[] dense, float[] pruned, int row)
    {
        var residual = new double[Rows];
        for (int r = 0; r < Rows; r++)
        {
            double sum = 0;
            for (int j = 0; j < Inputs; j++)
            {
                sum += (dense[(r * Inputs) + j] * (double)problem.W[(row * Inputs) + j]) - (problem.X[(r * Inputs) + j] * (double)pruned[(row * Inputs) + j]);
            }

            residual[r] = sum;
        }

        return residual;
    }
}
