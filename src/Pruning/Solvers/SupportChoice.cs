using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Chooses which weights to keep from Lasso solutions, when the count must be exact (trimming a solution that kept
/// too many, or picking the support a least-squares refit keeps).
/// </summary>
/// <remarks>
/// Order: the Lasso weight's contribution to the output, |ŵ_j|·√G_jj, then (for coordinates the Lasso zeroed) the
/// original weight's, |w_j|·√G_jj, then the lower index. Inputs that are all zero on the calibration data are never
/// kept: they cannot change the output, so their weights go to 0.
/// </remarks>
internal static class SupportChoice
{
    /// <summary>The <paramref name="count"/> kept coordinates of one row (fewer when the row has fewer usable inputs), ascending.</summary>
    public static int[] ForRow(GramMatrix gram, ReadOnlySpan<double> lassoRow, ReadOnlySpan<double> weights, int count)
    {
        ArgumentNullException.ThrowIfNull(gram);
        var candidates = new List<int>(gram.Size);
        for (int j = 0; j < gram.Size; j++)
        {
            if (gram.Diagonal(j) - gram.Damping > 0)
            {
                candidates.Add(j);
            }
        }

        double[] primary = new double[gram.Size];
        double[] secondary = new double[gram.Size];
        for (int j = 0; j < gram.Size; j++)
        {
            double norm = Math.Sqrt(gram.Diagonal(j));
            primary[j] = Math.Abs(lassoRow[j]) * norm;
            secondary[j] = Math.Abs(weights[j]) * norm;
        }

        candidates.Sort((a, b) => Compare(primary[a], secondary[a], a, primary[b], secondary[b], b));
        int kept = Math.Min(count, candidates.Count);
        int[] support = candidates.GetRange(0, kept).ToArray();
        Array.Sort(support);
        return support;
    }

    /// <summary>
    /// The <paramref name="count"/> kept weights of a whole layer (rows × n row-major, true = kept), by the same order
    /// across rows.
    /// </summary>
    public static bool[] ForLayer(GramMatrix gram, IReadOnlyList<double[]> lassoRows, float[] weights, long count)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(lassoRows);
        ArgumentNullException.ThrowIfNull(weights);
        int n = gram.Size;
        var candidates = new List<long>();
        for (int i = 0; i < lassoRows.Count; i++)
        {
            for (int j = 0; j < n; j++)
            {
                if (gram.Diagonal(j) - gram.Damping > 0)
                {
                    candidates.Add(((long)i * n) + j);
                }
            }
        }

        double Primary(long index) => Math.Abs(lassoRows[(int)(index / n)][(int)(index % n)]) * Math.Sqrt(gram.Diagonal((int)(index % n)));
        double Secondary(long index) => Math.Abs(weights[index]) * Math.Sqrt(gram.Diagonal((int)(index % n)));
        candidates.Sort((a, b) => Compare(Primary(a), Secondary(a), a, Primary(b), Secondary(b), b));
        var kept = new bool[(long)lassoRows.Count * n];
        long take = Math.Min(count, candidates.Count);
        for (int k = 0; k < take; k++)
        {
            kept[candidates[k]] = true;
        }

        return kept;
    }

    /// <summary>
    /// N:M supports of a layer's rows (rows × n row-major, true = kept): each row viewed as [channels, n/channels] keeps, of
    /// every <paramref name="m"/> consecutive channels at each inner position, the <paramref name="kept"/> of largest
    /// |w_j|·√G_jj (the output the weight carries on the calibration data), ties as <see cref="Algorithms.MaskSelector"/>.
    /// A Gemm/MatMul row has channels = n; a Conv group's row [C/group·kernel] has channels = C/group.
    /// </summary>
    public static bool[] ForPattern(GramMatrix gram, float[] weights, int rows, int channels, int kept, int m)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(weights);
        int n = gram.Size;
        var scores = new float[weights.Length];
        for (long i = 0; i < weights.Length; i++)
        {
            int j = (int)(i % n);
            scores[i] = (float)(Math.Abs(weights[i]) * Math.Sqrt(Math.Max(0, gram.Diagonal(j) - gram.Damping)));
        }
        var mask = Algorithms.MaskSelector.SelectNM(new Algorithms.LayerValues("row supports", scores), [rows, channels, n / channels], 1, kept, m);
        return mask.Keep.ToArray();
    }

    /// <summary>
    /// Where the refit left a weight of the chosen support at exactly zero (its input is zero, or constant and centred away, on
    /// every calibration row, so the data cannot fit it), the original weight is kept: the calibration outputs do not change,
    /// and an N:M support keeps exactly N in every group. Both arrays rows × n row-major.
    /// </summary>
    public static void KeepUnfitted(float[] refit, float[] weights, bool[] support)
    {
        ArgumentNullException.ThrowIfNull(refit);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(support);
        for (int i = 0; i < refit.Length; i++)
        {
            if (support[i] && refit[i] == 0)
            {
                refit[i] = weights[i];
            }
        }
    }

    private static int Compare(double primaryA, double secondaryA, long indexA, double primaryB, double secondaryB, long indexB)
    {
        int order = primaryB.CompareTo(primaryA);
        if (order == 0)
        {
            order = secondaryB.CompareTo(secondaryA);
        }

        return order != 0 ? order : indexA.CompareTo(indexB);
    }
}
