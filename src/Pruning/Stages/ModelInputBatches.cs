using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Reads the first rows of an <see cref="IDataView"/> as batches of the model's float inputs, shaped as the ONNX
/// inputs declare ([batch, …] with the batch dimension symbolic, or fixed). Columns are checked against the inputs
/// before any row is read: a column of the wrong type or size is an error naming the column and both shapes.
/// </summary>
internal sealed class ModelInputBatches
{
    private readonly Input[] _inputs;

    /// <param name="Column">The IDataView column, named as the model input.</param>
    /// <param name="RowShape">The input's shape without the batch dimension.</param>
    /// <param name="Width">Values per row.</param>
    private sealed record Input(string Column, long[] RowShape, int Width);

    private readonly bool _fixedBatch;

    private ModelInputBatches(Input[] inputs, int batchSize, bool fixedBatch)
    {
        _inputs = inputs;
        BatchSize = batchSize;
        _fixedBatch = fixedBatch;
    }

    /// <summary>Rows per batch: 256, or the model's fixed batch dimension.</summary>
    public int BatchSize { get; }

    /// <summary>The input names, in the order of the arrays <see cref="Read"/> yields.</summary>
    public IReadOnlyList<string> Names => [.. _inputs.Select(i => i.Column)];

    /// <summary>Checks the columns against the model inputs of the same names.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type or size.</exception>
    /// <exception cref="NotSupportedException">A model input is not FLOAT (token inputs come with the real-models work).</exception>
    public static ModelInputBatches Create(OnnxModel model, DataViewSchema schema, IReadOnlyList<string> inputColumns, string parameter)
    {
        var inputs = new List<Input>();
        long? fixedBatch = null;
        foreach (string name in inputColumns)
        {
            var column = ColumnChecks.Find(schema, name, parameter);
            var declared = model.Graph.Input.FirstOrDefault(i => i.Name == name)
                ?? throw new ArgumentOutOfRangeException(parameter, name, $"Column '{name}' names no input of the model. Model inputs: {string.Join(", ", model.Graph.Input.Where(i => !model.HasInitializer(i.Name)).Select(i => i.Name))}.");
            if (declared.Type?.TensorType is not { } tensorType || tensorType.ElemType != (int)TensorProto.Types.DataType.Float)
                throw new NotSupportedException($"Model input '{name}' is not a FLOAT tensor ({OnnxElementType.Name(declared.Type?.TensorType?.ElemType ?? 0)}); calibration reads float inputs only.");
            int width = column.Type switch
            {
                NumberDataViewType n when n == NumberDataViewType.Single => 1,
                VectorDataViewType v when v.ItemType == NumberDataViewType.Single && v.IsKnownSize => v.Size,
                _ => throw ColumnChecks.Mismatch(parameter, name, "known-size vector of Single", column.Type),
            };
            long?[] dims = model.GetShape(name) ?? [null, width];
            if (dims.Length == 0) throw new ArgumentOutOfRangeException(parameter, name, $"Model input '{name}' is a scalar; a batch dimension is needed.");
            if (dims[0] is long b and > 0)
            {
                if (fixedBatch is long other && other != b)
                    throw new NotSupportedException($"Model inputs declare different fixed batch sizes ({other} and {b}).");
                fixedBatch = b;
            }
            inputs.Add(new Input(name, RowShape(dims, width, name), width));
        }
        return new ModelInputBatches([.. inputs], fixedBatch is long fixedSize ? (int)fixedSize : 256, fixedBatch is not null);
    }

    /// <summary>
    /// Yields batches of at most <paramref name="rows"/> rows (a fixed batch size drops a last partial batch): one
    /// array per input, and the batch's row count. Non-finite values are an error naming column, row and slot.
    /// </summary>
    public IEnumerable<(float[][] Values, long[][] Shapes, int Rows)> Read(IDataView data, int rows)
    {
        var columns = _inputs.Select(i => data.Schema[i.Column]).ToArray();
        using var cursor = data.GetRowCursor(columns);
        var getters = new Action<float[]>[_inputs.Length];
        for (int i = 0; i < _inputs.Length; i++) getters[i] = TrainingDataReader.FeatureGetter(cursor, columns[i]);
        var row = _inputs.Select(i => new float[i.Width]).ToArray();
        int seen = 0;
        while (seen < rows)
        {
            int size = Math.Min(BatchSize, rows - seen);
            if (_fixedBatch && size < BatchSize) yield break;
            var values = _inputs.Select(i => new float[(long)size * i.Width]).ToArray();
            int filled = 0;
            while (filled < size && cursor.MoveNext())
            {
                for (int i = 0; i < _inputs.Length; i++)
                {
                    getters[i](row[i]);
                    for (int k = 0; k < row[i].Length; k++)
                        if (!float.IsFinite(row[i][k]))
                            throw new InvalidDataException($"Column '{_inputs[i].Column}' has {row[i][k]} at row {seen + filled}, slot {k}; calibration needs finite inputs.");
                    row[i].CopyTo(values[i], (long)filled * _inputs[i].Width);
                }
                filled++;
            }
            if (filled == 0 || (_fixedBatch && filled < BatchSize)) yield break;
            if (filled < size)
                for (int i = 0; i < values.Length; i++) Array.Resize(ref values[i], filled * _inputs[i].Width);
            var shapes = _inputs.Select(i => (long[])[filled, .. i.RowShape]).ToArray();
            yield return (values, shapes, filled);
            seen += filled;
            if (filled < size) yield break;
        }
    }

    private static long[] RowShape(long?[] dims, int width, string name)
    {
        var rest = dims.Skip(1).ToArray();
        int unknown = rest.Count(d => d is not > 0);
        long known = 1;
        foreach (var d in rest) if (d is long v and > 0) known *= v;
        string declared = $"[{string.Join(", ", dims.Select(d => d?.ToString() ?? "?"))}]";
        if (unknown == 0 && known == width) return [.. rest.Select(d => d!.Value)];
        if (unknown == 1 && known > 0 && width % known == 0)
            return [.. rest.Select(d => d is long v and > 0 ? v : width / known)];
        if (unknown == 0)
            throw new ArgumentOutOfRangeException(name, $"Column '{name}' has {width} values per row; model input '{name}' has shape {declared}, {known} values per row.");
        throw new ArgumentOutOfRangeException(name, $"Column '{name}' has {width} values per row, which does not fill model input '{name}' of shape {declared}.");
    }
}
