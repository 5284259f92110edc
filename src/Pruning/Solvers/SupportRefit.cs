using System;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Least-squares refit of one row on a chosen support S: solves G_SS·ŵ_S = c_S (ŵ = 0 off S), which minimises
/// ½(ŵ − w)ᵀG(ŵ − w) over vectors supported on S, by Cholesky factorisation.
/// </summary>
/// <remarks>
/// When G_SS is singular or too ill-conditioned to factor (a pivot below 1e-12 of its largest diagonal), damping
/// δ·I is added, starting at 1e-10 of G_SS's mean diagonal and growing tenfold until the factorisation succeeds, and
/// the right-hand side becomes c_S + δ·w_S: the minimiser of ½(ŵ − w)ᵀ(G + δI)(ŵ − w) on S, a pull towards the
/// original weights rather than towards zero. The damping used is returned so the report can say so.
/// </remarks>
internal static class SupportRefit
{
    private const double PivotFloor = 1e-12;
    private const double FirstDamping = 1e-10;

    /// <summary>
    /// Fills <paramref name="result"/> (length n) with the refit: values on <paramref name="support"/>, zeros elsewhere.
    /// </summary>
    /// <param name="gram">G (n × n).</param>
    /// <param name="rightHandSide">c = G·w.</param>
    /// <param name="weights">w, the anchor damping pulls towards; empty for a pull towards zero.</param>
    /// <param name="support">The kept coordinates, in any order, without repeats.</param>
    /// <param name="result">The refit row.</param>
    /// <returns>The damping δ added to G_SS (0 when none was needed).</returns>
    public static double Refit(GramMatrix gram, ReadOnlySpan<double> rightHandSide, ReadOnlySpan<double> weights, ReadOnlySpan<int> support, Span<double> result)
    {
        ArgumentNullException.ThrowIfNull(gram);
        int n = gram.Size;
        if (rightHandSide.Length != n || result.Length != n || (!weights.IsEmpty && weights.Length != n))
        {
            throw new ArgumentOutOfRangeException(nameof(rightHandSide), $"G is {n} × {n}; c has {rightHandSide.Length} values, w {weights.Length}, the result {result.Length}.");
        }

        result.Clear();
        int k = support.Length;
        if (k == 0)
        {
            return 0;
        }

        if (FactorSupport(gram, support) is not { } factored)
        {
            // Every kept input is all-zero on the calibration data: nothing to fit, the weights go to zero.
            return 0;
        }

        var (factor, damping) = factored;

        var solution = new double[k];
        for (int a = 0; a < k; a++)
        {
            int j = support[a];
            solution[a] = rightHandSide[j] + (weights.IsEmpty ? 0 : damping * weights[j]);
        }

        SolveWithFactor(factor, k, solution);
        for (int a = 0; a < k; a++)
        {
            result[support[a]] = solution[a];
        }

        return damping;
    }

    /// <summary>
    /// Refits every output row on one shared support S (structured pruning: the kept inputs of a layer): G_SS is
    /// factored once and each row solves G_SS·ŵ_S = c_S, damped towards that row's w as <see cref="Refit"/> is.
    /// </summary>
    /// <param name="gram">G (n × n).</param>
    /// <param name="rightHandSides">C = G·Wᵀ, n × rows row-major (column k is row k's c).</param>
    /// <param name="rows">Output rows m.</param>
    /// <param name="weights">W, rows × n row-major: the anchor damping pulls towards.</param>
    /// <param name="support">The kept inputs, in any order, without repeats.</param>
    /// <param name="result">Ŵ, rows × n row-major: values on the support, zeros elsewhere.</param>
    /// <returns>The damping δ added to G_SS (0 when none was needed).</returns>
    public static double RefitSharedSupport(GramMatrix gram, ReadOnlySpan<double> rightHandSides, int rows, ReadOnlySpan<float> weights, ReadOnlySpan<int> support,
        Span<double> result)
    {
        ArgumentNullException.ThrowIfNull(gram);
        int n = gram.Size;
        long values = (long)n * rows;
        if (rightHandSides.Length != values || weights.Length != values || result.Length != values)
        {
            throw new ArgumentOutOfRangeException(nameof(rightHandSides), $"G is {n} × {n} and there are {rows} rows; C has {rightHandSides.Length} values, W {weights.Length}, the result {result.Length}.");
        }

        result.Clear();
        int k = support.Length;
        if (k == 0)
        {
            return 0;
        }

        if (FactorSupport(gram, support) is not { } factored)
        {
            // Every kept input is all-zero on the calibration data: nothing to fit, the weights go to zero.
            return 0;
        }

        var (factor, damping) = factored;

        var solutions = new double[(long)rows * k];
        for (int row = 0; row < rows; row++)
        {
            for (int a = 0; a < k; a++)
            {
                int j = support[a];
                solutions[((long)row * k) + a] = rightHandSides[(j * rows) + row] + (damping * weights[(row * n) + j]);
            }
        }

        System.Threading.Tasks.Parallel.For(0, rows, row => SolveWithFactor(factor, k, solutions.AsSpan(row * k, k)));
        for (int row = 0; row < rows; row++)
        {
            for (int a = 0; a < k; a++)
            {
                result[(row * n) + support[a]] = solutions[((long)row * k) + a];
            }
        }

        return damping;
    }

    /// <summary>
    /// The Cholesky factor of G_SS (+ δI, δ raised from 0 until it factors), and δ; null when every kept input's diagonal is
    /// zero (nothing to fit). Shared by the per-row and the shared-support refits.
    /// </summary>
    private static (double[] Factor, double Damping)? FactorSupport(GramMatrix gram, ReadOnlySpan<int> support)
    {
        int k = support.Length;
        var matrix = new double[k * k];
        double meanDiagonal = 0;
        double largestDiagonal = 0;
        for (int a = 0; a < k; a++)
        {
            ReadOnlySpan<double> column = gram.Column(support[a]);
            for (int b = 0; b < k; b++)
            {
                matrix[(a * k) + b] = column[support[b]];
            }

            meanDiagonal += matrix[(a * k) + a] / k;
            largestDiagonal = Math.Max(largestDiagonal, matrix[(a * k) + a]);
        }

        if (largestDiagonal == 0)
        {
            return null;
        }

        var factor = new double[k * k];
        double damping = 0;
        while (!TryCholesky(matrix, k, damping, largestDiagonal + damping, factor))
        {
            damping = damping == 0 ? FirstDamping * meanDiagonal : damping * 10;
        }

        return (factor, damping);
    }

    /// <summary>Lower-triangular L with LLᵀ = A + δI (row-major); false when a pivot falls below the floor.</summary>
    private static bool TryCholesky(double[] matrix, int k, double damping, double scale, double[] factor)
    {
        Array.Clear(factor);
        double floor = PivotFloor * scale;
        for (int i = 0; i < k; i++)
        {
            ReadOnlySpan<double> rowI = factor.AsSpan(i * k, i);
            for (int j = 0; j < i; j++)
            {
                double dot = TensorPrimitives.Dot(rowI[..j], factor.AsSpan(j * k, j));
                factor[(i * k) + j] = (matrix[(i * k) + j] - dot) / factor[(j * k) + j];
            }

            double pivot = matrix[(i * k) + i] + damping - TensorPrimitives.Dot(rowI, rowI);
            if (!(pivot > floor))
            {
                return false;
            }

            factor[(i * k) + i] = Math.Sqrt(pivot);
        }

        return true;
    }

    /// <summary>Solves LLᵀx = b in place.</summary>
    private static void SolveWithFactor(double[] factor, int k, Span<double> x)
    {
        for (int i = 0; i < k; i++)
        {
            double dot = TensorPrimitives.Dot(factor.AsSpan(i * k, i), x[..i]);
            x[i] = (x[i] - dot) / factor[(i * k) + i];
        }

        for (int i = k - 1; i >= 0; i--)
        {
            double sum = x[i];
            for (int j = i + 1; j < k; j++)
            {
                sum -= factor[(j * k) + i] * x[j];
            }

            x[i] = sum / factor[(i * k) + i];
        }
    }
}
