using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Computes a <see cref="SweepMetric"/> on validation rows scored by a (pruned) model; shared by <see cref="TrialExecutor"/> and
/// <see cref="SensitivityAnalysis"/>. Rows whose label is missing (key 0, NaN) are skipped, as ML.NET's evaluators skip them.
/// </summary>
/// <remarks>
/// Every kind but <see cref="SweepMetricKind.Custom"/> reads the columns itself rather than calling ML.NET's evaluators: a model
/// output of shape [N, 1] arrives as a vector column of one value, which ML.NET's binary and regression evaluators refuse (they
/// want a scalar Single score and, for AUC, a Boolean label), and its multiclass evaluator wants a Key label of the score's width,
/// while a sweep's label may be a class index stored as an integer or a float. One reader also gives one set of messages, each
/// naming the column. The formulas are ML.NET's: accuracy and macro accuracy (mean over the classes present of each class's
/// recall) from the argmax, AUC as the Mann–Whitney statistic with ties counted half, RMSE and MAE over the rows.
/// </remarks>
internal static class SweepMetricEvaluator
{
    /// <summary>
    /// The metric of <paramref name="scored"/>. <paramref name="denseOutputs"/> gives the dense model's output vectors of the same
    /// rows, in order; it is called only for <see cref="SweepMetricKind.Fidelity"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has a type the metric cannot use; the message names it.</exception>
    /// <exception cref="InvalidOperationException">No row to measure, or the dense outputs do not match the rows.</exception>
    public static double Evaluate(SweepMetric metric, IDataView scored, Func<IReadOnlyList<float[]>>? denseOutputs = null)
    {
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(scored);
        metric.Validate();
        return metric.Kind switch
        {
            SweepMetricKind.Accuracy => Accuracy(scored, metric, macro: false),
            SweepMetricKind.MacroAccuracy => Accuracy(scored, metric, macro: true),
            SweepMetricKind.Auc => Auc(scored, metric),
            SweepMetricKind.Rmse => RegressionError(scored, metric, squared: true),
            SweepMetricKind.MeanAbsoluteError => RegressionError(scored, metric, squared: false),
            SweepMetricKind.Fidelity => Fidelity(ReadVectors(scored, metric.ScoreColumnName, nameof(SweepMetric.ScoreColumnName)),
                (denseOutputs ?? throw new InvalidOperationException("Fidelity needs the dense model's outputs of the validation rows."))(), metric.ScoreColumnName),
            _ => metric.CustomMetric!(scored),
        };
    }

    /// <summary>Every row's value of a Single (scalar or vector) column, as vectors.</summary>
    public static IReadOnlyList<float[]> ReadVectors(IDataView data, string column, string option)
    {
        var col = Column(data.Schema, column, option);
        if ((col.Type is VectorDataViewType vector ? vector.ItemType : col.Type) != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(option, column, $"Column '{column}' has type {col.Type}; the metric reads Single scores (a value or a vector).");
        var rows = new List<float[]>();
        using var cursor = data.GetRowCursor([col]);
        if (col.Type is VectorDataViewType)
        {
            var getter = cursor.GetGetter<VBuffer<float>>(col);
            VBuffer<float> buffer = default;
            while (cursor.MoveNext())
            {
                getter(ref buffer);
                rows.Add(buffer.DenseValues().ToArray());
            }
        }
        else
        {
            var getter = cursor.GetGetter<float>(col);
            float value = 0;
            while (cursor.MoveNext())
            {
                getter(ref value);
                rows.Add([value]);
            }
        }
        return rows;
    }

    /// <summary>Mean over rows of the cosine similarity of each pruned output to the dense one (two zero vectors: 1; one: 0).</summary>
    public static double Fidelity(IReadOnlyList<float[]> pruned, IReadOnlyList<float[]> dense, string column)
    {
        if (pruned.Count != dense.Count)
            throw new InvalidOperationException($"Fidelity of '{column}': the pruned model scored {pruned.Count} rows, the dense model {dense.Count}.");
        if (pruned.Count == 0) throw new InvalidOperationException($"Fidelity of '{column}': the validation data has no rows.");
        double sum = 0;
        for (int r = 0; r < pruned.Count; r++)
        {
            float[] a = pruned[r], b = dense[r];
            if (a.Length != b.Length)
                throw new InvalidOperationException($"Fidelity of '{column}': row {r} has {a.Length} values pruned and {b.Length} dense; the output's width changed.");
            double dot = 0, na = 0, nb = 0;
            for (int i = 0; i < a.Length; i++)
            {
                dot += (double)a[i] * b[i];
                na += (double)a[i] * a[i];
                nb += (double)b[i] * b[i];
            }
            sum += na == 0 && nb == 0 ? 1 : na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
        }
        return sum / pruned.Count;
    }

    private static double Accuracy(IDataView scored, SweepMetric metric, bool macro)
    {
        var scores = ReadVectors(scored, metric.ScoreColumnName, nameof(SweepMetric.ScoreColumnName));
        var labels = ReadLabels(scored, metric.LabelColumnName!, metric.Kind);
        int width = scores.Count == 0 ? 0 : scores[0].Length;
        var perClass = new Dictionary<long, (long Rows, long Correct)>();
        for (int r = 0; r < scores.Count; r++)
        {
            if (labels[r] is not long label) continue;
            if (label < 0 || label >= width)
                throw new ArgumentOutOfRangeException(nameof(SweepMetric.LabelColumnName), metric.LabelColumnName,
                    $"Label column '{metric.LabelColumnName}' has class {label} at row {r}, but score column '{metric.ScoreColumnName}' has {width} values per row.");
            bool correct = ArgMax(scores[r]) == label;
            perClass.TryGetValue(label, out var c);
            perClass[label] = (c.Rows + 1, c.Correct + (correct ? 1 : 0));
        }
        if (perClass.Count == 0) throw new InvalidOperationException($"No validation row has a label in column '{metric.LabelColumnName}'.");
        return macro
            ? perClass.Values.Average(c => (double)c.Correct / c.Rows)
            : (double)perClass.Values.Sum(c => c.Correct) / perClass.Values.Sum(c => c.Rows);
    }

    private static double Auc(IDataView scored, SweepMetric metric)
    {
        var scores = ReadVectors(scored, metric.ScoreColumnName, nameof(SweepMetric.ScoreColumnName));
        var labels = ReadBinaryLabels(scored, metric.LabelColumnName!);
        var rows = new List<(double Score, bool Positive)>();
        for (int r = 0; r < scores.Count; r++)
        {
            if (scores[r].Length != 1)
                throw new ArgumentOutOfRangeException(nameof(SweepMetric.ScoreColumnName), metric.ScoreColumnName,
                    $"AUC needs one score per row; column '{metric.ScoreColumnName}' has {scores[r].Length}.");
            if (labels[r] is bool positive) rows.Add((scores[r][0], positive));
        }
        long positives = rows.Count(x => x.Positive), negatives = rows.Count - positives;
        if (positives == 0 || negatives == 0)
            throw new InvalidOperationException($"AUC needs both classes in label column '{metric.LabelColumnName}'; it has {positives} positive and {negatives} negative rows.");
        // Mann–Whitney: the sum of the positives' ranks (ties get their mean rank).
        var order = rows.OrderBy(x => x.Score).ToList();
        double rankSum = 0;
        for (int i = 0; i < order.Count;)
        {
            int j = i;
            while (j + 1 < order.Count && order[j + 1].Score == order[i].Score) j++;
            double rank = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) if (order[k].Positive) rankSum += rank;
            i = j + 1;
        }
        return (rankSum - positives * (positives + 1) / 2.0) / ((double)positives * negatives);
    }

    private static double RegressionError(IDataView scored, SweepMetric metric, bool squared)
    {
        var scores = ReadVectors(scored, metric.ScoreColumnName, nameof(SweepMetric.ScoreColumnName));
        var labels = ReadValues(scored, metric.LabelColumnName!, metric.Kind);
        double sum = 0;
        long count = 0;
        for (int r = 0; r < scores.Count; r++)
        {
            if (scores[r].Length != 1)
                throw new ArgumentOutOfRangeException(nameof(SweepMetric.ScoreColumnName), metric.ScoreColumnName,
                    $"{metric.Kind} needs one score per row; column '{metric.ScoreColumnName}' has {scores[r].Length}.");
            if (double.IsNaN(labels[r])) continue;
            double e = scores[r][0] - labels[r];
            sum += squared ? e * e : Math.Abs(e);
            count++;
        }
        if (count == 0) throw new InvalidOperationException($"No validation row has a label in column '{metric.LabelColumnName}'.");
        return squared ? Math.Sqrt(sum / count) : sum / count;
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    /// <summary>Class indices from 0: a key (1-based, 0 missing) or an integer or float value; null for a missing label.</summary>
    private static long?[] ReadLabels(IDataView data, string column, SweepMetricKind kind)
    {
        var col = Column(data.Schema, column, nameof(SweepMetric.LabelColumnName));
        var type = col.Type;
        if (type is KeyDataViewType key)
        {
            return key.RawType == typeof(uint) ? Read<uint, long?>(data, col, v => v == 0 ? null : v - 1L)
                : key.RawType == typeof(ushort) ? Read<ushort, long?>(data, col, v => v == 0 ? null : v - 1L)
                : key.RawType == typeof(byte) ? Read<byte, long?>(data, col, v => v == 0 ? null : v - 1L)
                : Read<ulong, long?>(data, col, v => v == 0 ? null : (long)v - 1L);
        }
        if (type == NumberDataViewType.UInt32) return Read<uint, long?>(data, col, v => v);
        if (type == NumberDataViewType.Int32) return Read<int, long?>(data, col, v => v);
        if (type == NumberDataViewType.Int64) return Read<long, long?>(data, col, v => v);
        if (type == NumberDataViewType.Single) return Read<float, long?>(data, col, v => float.IsNaN(v) ? null : ClassIndex(v, column));
        if (type == NumberDataViewType.Double) return Read<double, long?>(data, col, v => double.IsNaN(v) ? null : ClassIndex(v, column));
        throw new ArgumentOutOfRangeException(nameof(SweepMetric.LabelColumnName), column,
            $"Label column '{column}' has type {type}; {kind} needs a Key label, or a class index as UInt32, Int32, Int64, Single or Double.");
    }

    private static long ClassIndex(double value, string column) => value == Math.Floor(value)
        ? (long)value
        : throw new ArgumentOutOfRangeException(nameof(SweepMetric.LabelColumnName), column, $"Label column '{column}' has {value}, which is not a class index.");

    /// <summary>Positive or not: a Boolean, or a number (positive when &gt; 0, as ML.NET reads a float label); null for NaN.</summary>
    private static bool?[] ReadBinaryLabels(IDataView data, string column)
    {
        var col = Column(data.Schema, column, nameof(SweepMetric.LabelColumnName));
        if (col.Type == BooleanDataViewType.Instance) return Read<bool, bool?>(data, col, v => v);
        if (col.Type is NumberDataViewType && col.Type is not KeyDataViewType)
            return [.. ReadValues(data, column, SweepMetricKind.Auc).Select(v => double.IsNaN(v) ? (bool?)null : v > 0)];
        throw new ArgumentOutOfRangeException(nameof(SweepMetric.LabelColumnName), column,
            $"Label column '{column}' has type {col.Type}; AUC needs a Boolean label (or a number, positive when > 0).");
    }

    private static double[] ReadValues(IDataView data, string column, SweepMetricKind kind)
    {
        var col = Column(data.Schema, column, nameof(SweepMetric.LabelColumnName));
        var type = col.Type;
        if (type == NumberDataViewType.Single) return Read<float, double>(data, col, v => v);
        if (type == NumberDataViewType.Double) return Read<double, double>(data, col, v => v);
        if (type == NumberDataViewType.Int32) return Read<int, double>(data, col, v => v);
        if (type == NumberDataViewType.Int64) return Read<long, double>(data, col, v => v);
        if (type == NumberDataViewType.UInt32) return Read<uint, double>(data, col, v => v);
        throw new ArgumentOutOfRangeException(nameof(SweepMetric.LabelColumnName), column,
            $"Label column '{column}' has type {type}; {kind} needs a number (Single, Double, Int32, Int64 or UInt32).");
    }

    private static TOut[] Read<TIn, TOut>(IDataView data, DataViewSchema.Column column, Func<TIn, TOut> convert)
    {
        var values = new List<TOut>();
        using var cursor = data.GetRowCursor([column]);
        var getter = cursor.GetGetter<TIn>(column);
        TIn value = default!;
        while (cursor.MoveNext())
        {
            getter(ref value);
            values.Add(convert(value));
        }
        return [.. values];
    }

    private static DataViewSchema.Column Column(DataViewSchema schema, string column, string option) =>
        schema.GetColumnOrNull(column) ?? throw new ArgumentOutOfRangeException(option, column,
            $"Could not find input column '{column}' ({nameof(SweepMetric)}.{option}). Columns: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
}
