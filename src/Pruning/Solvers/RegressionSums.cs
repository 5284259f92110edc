using System;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Sufficient statistics of a set of regression rows (features x, label y), taken about a fixed shift (the means
/// of all rows, so the sums stay small and centering loses nothing): with z = x − shift and t = y − shift_y,
/// Σ zzᵀ, Σ z, Σ z·t, Σ t, Σ t² and the row count. Everything a linear model's training problem and its validation
/// error on these rows need, in O(p²) memory whatever the number of rows.
/// </summary>
/// <remarks>
/// Sums of disjoint row sets add (<see cref="Add(RegressionSums)"/>), so k-fold cross-validation keeps one per fold
/// and forms each training set from the others. Only the upper triangle of Σ zzᵀ is accumulated row by row (half
/// the work); <see cref="CompleteSymmetry"/> mirrors it once all rows are in.
/// </remarks>
internal sealed class RegressionSums
{
    public RegressionSums(int features)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        Features = features;
        Cross = new double[(long)features * features];
        FeatureSums = new double[features];
        FeatureLabelSums = new double[features];
    }

    /// <summary>p, the number of features.</summary>
    public int Features { get; }

    /// <summary>Rows added.</summary>
    public long Rows { get; private set; }

    /// <summary>Σ zzᵀ, p × p row-major (upper triangle only until <see cref="CompleteSymmetry"/>).</summary>
    public double[] Cross { get; }

    /// <summary>Σ z.</summary>
    public double[] FeatureSums { get; }

    /// <summary>Σ z·t.</summary>
    public double[] FeatureLabelSums { get; }

    /// <summary>Σ t.</summary>
    public double LabelSum { get; private set; }

    /// <summary>Σ t².</summary>
    public double LabelSquares { get; private set; }

    /// <summary>Adds one shifted row z (p values) with shifted label t.</summary>
    public void Add(ReadOnlySpan<double> z, double t)
    {
        int p = Features;
        for (int j = 0; j < p; j++)
        {
            double zj = z[j];
            if (zj == 0)
            {
                continue;
            }

            // Row j of the upper triangle: Cross[j, j..] += z_j · z[j..].
            Span<double> row = Cross.AsSpan((j * p) + j, p - j);
            TensorPrimitives.MultiplyAdd(z[j..], zj, row, row);
            FeatureSums[j] += zj;
            FeatureLabelSums[j] += zj * t;
        }

        LabelSum += t;
        LabelSquares += t * t;
        Rows++;
    }

    /// <summary>Adds the sums of another, disjoint, set of rows taken about the same shift.</summary>
    public void Add(RegressionSums other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.Features != Features)
        {
            throw new ArgumentOutOfRangeException(nameof(other), $"Sums over {other.Features} features cannot be added to sums over {Features}.");
        }

        TensorPrimitives.Add(Cross, other.Cross, Cross);
        TensorPrimitives.Add(FeatureSums, other.FeatureSums, FeatureSums);
        TensorPrimitives.Add(FeatureLabelSums, other.FeatureLabelSums, FeatureLabelSums);
        LabelSum += other.LabelSum;
        LabelSquares += other.LabelSquares;
        Rows += other.Rows;
    }

    /// <summary>Copies the upper triangle of Σ zzᵀ to the lower one.</summary>
    public void CompleteSymmetry()
    {
        int p = Features;
        for (int i = 0; i < p; i++)
        {
            for (int j = i + 1; j < p; j++)
            {
                Cross[(j * p) + i] = Cross[(i * p) + j];
            }
        }
    }

    /// <summary>
    /// Σ (y − a − xᵀβ)² over these rows, for the model ŷ = a + xᵀβ written in shifted coordinates as
    /// ŷ − shift_y = <paramref name="offset"/> + zᵀβ: n·o² + βᵀ(Σzzᵀ)β + Σt² + 2o·(Σz)ᵀβ − 2o·Σt − 2βᵀ(Σzt).
    /// Needs <see cref="CompleteSymmetry"/> first. Clamped at 0 against rounding.
    /// </summary>
    public double SquaredError(ReadOnlySpan<double> beta, double offset)
    {
        double quadratic = 0;
        int p = Features;
        for (int j = 0; j < p; j++)
        {
            if (beta[j] != 0)
            {
                quadratic += beta[j] * TensorPrimitives.Dot(Cross.AsSpan(j * p, p), beta);
            }
        }

        double sum = (Rows * offset * offset) + quadratic + LabelSquares
            + (2 * offset * TensorPrimitives.Dot(FeatureSums, beta))
            - (2 * offset * LabelSum)
            - (2 * TensorPrimitives.Dot(FeatureLabelSums, beta));
        return Math.Max(sum, 0);
    }
}
