using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Data;

/// <summary>
/// Reads the model input columns (float features or images, int64 tokens) and, when there is one, the label column of
/// an <see cref="IDataView"/> into memory for the Torch engine, checking types first and refusing NaN/∞ features and
/// missing labels (reported with the row).
/// </summary>
internal static class TrainingDataReader
{
    /// <summary>The loss a label column's type asks for: key → cross-entropy, Boolean → binary, Single → squared error.</summary>
    public static TrainingLoss LossFor(DataViewSchema schema, string labelColumn, string parameter)
    {
        var column = ColumnChecks.Find(schema, labelColumn, parameter);
        return column.Type switch
        {
            KeyDataViewType key when key.RawType == typeof(uint) => TrainingLoss.CrossEntropy,
            BooleanDataViewType => TrainingLoss.BinaryCrossEntropy,
            NumberDataViewType n when n == NumberDataViewType.Single => TrainingLoss.MeanSquaredError,
            _ => throw ColumnChecks.Mismatch(parameter, labelColumn, "Key<UInt32>, Boolean or Single", column.Type),
        };
    }

    /// <summary>Class count of a key label column.</summary>
    public static int ClassCount(DataViewSchema schema, string labelColumn, string parameter)
    {
        var column = ColumnChecks.Find(schema, labelColumn, parameter);
        if (column.Type is not KeyDataViewType key || key.RawType != typeof(uint) || key.Count == 0 || key.Count > int.MaxValue)
            throw ColumnChecks.Mismatch(parameter, labelColumn, "Key", column.Type);
        return (int)key.Count;
    }

    /// <summary>
    /// Reads the first <paramref name="maxRows"/> rows (all when null) of one Single feature column (the model's only
    /// input) and, when <paramref name="labelColumn"/> is given, a label column into memory: the SparseMlp form.
    /// </summary>
    public static TrainingData Read(IDataView data, string featureColumn, string? labelColumn, TrainingLoss loss,
        string featureParameter, string labelParameter, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int width = ColumnChecks.KnownSizeSingleVector(data.Schema, featureColumn, featureParameter);
        var column = new ModelInputColumn(featureColumn, TrainingElementType.Float, [width], null, $"[N, {width}]",
            data.Schema[featureColumn].Type.ToString() ?? "", null);
        var read = Read(data, [column], labelColumn, loss, labelParameter, maxRows);
        var features = read.Inputs[0].Floats!;
        return read.Labels is { } labels ? new TrainingData(features, width, labels) : new TrainingData(features, width);
    }

    /// <summary>
    /// Reads the first <paramref name="maxRows"/> rows (all when null) of the model input columns and, when
    /// <paramref name="labelColumn"/> is given, the labels, into memory. Token rows of varying length are kept as they
    /// are (batches pad them). Non-finite features, rows that do not fit a fixed input shape and missing labels are
    /// errors naming the column and the row.
    /// </summary>
    public static TrainingData Read(IDataView data, IReadOnlyList<ModelInputColumn> inputs, string? labelColumn, TrainingLoss loss,
        string labelParameter, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        DataViewSchema.Column? labelCol = null;
        if (labelColumn is not null)
        {
            var expectedLoss = LossFor(data.Schema, labelColumn, labelParameter);
            if (expectedLoss != loss)
            {
                string expected = loss switch
                {
                    TrainingLoss.CrossEntropy => "Key",
                    TrainingLoss.BinaryCrossEntropy => "Boolean",
                    _ => "Single",
                };
                throw ColumnChecks.Mismatch(labelParameter, labelColumn, expected, data.Schema[labelColumn].Type);
            }
            labelCol = data.Schema[labelColumn];
        }
        long? knownRows = data.GetRowCount();
        long expectedRows = Math.Min(knownRows is long k and > 0 ? k : 1024, maxRows ?? long.MaxValue);
        int capacity = (int)Math.Clamp(expectedRows, 1, 1 << 20);
        var floats = inputs.Select(i => i.ElementType == TrainingElementType.Float ? new List<float>(capacity * Math.Max(1, Math.Min(i.Width, 1024))) : null).ToArray();
        var int64s = inputs.Select(i => i.ElementType == TrainingElementType.Int64 ? new List<long>(capacity) : null).ToArray();
        var offsets = inputs.Select(i => i.RowShape is null ? new List<int>(capacity) { 0 } : null).ToArray();
        var labels = labelCol is null ? null : new List<float>(capacity);

        var columns = inputs.Select(i => data.Schema[i.Name]).ToList();
        if (labelCol is { } lc) columns.Add(lc);
        using var cursor = data.GetRowCursor(columns);
        var rows = new ModelInputRowReader(cursor, inputs, "training");
        var labelGetter = labelCol is { } l ? LabelGetter(cursor, l, loss) : null;
        long index = 0;
        while ((maxRows is null || index < maxRows) && cursor.MoveNext())
        {
            rows.Read(index);
            if (labelGetter is not null)
            {
                float label = labelGetter();
                if (float.IsNaN(label))
                    throw new InvalidDataException($"Column '{labelColumn}' has a missing value at row {index}; remove or fill such rows first.");
                labels!.Add(label);
            }
            for (int i = 0; i < inputs.Count; i++)
            {
                long held = (floats[i]?.Count ?? int64s[i]!.Count) + (long)rows.Length(i);
                if (held > Array.MaxLength)
                    throw new InvalidOperationException(
                        $"Column '{inputs[i].Name}' holds more values than one array can ({Array.MaxLength:N0}) at row {index}: training keeps its rows in memory. " +
                        "Train on fewer rows (e.g. ml.Data.TakeRows) or smaller inputs.");
                if (floats[i] is { } f) f.AddRange(rows.Floats(i));
                else int64s[i]!.AddRange(rows.Int64s(i));
                offsets[i]?.Add(checked(offsets[i]![^1] + rows.Length(i)));
            }
            index++;
        }
        if (index == 0)
            throw new InvalidOperationException("The training data has no rows.");
        var result = new TrainingInput[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            var input = inputs[i];
            result[i] = floats[i] is { } f ? TrainingInput.FromFloats(input.Name, [.. f], input.RowShape!)
                : offsets[i] is { } o ? TrainingInput.FromInt64Rows(input.Name, [.. int64s[i]!], [.. o])
                : TrainingInput.FromInt64s(input.Name, [.. int64s[i]!], input.RowShape!);
        }
        return new TrainingData(result, labels?.ToArray());
    }

    /// <summary>Reads a Single vector or scalar column of the current row into a float array of its width.</summary>
    internal static Action<float[]> FeatureGetter(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        if (column.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(column);
            VBuffer<float> buffer = default;
            return destination =>
            {
                getter(ref buffer);
                buffer.CopyTo(destination);
            };
        }
        var scalar = cursor.GetGetter<float>(column);
        return destination =>
        {
            float value = 0;
            scalar(ref value);
            destination[0] = value;
        };
    }

    /// <summary>Labels as floats: key → 0-based class index (NaN when missing), Boolean → 0/1, Single as is.</summary>
    private static Func<float> LabelGetter(DataViewRowCursor cursor, DataViewSchema.Column column, TrainingLoss loss)
    {
        switch (loss)
        {
            case TrainingLoss.CrossEntropy:
            {
                var getter = cursor.GetGetter<uint>(column);
                return () =>
                {
                    uint key = 0;
                    getter(ref key);
                    return key == 0 ? float.NaN : key - 1;
                };
            }
            case TrainingLoss.BinaryCrossEntropy:
            {
                var getter = cursor.GetGetter<bool>(column);
                return () =>
                {
                    bool value = false;
                    getter(ref value);
                    return value ? 1f : 0f;
                };
            }
            default:
            {
                var getter = cursor.GetGetter<float>(column);
                return () =>
                {
                    float value = 0;
                    getter(ref value);
                    return value;
                };
            }
        }
    }
}
