using System;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// What a layer's Lasso solve aims at: a fixed λ, a non-zero count per row or for the whole layer (λ found by
/// bisection on the path), or a given support; and whether the kept weights are refit by least squares
/// (hard-sparsity mode).
/// </summary>
internal sealed class SparsityTarget
{
    private SparsityTarget(double? lambda, int[]? rowCounts, long? layerCount, bool[]? support, bool refit)
    {
        Lambda = lambda;
        NonZerosPerRow = rowCounts;
        NonZerosInLayer = layerCount;
        Support = support;
        Refit = refit;
    }

    /// <summary>One λ for every row, when set.</summary>
    public double? Lambda { get; }

    /// <summary>The non-zero count each row must reach (its own λ per row), when set.</summary>
    public int[]? NonZerosPerRow { get; }

    /// <summary>The non-zero count of the whole layer (one λ for all rows), when set.</summary>
    public long? NonZerosInLayer { get; }

    /// <summary>A given support (rows × n, true = kept), refit without a Lasso, when set.</summary>
    public bool[]? Support { get; }

    /// <summary>Hard sparsity: after the Lasso chooses the support, the kept weights are refit by least squares.</summary>
    public bool Refit { get; }

    /// <summary>Solve at this λ for every row.</summary>
    /// <exception cref="ArgumentOutOfRangeException">λ negative, NaN or infinite.</exception>
    public static SparsityTarget FixedLambda(double lambda, bool refit = false)
    {
        if (!(lambda >= 0) || double.IsInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be a finite value ≥ 0.");
        }

        return new SparsityTarget(lambda, null, null, null, refit);
    }

    /// <summary>Every row keeps <paramref name="count"/> weights (each row its own λ).</summary>
    public static SparsityTarget PerRow(int count, int rows, bool refit = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        var counts = new int[rows];
        Array.Fill(counts, count);
        return new SparsityTarget(null, counts, null, null, refit);
    }

    /// <summary>Row i keeps <paramref name="counts"/>[i] weights (each row its own λ).</summary>
    public static SparsityTarget PerRow(int[] counts, bool refit = false)
    {
        ArgumentNullException.ThrowIfNull(counts);
        foreach (int count in counts)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(count, nameof(counts));
        }

        return new SparsityTarget(null, (int[])counts.Clone(), null, null, refit);
    }

    /// <summary>The layer keeps <paramref name="count"/> weights in total (one λ for all rows).</summary>
    public static SparsityTarget PerLayer(long count, bool refit = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new SparsityTarget(null, null, count, null, refit);
    }

    /// <summary>Least-squares refit of each row on the given support (rows × n row-major, true = kept).</summary>
    public static SparsityTarget RefitOnSupport(bool[] support)
    {
        ArgumentNullException.ThrowIfNull(support);
        return new SparsityTarget(null, null, null, (bool[])support.Clone(), true);
    }
}
