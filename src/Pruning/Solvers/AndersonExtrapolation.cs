using System;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Anderson extrapolation of block-coordinate-descent iterates (Bertrand and Massias 2021, "Anderson acceleration of
/// coordinate descent"): after K passes over a fixed working set, the iterates B_0 … B_K give differences
/// U = [B_1 − B_0, …, B_K − B_{K−1}]; with z solving (UᵀU)z = 1 and c = z/Σz, the point Σ c_i·B_i is tried and kept when
/// its objective is lower. Q = G·B is linear in B, so the candidate's Q is the same combination of the stored Q_i and the
/// test costs O(K·n·m), no product with G.
/// </summary>
/// <remarks>
/// Coordinate descent on correlated inputs (neural activations share a large common component) creeps along the
/// dominant direction of G; the extrapolation jumps along it. A rejected candidate costs one objective evaluation;
/// the iterates and the duality-gap stop are unchanged, so the method stays a descent method with the same guarantees.
/// </remarks>
internal sealed class AndersonExtrapolation
{
    private readonly int _depth;
    private readonly double[][] _betas;
    private readonly double[][] _qs;
    private int _stored;

    /// <summary>Extrapolation of a group-Lasso state's iterates.</summary>
    /// <param name="state">The problem whose iterates are extrapolated (sizes only).</param>
    /// <param name="depth">K, the passes between extrapolations.</param>
    public AndersonExtrapolation(GroupLassoState state, int depth = 5)
        : this(state?.Beta.Length ?? throw new ArgumentNullException(nameof(state)), state.Q.Length, depth)
    {
    }

    /// <summary>Extrapolation of iterates β (of <paramref name="betaLength"/> values) and their q = G·β (<paramref name="qLength"/>).</summary>
    /// <param name="betaLength">Values of β.</param>
    /// <param name="qLength">Values of q = G·β.</param>
    /// <param name="depth">K, the passes between extrapolations.</param>
    public AndersonExtrapolation(int betaLength, int qLength, int depth = 5)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(depth, 2);
        _depth = depth;
        _betas = new double[depth + 1][];
        _qs = new double[depth + 1][];
        for (int i = 0; i <= depth; i++)
        {
            _betas[i] = new double[betaLength];
            _qs[i] = new double[qLength];
        }
    }

    /// <summary>Extrapolations tried and kept so far.</summary>
    public int Accepted { get; private set; }

    /// <summary>Forgets the stored iterates (the working set changed).</summary>
    public void Reset() => _stored = 0;

    /// <summary>
    /// Stores the state's current iterate; after K + 1 iterates, tries the extrapolated point and moves the state to it
    /// when its objective at <paramref name="lambda"/> is lower. Returns whether it moved.
    /// </summary>
    public bool Record(GroupLassoState state, double lambda) =>
        Record(state.Beta, state.Q, (beta, q) => Objective(state, beta, q, lambda));

    /// <summary>
    /// Stores the iterate (<paramref name="beta"/>, <paramref name="q"/>); every K + 1 iterates, tries the extrapolated point
    /// and, when <paramref name="objective"/> is lower there, writes it into <paramref name="beta"/> and <paramref name="q"/>.
    /// </summary>
    /// <returns>Whether the iterate was replaced.</returns>
    public bool Record(double[] beta, double[] q, Func<double[], double[], double> objective)
    {
        ArgumentNullException.ThrowIfNull(beta);
        ArgumentNullException.ThrowIfNull(q);
        ArgumentNullException.ThrowIfNull(objective);
        beta.CopyTo(_betas[_stored], 0);
        q.CopyTo(_qs[_stored], 0);
        _stored++;
        if (_stored <= _depth)
        {
            return false;
        }

        _stored = 0;
        double[]? weights = Coefficients();
        if (weights is null)
        {
            return false;
        }

        var candidateBeta = new double[beta.Length];
        var candidateQ = new double[q.Length];
        for (int i = 0; i < _depth; i++)
        {
            TensorPrimitives.MultiplyAdd(_betas[i + 1], weights[i], candidateBeta, candidateBeta);
            TensorPrimitives.MultiplyAdd(_qs[i + 1], weights[i], candidateQ, candidateQ);
        }

        if (!(objective(candidateBeta, candidateQ) < objective(beta, q)))
        {
            return false;
        }

        candidateBeta.CopyTo(beta, 0);
        candidateQ.CopyTo(q, 0);
        Accepted++;
        return true;
    }

    private double[]? Coefficients()
    {
        int k = _depth;
        var differences = new double[k][];
        for (int i = 0; i < k; i++)
        {
            differences[i] = new double[_betas[0].Length];
            TensorPrimitives.Subtract(_betas[i + 1], _betas[i], differences[i]);
        }

        var matrix = new double[k, k + 1];
        double trace = 0;
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                double dot = TensorPrimitives.Dot<double>(differences[i], differences[j]);
                matrix[i, j] = dot;
                matrix[j, i] = dot;
            }

            trace += matrix[i, i];
        }

        if (!(trace > 0) || !double.IsFinite(trace))
        {
            return null;
        }

        for (int i = 0; i < k; i++)
        {
            matrix[i, i] += 1e-10 * trace;
            matrix[i, k] = 1;
        }

        // Gaussian elimination with partial pivoting on the small K × K system.
        for (int column = 0; column < k; column++)
        {
            int pivot = column;
            for (int row = column + 1; row < k; row++)
            {
                if (Math.Abs(matrix[row, column]) > Math.Abs(matrix[pivot, column]))
                {
                    pivot = row;
                }
            }

            if (matrix[pivot, column] == 0)
            {
                return null;
            }

            for (int j = 0; j <= k; j++)
            {
                (matrix[column, j], matrix[pivot, j]) = (matrix[pivot, j], matrix[column, j]);
            }

            for (int row = column + 1; row < k; row++)
            {
                double factor = matrix[row, column] / matrix[column, column];
                for (int j = column; j <= k; j++)
                {
                    matrix[row, j] -= factor * matrix[column, j];
                }
            }
        }

        var z = new double[k];
        for (int row = k - 1; row >= 0; row--)
        {
            double sum = matrix[row, k];
            for (int j = row + 1; j < k; j++)
            {
                sum -= matrix[row, j] * z[j];
            }

            z[row] = sum / matrix[row, row];
        }

        double total = 0;
        foreach (double v in z)
        {
            total += v;
        }

        if (total == 0 || !double.IsFinite(total))
        {
            return null;
        }

        for (int i = 0; i < k; i++)
        {
            z[i] /= total;
        }

        return z;
    }

    /// <summary>½‖Y − XB‖² + λ Σ_g ω_g‖B_g‖ of an iterate and its Q.</summary>
    private static double Objective(GroupLassoState state, double[] beta, double[] q, double lambda)
    {
        double residual = state.TargetSquaredNorm - (2 * TensorPrimitives.Dot<double>(state.RightHandSide, beta)) + TensorPrimitives.Dot<double>(beta, q);
        double penalty = 0;
        int m = state.Outputs;
        for (int g = 0; g < state.Groups.Count; g++)
        {
            double sum = 0;
            foreach (int j in state.Groups.Members(g))
            {
                sum += TensorPrimitives.SumOfSquares<double>(beta.AsSpan(j * m, m));
            }

            penalty += state.PenaltyWeights[g] * Math.Sqrt(sum);
        }

        return (0.5 * Math.Max(residual, 0)) + (lambda * penalty);
    }
}
