using System;
using System.IO;
using System.Numerics.Tensors;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Accumulates G = XᵀX (and the column sums 1ᵀX) of one layer's input X in doubles, batch by batch: memory is features²
/// doubles plus one batch, never all calibration rows. Every position of X (each row of a [N, F] input, each token of a [B, S, F] input, each
/// column of Gemm's transposed [F, N] input) is one row of X.
/// </summary>
internal sealed class GramAccumulator
{
    private readonly string _layer;
    private double[]? _gram;
    private double[]? _sums;
    private double[] _columns = [];
    private int _features;
    private long _rows;

    public GramAccumulator(string layer) => _layer = layer;

    /// <summary>Positions (rows of X) added so far.</summary>
    public long Rows => _rows;

    /// <summary>Adds the rows of one batch of the layer's input, features on <paramref name="featureAxis"/>.</summary>
    /// <exception cref="InvalidDataException">A NaN or infinite activation (naming layer, tensor and row), or a feature count that changed.</exception>
    public void Add(ReadOnlySpan<float> x, long[] shape, int featureAxis, string tensor, int firstRow)
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
        if (!TensorPrimitives.IsFiniteAll(x))
        {
            int bad = 0;
            while (float.IsFinite(x[bad])) bad++;
            // Calibration rows run along the batch axis, or along the last axis of Gemm's transposed [F, N] input.
            long row = featureAxis == 0 ? bad % inner : bad / Math.Max(1, x.Length / shape[0]);
            throw new InvalidDataException(
                $"Layer '{_layer}': its input '{tensor}' (shape [{string.Join(", ", shape)}]) has {x[bad].ToString(System.Globalization.CultureInfo.InvariantCulture)} " +
                $"on calibration row {firstRow + row}; the layer cannot be reconstructed from non-finite activations. Check the model and the input data.");
        }

        // X's columns as contiguous doubles, so each entry of the batch's XᵀX is one dot product.
        long needed = features * positions;
        if (_columns.Length < needed) _columns = new double[needed];
        double[] columns = _columns;
        for (long o = 0; o < outer; o++)
        {
            for (int f = 0; f < features; f++)
            {
                long from = ((o * features) + f) * inner;
                long to = ((long)f * positions) + (o * inner);
                for (long i = 0; i < inner; i++) columns[to + i] = x[(int)(from + i)];
            }
        }

        double[] gram = _gram;
        int n = features;
        for (int f = 0; f < n; f++) _sums![f] += TensorPrimitives.Sum<double>(columns.AsSpan(f * (int)positions, (int)positions));
        int p = (int)positions;
        Parallel.For(0, n, i =>
        {
            ReadOnlySpan<double> xi = columns.AsSpan(i * p, p);
            for (int j = i; j < n; j++)
            {
                double dot = TensorPrimitives.Dot(xi, columns.AsSpan(j * p, p));
                gram[((long)i * n) + j] += dot;
                if (j != i) gram[((long)j * n) + i] += dot;
            }
        });
        _rows += positions;
    }

    /// <summary>G of everything added, or null when nothing was.</summary>
    public GramMatrix? Build() =>
        _gram is null || _rows == 0 ? null : GramMatrix.FromValues(_gram, _features, (int)Math.Min(_rows, int.MaxValue)).WithColumnSums(_sums!);
}
