using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Data;

/// <summary>
/// Reads a features column and a label column of an <see cref="IDataView"/> into memory for the Torch
/// engine, checking types first and refusing NaN/∞ features and missing labels (reported with the row).
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

    /// <summary>Reads the first <paramref name="maxRows"/> rows (all when null) into memory; without <paramref name="labelColumn"/>, features alone.</summary>
    public static TrainingData Read(IDataView data, string featureColumn, string? labelColumn, TrainingLoss loss,
        string featureParameter, string labelParameter, int? maxRows = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        int width = ColumnChecks.KnownSizeSingleVector(data.Schema, featureColumn, featureParameter);
        if (labelColumn is null) return ReadUnlabelled(data, featureColumn, width, maxRows);
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
        var featureCol = data.Schema[featureColumn];
        var labelCol = data.Schema[labelColumn];
        long? knownRows = data.GetRowCount();
        var features = new List<float>(knownRows is long k and > 0 ? (int)Math.Min(k * width, int.MaxValue / 2) : 1024);
        var labels = new List<float>(knownRows is long r and > 0 ? (int)Math.Min(r, int.MaxValue) : 1024);

        using var cursor = data.GetRowCursor([featureCol, labelCol]);
        var featureGetter = FeatureGetter(cursor, featureCol);
        var labelGetter = LabelGetter(cursor, labelCol, loss);
        var row = new float[width];
        long index = 0;
        while ((maxRows is null || index < maxRows) && cursor.MoveNext())
        {
            featureGetter(row);
            for (int i = 0; i < width; i++)
                if (!float.IsFinite(row[i]))
                    throw new InvalidDataException(
                        $"Column '{featureColumn}' has {row[i]} at row {index}, slot {i}; training needs finite features (clean or impute them first).");
            float label = labelGetter();
            if (float.IsNaN(label))
                throw new InvalidDataException($"Column '{labelColumn}' has a missing value at row {index}; remove or fill such rows first.");
            features.AddRange(row);
            labels.Add(label);
            index++;
        }
        if (labels.Count == 0)
            throw new InvalidOperationException("The training data has no rows.");
        return new TrainingData(features.ToArray(), width, labels.ToArray());
    }

    private static TrainingData ReadUnlabelled(IDataView data, string featureColumn, int width, int? maxRows)
    {
        var featureCol = data.Schema[featureColumn];
        var features = new List<float>(1024);
        using var cursor = data.GetRowCursor([featureCol]);
        var featureGetter = FeatureGetter(cursor, featureCol);
        var row = new float[width];
        long index = 0;
        while ((maxRows is null || index < maxRows) && cursor.MoveNext())
        {
            featureGetter(row);
            for (int i = 0; i < width; i++)
                if (!float.IsFinite(row[i]))
                    throw new InvalidDataException(
                        $"Column '{featureColumn}' has {row[i]} at row {index}, slot {i}; training needs finite features (clean or impute them first).");
            features.AddRange(row);
            index++;
        }
        if (index == 0)
            throw new InvalidOperationException("The training data has no rows.");
        return new TrainingData(features.ToArray(), width);
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
