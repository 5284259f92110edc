using System;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Tests.Solvers;

/// <summary>
/// A small seeded layer-reconstruction problem: calibration rows X (correlated columns), weights W, G = XᵀX, and an
/// independent X-space reference (naive coordinate descent on the explicit residual, normal equations by Gaussian
/// elimination) the Gram-form solver is checked against.
/// </summary>
internal sealed class LassoTestProblem
{
    public LassoTestProblem(int calibrationRows, int inputs, int outputs, int seed, int zeroColumn = -1)
    {
        CalibrationRows = calibrationRows;
        Inputs = inputs;
        Outputs = outputs;
        var random = new Random(seed);
        X = new float[calibrationRows * inputs];
        for (int r = 0; r < calibrationRows; r++)
        {
            double shared = Gaussian(random);
            for (int j = 0; j < inputs; j++)
            {
                // Neighbouring columns share a factor, so G is far from diagonal.
                X[(r * inputs) + j] = j == zeroColumn ? 0 : (float)(Gaussian(random) + (0.5 * shared) + (j % 3 == 0 ? 0.3 * Gaussian(random) : 0));
            }
        }

        W = new float[outputs * inputs];
        for (int i = 0; i < W.Length; i++)
        {
            W[i] = (float)Gaussian(random);
        }

        Gram = GramMatrix.FromCalibrationRows(X, calibrationRows, inputs);
    }

    public int CalibrationRows { get; }

    public int Inputs { get; }

    public int Outputs { get; }

    public float[] X { get; }

    public float[] W { get; }

    public GramMatrix Gram { get; }

    public double[] Row(int i)
    {
        var w = new double[Inputs];
        for (int j = 0; j < Inputs; j++)
        {
            w[j] = W[(i * Inputs) + j];
        }

        return w;
    }

    public LassoRowState State(int row) => LassoRowState.ForWeights(Gram, W.AsSpan(row * Inputs, Inputs));

    /// <summary>½‖X(w − β)‖² + λ‖β‖₁ computed in X space, in doubles.</summary>
    public double Objective(int row, ReadOnlySpan<double> beta, double lambda)
    {
        double[] w = Row(row);
        double sum = 0;
        for (int r = 0; r < CalibrationRows; r++)
        {
            double residual = 0;
            for (int j = 0; j < Inputs; j++)
            {
                residual += X[(r * Inputs) + j] * (w[j] - beta[j]);
            }

            sum += residual * residual;
        }

        double l1 = 0;
        foreach (double b in beta)
        {
            l1 += Math.Abs(b);
        }

        return (0.5 * sum) + (lambda * l1);
    }

    /// <summary>Naive cyclic coordinate descent on the explicit residual y − Xβ (no Gram matrix), many passes.</summary>
    public double[] NaiveLasso(int row, double lambda, int passes)
    {
        double[] w = Row(row);
        var residual = new double[CalibrationRows];
        for (int r = 0; r < CalibrationRows; r++)
        {
            for (int j = 0; j < Inputs; j++)
            {
                residual[r] += X[(r * Inputs) + j] * w[j];
            }
        }

        var beta = new double[Inputs];
        for (int pass = 0; pass < passes; pass++)
        {
            for (int j = 0; j < Inputs; j++)
            {
                double norm = 0;
                double correlation = 0;
                for (int r = 0; r < CalibrationRows; r++)
                {
                    double x = X[(r * Inputs) + j];
                    norm += x * x;
                    correlation += x * (residual[r] + (x * beta[j]));
                }

                double updated = norm == 0 ? 0 : Math.Sign(correlation) * Math.Max(Math.Abs(correlation) - lambda, 0) / norm;
                for (int r = 0; r < CalibrationRows; r++)
                {
                    residual[r] -= X[(r * Inputs) + j] * (updated - beta[j]);
                }

                beta[j] = updated;
            }
        }

        return beta;
    }

    /// <summary>Least squares of Xw on the columns of X in <paramref name="support"/>, by the normal equations
    /// formed from X and Gaussian elimination with partial pivoting.</summary>
    public double[] LeastSquaresOnSupport(int row, int[] support)
    {
        double[] w = Row(row);
        int k = support.Length;
        var a = new double[k, k + 1];
        for (int r = 0; r < CalibrationRows; r++)
        {
            double y = 0;
            for (int j = 0; j < Inputs; j++)
            {
                y += X[(r * Inputs) + j] * w[j];
            }

            for (int p = 0; p < k; p++)
            {
                double xp = X[(r * Inputs) + support[p]];
                for (int s = 0; s < k; s++)
                {
                    a[p, s] += xp * X[(r * Inputs) + support[s]];
                }

                a[p, k] += xp * y;
            }
        }

        for (int p = 0; p < k; p++)
        {
            int pivot = p;
            for (int s = p + 1; s < k; s++)
            {
                if (Math.Abs(a[s, p]) > Math.Abs(a[pivot, p]))
                {
                    pivot = s;
                }
            }

            for (int col = 0; col <= k; col++)
            {
                (a[p, col], a[pivot, col]) = (a[pivot, col], a[p, col]);
            }

            for (int s = p + 1; s < k; s++)
            {
                double factor = a[s, p] / a[p, p];
                for (int col = p; col <= k; col++)
                {
                    a[s, col] -= factor * a[p, col];
                }
            }
        }

        var solution = new double[Inputs];
        var values = new double[k];
        for (int p = k - 1; p >= 0; p--)
        {
            double sum = a[p, k];
            for (int s = p + 1; s < k; s++)
            {
                sum -= a[p, s] * values[s];
            }

            values[p] = sum / a[p, p];
            solution[support[p]] = values[p];
        }

        return solution;
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
