using System;
using System.Collections.Generic;
using System.IO;
using System.Numerics.Tensors;
using Microsoft.ML.Pruning.Criteria;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Sums what criteria need of one layer, batch by batch, so calibration memory is per layer (plus, for entropy,
/// one value per unit and row), never rows × all activations.
/// </summary>
internal sealed class LayerStatisticsAccumulator
{
    private readonly string _layer;
    private readonly CriterionNeeds _needs;
    private double[]? _inputSquares;
    private double[]? _absSums;
    private long[]? _zeros;
    private long _positions;
    private List<float>[]? _samples;
    private double[]? _sums;
    private double[]? _cross;
    private int _rows;
    private int _units;

    public LayerStatisticsAccumulator(string layer, int units, CriterionNeeds needs)
    {
        _layer = layer;
        _units = units;
        _needs = needs;
    }

    /// <summary>Whether the layer's input X must be observed.</summary>
    public bool NeedsInput => (_needs & CriterionNeeds.InputNorms) != 0;

    /// <summary>Whether the layer's unit output must be observed.</summary>
    public bool NeedsUnits => (_needs & (CriterionNeeds.UnitActivations | CriterionNeeds.UnitSamples | CriterionNeeds.UnitCorrelation)) != 0;

    /// <summary>Adds Σx² per feature of one batch of the layer's input.</summary>
    public void AddInput(ReadOnlySpan<float> x, long[] shape, int featureAxis, string tensor, int firstRow)
    {
        var (outer, features, inner) = Split(shape, featureAxis);
        var squares = _inputSquares ??= new double[features];
        if (squares.Length != features)
            throw new InvalidDataException($"Layer '{_layer}': input '{tensor}' has {features} features on axis {featureAxis}, where an earlier batch had {squares.Length}.");
        for (long o = 0; o < outer; o++)
        {
            for (int f = 0; f < features; f++)
            {
                var run = x.Slice((int)((o * features + f) * inner), (int)inner);
                CheckFinite(run, tensor, firstRow, shape, featureAxis);
                squares[f] += TensorPrimitives.SumOfSquares(run);
            }
        }
    }

    /// <summary>Adds one batch of the layer's unit output ([N, …] with units on <paramref name="unitAxis"/>).</summary>
    public void AddUnits(ReadOnlySpan<float> a, long[] shape, int unitAxis, string tensor, int firstRow)
    {
        var (outer, units, inner) = Split(shape, unitAxis);
        if (units != _units)
            throw new InvalidDataException($"Layer '{_layer}': its output '{tensor}' has {units} units on axis {unitAxis}; the weight has {_units} output units.");
        int rows = (int)shape[0];
        long perRow = outer / Math.Max(1, rows); // leading positions inside a row (e.g. tokens of [B, S, units])
        long positionsPerRow = perRow * inner;
        bool activations = (_needs & CriterionNeeds.UnitActivations) != 0;
        bool samples = (_needs & CriterionNeeds.UnitSamples) != 0;
        bool correlation = (_needs & CriterionNeeds.UnitCorrelation) != 0;
        _absSums ??= new double[units];
        _zeros ??= new long[units];
        if (samples) _samples ??= CreateLists(units);
        if (correlation)
        {
            _sums ??= new double[units];
            _cross ??= new double[(long)units * units];
        }
        var rowMeans = new double[units];
        for (int r = 0; r < rows; r++)
        {
            Array.Clear(rowMeans);
            for (long p = 0; p < perRow; p++)
            {
                long o = r * perRow + p;
                for (int u = 0; u < units; u++)
                {
                    var run = a.Slice((int)((o * units + u) * inner), (int)inner);
                    CheckFinite(run, tensor, firstRow + r, shape, unitAxis);
                    if (activations)
                    {
                        _absSums[u] += TensorPrimitives.SumOfMagnitudes(run);
                        _zeros[u] += inner - CountNonZero(run);
                    }
                    rowMeans[u] += TensorPrimitives.Sum(run);
                }
            }
            for (int u = 0; u < units; u++) rowMeans[u] /= positionsPerRow;
            if (samples)
                for (int u = 0; u < units; u++) _samples![u].Add((float)rowMeans[u]);
            if (correlation)
            {
                TensorPrimitives.Add(_sums!, rowMeans, _sums);
                for (int u = 0; u < units; u++)
                {
                    var cross = _cross.AsSpan((int)((long)u * units), units);
                    TensorPrimitives.MultiplyAdd(rowMeans, rowMeans[u], cross, cross);
                }
            }
        }
        _positions += rows * positionsPerRow;
        _rows += rows;
    }

    /// <summary>Counts the rows seen by the input side when only the input is observed.</summary>
    public void CountRows(int rows)
    {
        if (!NeedsUnits) _rows += rows;
    }

    public LayerStatistics Build()
    {
        double[]? means = null, zeroFractions = null;
        if ((_needs & CriterionNeeds.UnitActivations) != 0 && _absSums is not null && _positions > 0)
        {
            means = new double[_units];
            zeroFractions = new double[_units];
            for (int u = 0; u < _units; u++)
            {
                means[u] = _absSums[u] / _positions;
                zeroFractions[u] = (double)_zeros![u] / _positions;
            }
        }
        float[][]? samples = null;
        if (_samples is not null)
        {
            samples = new float[_units][];
            for (int u = 0; u < _units; u++) samples[u] = [.. _samples[u]];
        }
        return new LayerStatistics(_rows, _inputSquares, means, zeroFractions, samples, Correlation());
    }

    private double[]? Correlation()
    {
        if (_sums is null || _cross is null || _rows == 0) return null;
        int n = _units;
        var mean = new double[n];
        var deviation = new double[n];
        for (int u = 0; u < n; u++)
        {
            mean[u] = _sums[u] / _rows;
            deviation[u] = Math.Sqrt(Math.Max(0, _cross[(long)u * n + u] / _rows - mean[u] * mean[u]));
        }
        var result = new double[(long)n * n];
        for (int u = 0; u < n; u++)
        {
            for (int v = 0; v < n; v++)
            {
                double d = deviation[u] * deviation[v];
                result[(long)u * n + v] = d > 1e-12 ? Math.Clamp((_cross[(long)u * n + v] / _rows - mean[u] * mean[v]) / d, -1, 1) : 0;
            }
        }
        return result;
    }

    private static long CountNonZero(ReadOnlySpan<float> values)
    {
        long count = 0;
        foreach (float v in values) count += v != 0 ? 1 : 0;
        return count;
    }

    private void CheckFinite(ReadOnlySpan<float> run, string tensor, int row, long[] shape, int axis)
    {
        if (TensorPrimitives.IsFiniteAll(run)) return;
        float bad = 0;
        foreach (float v in run) if (!float.IsFinite(v)) { bad = v; break; }
        throw new InvalidDataException(
            $"Layer '{_layer}': tensor '{tensor}' (shape [{string.Join(", ", shape)}], axis {axis}) has {bad.ToString(System.Globalization.CultureInfo.InvariantCulture)} on calibration row {row}; " +
            "units cannot be ranked from non-finite activations. Check the model and the input data.");
    }

    private static (long Outer, int Features, long Inner) Split(long[] shape, int axis)
    {
        long outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, (int)shape[axis], inner);
    }

    private static List<float>[] CreateLists(int count)
    {
        var lists = new List<float>[count];
        for (int i = 0; i < count; i++) lists[i] = new List<float>();
        return lists;
    }
}
