using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Data;

/// <summary>
/// Reads the current row of a cursor for each <see cref="ModelInputColumn"/> into reused buffers (floats or int64s)
/// and checks it: finite floats, the fixed length of a fixed-shape input, equal lengths of token inputs that share a
/// sequence axis. Errors name the column, the row and what the model input takes.
/// </summary>
internal sealed class ModelInputRowReader
{
    private readonly IReadOnlyList<ModelInputColumn> _columns;
    private readonly Action[] _getters;
    private readonly float[][] _floats;
    private readonly long[][] _int64s;
    private readonly int[] _lengths;
    private readonly string _purpose;

    /// <param name="cursor">A cursor over (at least) the columns.</param>
    /// <param name="columns">The resolved columns.</param>
    /// <param name="purpose">What reads the rows, for messages ("training", "calibration").</param>
    public ModelInputRowReader(DataViewRowCursor cursor, IReadOnlyList<ModelInputColumn> columns, string purpose)
    {
        _columns = columns;
        _purpose = purpose;
        _getters = new Action[columns.Count];
        _floats = new float[columns.Count][];
        _int64s = new long[columns.Count][];
        _lengths = new int[columns.Count];
        for (int i = 0; i < columns.Count; i++)
        {
            var column = cursor.Schema[columns[i].Name];
            int index = i;
            if (columns[i].ElementType == TrainingElementType.Float)
            {
                _floats[i] = new float[columns[i].Width];
                var read = TrainingDataReader.FeatureGetter(cursor, column);
                _getters[i] = () => { read(_floats[index]); _lengths[index] = _floats[index].Length; };
            }
            else if (column.Type is VectorDataViewType)
            {
                _int64s[i] = new long[Math.Max(1, columns[i].Width)];
                var getter = cursor.GetGetter<VBuffer<long>>(column);
                VBuffer<long> buffer = default;
                _getters[i] = () =>
                {
                    getter(ref buffer);
                    if (_int64s[index].Length < buffer.Length) _int64s[index] = new long[Math.Max(buffer.Length, 2 * _int64s[index].Length)];
                    buffer.CopyTo(_int64s[index]);
                    _lengths[index] = buffer.Length;
                };
            }
            else
            {
                _int64s[i] = new long[1];
                var getter = cursor.GetGetter<long>(column);
                _getters[i] = () => { getter(ref _int64s[index][0]); _lengths[index] = 1; };
            }
        }
    }

    /// <summary>Reads and checks the cursor's current row, row number <paramref name="row"/> (for messages).</summary>
    public void Read(long row)
    {
        for (int i = 0; i < _columns.Count; i++)
        {
            _getters[i]();
            var column = _columns[i];
            if (column.ElementType == TrainingElementType.Float)
            {
                var values = _floats[i];
                for (int k = 0; k < values.Length; k++)
                    if (!float.IsFinite(values[k]))
                        throw new InvalidDataException(
                            $"Column '{column.Name}' has {values[k]} at row {row}, slot {k}; {_purpose} needs finite values (clean or impute them first).");
            }
            else if (column.RowShape is not null && _lengths[i] != column.Width)
            {
                throw new InvalidDataException(
                    $"Column '{column.Name}' has {_lengths[i]} values at row {row}; model input '{column.Name}' of shape {column.DeclaredShape} takes rows of {column.Width} values only.");
            }
        }
        for (int i = 0; i < _columns.Count; i++)
        {
            if (_columns[i].LengthDimension is not { } axis) continue;
            for (int j = i + 1; j < _columns.Count; j++)
                if (_columns[j].LengthDimension == axis && _lengths[j] != _lengths[i])
                    throw new InvalidDataException(
                        $"Row {row} has {_lengths[i]} values in column '{_columns[i].Name}' and {_lengths[j]} in column '{_columns[j].Name}'; " +
                        $"model inputs '{_columns[i].Name}' and '{_columns[j].Name}' share the sequence axis '{axis}', so their rows must have equal lengths.");
        }
    }

    /// <summary>The current row's values of column <paramref name="i"/> (float columns).</summary>
    public ReadOnlySpan<float> Floats(int i) => _floats[i].AsSpan(0, _lengths[i]);

    /// <summary>The current row's values of column <paramref name="i"/> (INT64 columns).</summary>
    public ReadOnlySpan<long> Int64s(int i) => _int64s[i].AsSpan(0, _lengths[i]);

    /// <summary>The current row's length in column <paramref name="i"/>.</summary>
    public int Length(int i) => _lengths[i];
}
