using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// What a layer needs to fit the dense model's output from the pruned model's input: with X the layer's input in the
/// model being pruned (earlier layers already replaced) and X_d its input in the dense model on the same calibration
/// rows, C = XᵀX_d and D = X_dᵀX_d. A row w then gets min_ŵ ½‖X_d·w − X·ŵ‖² + λ‖ŵ‖₁, whose Gram form has G = XᵀX,
/// c = C·w and ‖y‖² = wᵀDw: so the layer also corrects what the earlier layers lost, as the ridge-refit peer and OBC do.
/// </summary>
internal sealed class CrossGram
{
    private readonly double[] _cross;
    private readonly double[] _dense;

    /// <summary>
    /// Wraps C (n × n, row-major, C[i, j] = Σ x_i·x_d,j) and D (n × n, symmetric), with the dense input's column sums
    /// 1ᵀX_d when known; the arrays are taken, not copied.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Sizes that are not n × n.</exception>
    /// <exception cref="InvalidDataException">A NaN or infinite value.</exception>
    public CrossGram(double[] cross, double[] dense, int size, double[]? denseColumnSums = null)
    {
        ArgumentNullException.ThrowIfNull(cross);
        ArgumentNullException.ThrowIfNull(dense);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        long expected = (long)size * size;
        if (cross.Length != expected || dense.Length != expected)
        {
            throw new ArgumentOutOfRangeException(nameof(cross), $"C has {cross.Length} and D {dense.Length} values; {size} × {size} matrices have {expected}.");
        }

        if (!TensorPrimitives.IsFiniteAll<double>(cross) || !TensorPrimitives.IsFiniteAll<double>(dense))
        {
            throw new InvalidDataException("The cross Gram matrices C = XᵀX_d and D = X_dᵀX_d have a NaN or infinite value.");
        }

        _cross = cross;
        _dense = dense;
        Size = size;
        DenseColumnSums = denseColumnSums;
    }

    /// <summary>1ᵀX_d, the dense input's column sums, when the accumulation kept them.</summary>
    public IReadOnlyList<double>? DenseColumnSums { get; }

    /// <summary>
    /// The cross terms of the centred inputs (a free intercept): C − s·s_dᵀ/r and D − s_d·s_dᵀ/r, with s = 1ᵀX the pruned
    /// input's column sums and r the rows.
    /// </summary>
    /// <exception cref="InvalidOperationException">No dense column sums.</exception>
    public CrossGram Centered(IReadOnlyList<double> columnSums, long rows)
    {
        ArgumentNullException.ThrowIfNull(columnSums);
        if (DenseColumnSums is not { } dense || rows < 1 || columnSums.Count != Size)
            throw new InvalidOperationException("Centring the cross terms needs both inputs' column sums and the row count.");
        int n = Size;
        var cross = new double[(long)n * n];
        var denseGram = new double[(long)n * n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                cross[((long)i * n) + j] = _cross[((long)i * n) + j] - (columnSums[i] * dense[j] / rows);
                denseGram[((long)i * n) + j] = _dense[((long)i * n) + j] - (dense[i] * dense[j] / rows);
            }
        }

        return new CrossGram(cross, denseGram, n, [.. dense]);
    }

    /// <summary>n, the layer's inputs.</summary>
    public int Size { get; }

    /// <summary>c = C·w: the right-hand side of row w's problem.</summary>
    public void RightHandSide(ReadOnlySpan<double> w, Span<double> c)
    {
        if (w.Length != Size || c.Length != Size)
        {
            throw new ArgumentOutOfRangeException(nameof(w), $"C is {Size} × {Size}; the row has {w.Length} values and the result {c.Length}.");
        }

        for (int i = 0; i < Size; i++)
        {
            c[i] = TensorPrimitives.Dot(_cross.AsSpan(i * Size, Size), w);
        }
    }

    /// <summary>wᵀDw = ‖X_d·w‖², the dense output's squared norm for row w.</summary>
    public double TargetSquaredNorm(ReadOnlySpan<double> w)
    {
        if (w.Length != Size)
        {
            throw new ArgumentOutOfRangeException(nameof(w), $"D is {Size} × {Size}; the row has {w.Length} values.");
        }

        double sum = 0;
        for (int i = 0; i < Size; i++)
        {
            if (w[i] != 0)
            {
                sum += w[i] * TensorPrimitives.Dot(_dense.AsSpan(i * Size, Size), w);
            }
        }

        return Math.Max(sum, 0);
    }
}
