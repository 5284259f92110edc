using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Reads the first rows of an <see cref="IDataView"/> as batches of the model's inputs for ONNX Runtime, shaped as
/// the ONNX inputs declare ([batch, …] with the batch dimension symbolic, or fixed): FLOAT inputs (features, images as
/// [N, C, H, W]) and INT64 inputs (token rows, padded per batch to the longest with 0). Columns are checked against the
/// inputs before any row is read (<see cref="ModelInputColumns"/>).
/// </summary>
internal sealed class ModelInputBatches
{
    private readonly IReadOnlyList<ModelInputColumn> _inputs;
    private readonly bool _fixedBatch;

    private ModelInputBatches(IReadOnlyList<ModelInputColumn> inputs)
    {
        _inputs = inputs;
        long? fixedBatch = inputs.Select(i => i.FixedBatch).FirstOrDefault(b => b is not null);
        _fixedBatch = fixedBatch is not null;
        BatchSize = fixedBatch is long size ? checked((int)size) : 256;
    }

    /// <summary>Rows per batch: 256, or the model's fixed batch dimension.</summary>
    public int BatchSize { get; }

    /// <summary>Whether the model declares a fixed batch size (batches are then exactly <see cref="BatchSize"/> rows).</summary>
    public bool IsFixedBatch => _fixedBatch;

    /// <summary>The input names, in the order of the arrays <see cref="Read"/> yields.</summary>
    public IReadOnlyList<string> Names => [.. _inputs.Select(i => i.Name)];

    /// <summary>The resolved columns.</summary>
    public IReadOnlyList<ModelInputColumn> Columns => _inputs;

    /// <summary>Checks the columns against the model inputs of the same names.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or has the wrong type or size.</exception>
    /// <exception cref="NotSupportedException">A model input is neither FLOAT nor INT64.</exception>
    public static ModelInputBatches Create(OnnxModel model, DataViewSchema schema, IReadOnlyList<string> inputColumns, string parameter,
        IDictionary<string, int[]>? inputShapes = null) =>
        new(ModelInputColumns.Resolve(model, schema, inputColumns, parameter, inputShapes));

    /// <summary>
    /// Yields batches of at most <paramref name="rows"/> rows (a fixed batch size drops a last partial batch).
    /// Non-finite values and rows that do not fit a fixed shape are errors naming column and row.
    /// </summary>
    public IEnumerable<ModelInputBatch> Read(IDataView data, int rows)
    {
        using var cursor = data.GetRowCursor(_inputs.Select(i => data.Schema[i.Name]));
        var reader = new ModelInputRowReader(cursor, _inputs, "calibration");
        int seen = 0;
        var floats = _inputs.Select(i => i.ElementType == TrainingElementType.Float ? new List<float>() : null).ToArray();
        var int64s = _inputs.Select(i => i.ElementType == TrainingElementType.Int64 ? new List<long>() : null).ToArray();
        var lengths = _inputs.Select(_ => new List<int>()).ToArray();
        while (seen < rows)
        {
            int size = Math.Min(BatchSize, rows - seen);
            if (_fixedBatch && size < BatchSize) yield break;
            int filled = 0;
            for (int i = 0; i < _inputs.Count; i++) { floats[i]?.Clear(); int64s[i]?.Clear(); lengths[i].Clear(); }
            while (filled < size && cursor.MoveNext())
            {
                reader.Read(seen + filled);
                for (int i = 0; i < _inputs.Count; i++)
                {
                    if (floats[i] is { } f) f.AddRange(reader.Floats(i));
                    else int64s[i]!.AddRange(reader.Int64s(i));
                    lengths[i].Add(reader.Length(i));
                }
                filled++;
            }
            if (filled == 0 || (_fixedBatch && filled < BatchSize)) yield break;
            var values = new Array[_inputs.Count];
            var shapes = new long[_inputs.Count][];
            for (int i = 0; i < _inputs.Count; i++)
            {
                var input = _inputs[i];
                int longest = lengths[i].Max();
                shapes[i] = input.BatchShape(filled, longest);
                values[i] = floats[i] is { } f ? f.ToArray()
                    : input.RowShape is not null ? int64s[i]!.ToArray()
                    : Padded(int64s[i]!, lengths[i], longest);
            }
            yield return new ModelInputBatch(values, shapes, filled);
            seen += filled;
            if (filled < size) yield break;
        }
    }

    /// <summary>Rows of varying length laid out as [rows, longest], each padded with 0 at its end.</summary>
    private static long[] Padded(List<long> values, List<int> lengths, int longest)
    {
        var padded = new long[(long)lengths.Count * longest];
        int from = 0;
        for (int r = 0; r < lengths.Count; r++)
        {
            for (int k = 0; k < lengths[r]; k++) padded[(long)r * longest + k] = values[from + k];
            from += lengths[r];
        }
        return padded;
    }
}
