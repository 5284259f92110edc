using System;
using System.IO;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Accumulates G = XᵀX (and the column sums 1ᵀX) of one layer's input X in doubles, batch by batch: memory is features² doubles plus one batch,
/// never all calibration rows. Every position of X (each row of a [N, F] input, each token of a [B, S, F] input, each
/// column of Gemm's transposed [F, N] input) is one row of X. With a reference input X_d (the same layer's input in the
/// dense model, on the same rows) it also accumulates C = XᵀX_d and D = X_dᵀX_d, for fitting the dense output
/// (<see cref="CrossGram"/>).
/// </summary>
internal sealed class GramAccumulator
{
    private readonly string _layer;
    private double[]? _gram;
    private double[]? _sums;
    private double[]? _referenceSums;
    private double[] _columns = [];
    private double[] _referenceColumns = [];
    private double[]? _cross;
    private double[]? _dense;
    private int _features;
    private long _rows;

    public GramAccumulator(string layer) => _layer = layer;

    /// <summary>Positions (rows of X) added so far.</summary>
    public long Rows => _rows;

    /// <summary>Adds the rows of one batch of the layer's input, features on <paramref name="featureAxis"/>.</summary>
    /// <exception cref="InvalidDataException">A NaN or infinite activation (naming layer, tensor and row), or a feature count that changed.</exception>
    public void Add(ReadOnlySpan<float> x, long[] shape, int featureAxis, string tensor, int firstRow) =>
        Add(x, shape, featureAxis, tensor, firstRow, default, withReference: false);

    /// <summary>
    /// Adds one batch of the layer's input <paramref name="x"/> and of the dense model's input to the same layer on the same
    /// rows, <paramref name="reference"/> (same shape): G, C = XᵀX_d and D = X_dᵀX_d.
    /// </summary>
    /// <exception cref="InvalidDataException">Non-finite activations in either (naming layer, tensor and row), a feature count that changed.</exception>
    public void Add(ReadOnlySpan<float> x, ReadOnlySpan<float> reference, long[] shape, int featureAxis, string tensor, int firstRow)
    {
        if (reference.Length != x.Length)
            throw new InvalidDataException($"Layer '{_layer}': input '{tensor}' has {x.Length} values in the pruned model and {reference.Length} in the dense model.");
        if (_rows > 0 && _cross is null)
            throw new InvalidOperationException($"Layer '{_layer}': batches without a reference were added before one with it.");
        Add(x, shape, featureAxis, tensor, firstRow, reference, withReference: true);
    }

    private void Add(ReadOnlySpan<float> x, long[] shape, int featureAxis, string tensor, int firstRow, ReadOnlySpan<float> reference, bool withReference)
    {
        long outer = 1, inner = 1;
        for (int d = 0; d < featureAxis; d++) outer *= shape[d];
        for (int d = featureAxis + 1; d < shape.Length; d++) inner *= shape[d];
        int features = (int)shape[featureAxis];
        if (_gram is null)
        {
            _features = features;
            _gram = new double[(long)features * features];
            _sums = new double[features];
        }
        else if (features != _features)
        {
            throw new InvalidDataException($"Layer '{_layer}': input '{tensor}' has {features} features on axis {featureAxis}, where an earlier batch had {_features}.");
        }

        long positions = outer * inner;
        if (positions == 0) return;
        CheckFinite(x, shape, featureAxis, inner, tensor, firstRow, "");
        if (withReference) CheckFinite(reference, shape, featureAxis, inner, tensor, firstRow, " in the dense model");

        // X's columns as contiguous doubles, so each entry of the batch's XᵀX is one dot product.
        double[] columns = ToColumns(x, outer, features, inner, ref _columns);
        for (int f = 0; f < features; f++) _sums![f] += TensorPrimitives.Sum<double>(columns.AsSpan(f * (int)positions, (int)positions));
        AddProducts(_gram, columns, columns, features, (int)positions, symmetric: true);
        if (withReference)
        {
            _cross ??= new double[(long)features * features];
            _dense ??= new double[(long)features * features];
            double[] referenceColumns = ToColumns(reference, outer, features, inner, ref _referenceColumns);
            _referenceSums ??= new double[features];
            for (int f = 0; f < features; f++) _referenceSums[f] += TensorPrimitives.Sum<double>(referenceColumns.AsSpan(f * (int)positions, (int)positions));
            AddProducts(_cross, columns, referenceColumns, features, (int)positions, symmetric: false);
            AddProducts(_dense, referenceColumns, referenceColumns, features, (int)positions, symmetric: true);
        }
        _rows += positions;
    }

    private void CheckFinite(ReadOnlySpan<float> x, long[] shape, int featureAxis, long inner, string tensor, int firstRow, string where)
    {
        if (TensorPrimitives.IsFiniteAll(x)) return;
        int bad = 0;
        while (float.IsFinite(x[bad])) bad++;
        // Calibration rows run along the batch axis, or along the last axis of Gemm's transposed [F, N] input.
        long row = featureAxis == 0 ? bad % inner : bad / Math.Max(1, x.Length / shape[0]);
        throw new InvalidDataException(
            $"Layer '{_layer}': its input '{tensor}'{where} (shape [{string.Join(", ", shape)}]) has {x[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)} " +
            $"on calibration row {firstRow + row}; the layer cannot be reconstructed from non-finite activations. Check the model and the input data.");
    }

    /// <summary>The batch's X as <paramref name="features"/> contiguous columns of doubles, in a buffer reused between batches.</summary>
    private static double[] ToColumns(ReadOnlySpan<float> x, long outer, int features, long inner, ref double[] buffer)
    {
        long positions = outer * inner;
        long needed = features * positions;
        if (buffer.Length < needed) buffer = new double[needed];
        double[] columns = buffer;
        for (long o = 0; o < outer; o++)
        {
            for (int f = 0; f < features; f++)
            {
                long from = ((o * features) + f) * inner;
                long to = ((long)f * positions) + (o * inner);
                for (long i = 0; i < inner; i++) columns[to + i] = x[(int)(from + i)];
            }
        }
        return columns;
    }

    /// <summary>target[i, j] += aᵢ·bⱼ over the batch's positions; a symmetric product computes each pair once.</summary>
    private static void AddProducts(double[] target, double[] a, double[] b, int n, int p, bool symmetric)
    {
        Parallel.For(0, n, i =>
        {
            ReadOnlySpan<double> ai = a.AsSpan(i * p, p);
            for (int j = symmetric ? i : 0; j < n; j++)
            {
                double dot = TensorPrimitives.Dot(ai, b.AsSpan(j * p, p));
                target[((long)i * n) + j] += dot;
                if (symmetric && j != i) target[((long)j * n) + i] += dot;
            }
        });
    }

    /// <summary>C and D of everything added with a reference, or null when no reference was given.</summary>
    public CrossGram? BuildCross() =>
        _cross is null || _dense is null || _rows == 0 ? null : new CrossGram(_cross, _dense, _features, _referenceSums);

    /// <summary>G of everything added, or null when nothing was.</summary>
    public GramMatrix? Build() =>
        _gram is null || _rows == 0 ? null : GramMatrix.FromValues(_gram, _features, (int)Math.Min(_rows, int.MaxValue)).WithColumnSums(_sums!);
}
