using System;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Eigenvalues of small dense symmetric matrices by the cyclic Jacobi method: the block step sizes of the group Lasso
/// (L_g = largest eigenvalue of G_gg, a kernel-sized block).
/// </summary>
internal static class SymmetricEigenvalues
{
    private const int MaxSweeps = 100;

    /// <summary>
    /// The largest eigenvalue of the symmetric <paramref name="size"/> × <paramref name="size"/> matrix (row-major),
    /// rounded up by a relative 1e-12 so that it bounds the true value (a step 1/L then never overshoots).
    /// </summary>
    public static double Largest(ReadOnlySpan<double> matrix, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        if (matrix.Length != size * size)
        {
            throw new ArgumentOutOfRangeException(nameof(matrix), $"The matrix has {matrix.Length} values; {size} × {size} needs {size * size}.");
        }

        if (size == 1)
        {
            return matrix[0];
        }

        double[] a = matrix.ToArray();
        double scale = 0;
        foreach (double v in a)
        {
            scale = Math.Max(scale, Math.Abs(v));
        }

        if (scale == 0)
        {
            return 0;
        }

        for (int sweep = 0; sweep < MaxSweeps; sweep++)
        {
            double off = 0;
            for (int p = 0; p < size; p++)
            {
                for (int q = p + 1; q < size; q++)
                {
                    off += a[(p * size) + q] * a[(p * size) + q];
                }
            }

            if (Math.Sqrt(off) <= 1e-15 * scale)
            {
                break;
            }

            for (int p = 0; p < size; p++)
            {
                for (int q = p + 1; q < size; q++)
                {
                    Rotate(a, size, p, q);
                }
            }
        }

        double largest = double.NegativeInfinity;
        double offNorm = 0;
        for (int p = 0; p < size; p++)
        {
            largest = Math.Max(largest, a[(p * size) + p]);
            for (int q = 0; q < size; q++)
            {
                if (q != p)
                {
                    offNorm += a[(p * size) + q] * a[(p * size) + q];
                }
            }
        }

        // Gershgorin-style pad: what is left off the diagonal bounds how far the diagonal is from the eigenvalues.
        return largest + Math.Sqrt(offNorm) + (1e-12 * scale);
    }

    /// <summary>One Jacobi rotation zeroing a[p, q] (and a[q, p]).</summary>
    private static void Rotate(double[] a, int n, int p, int q)
    {
        double apq = a[(p * n) + q];
        if (apq == 0)
        {
            return;
        }

        double app = a[(p * n) + p];
        double aqq = a[(q * n) + q];
        double theta = (aqq - app) / (2 * apq);
        double t = Math.Sign(theta == 0 ? 1 : theta) / (Math.Abs(theta) + Math.Sqrt((theta * theta) + 1));
        double c = 1 / Math.Sqrt((t * t) + 1);
        double s = t * c;
        for (int k = 0; k < n; k++)
        {
            double akp = a[(k * n) + p];
            double akq = a[(k * n) + q];
            a[(k * n) + p] = (c * akp) - (s * akq);
            a[(k * n) + q] = (s * akp) + (c * akq);
        }

        for (int k = 0; k < n; k++)
        {
            double apk = a[(p * n) + k];
            double aqk = a[(q * n) + k];
            a[(p * n) + k] = (c * apk) - (s * aqk);
            a[(q * n) + k] = (s * apk) + (c * aqk);
        }
    }
}
