using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// One model input's rows held in memory for training: FLOAT or INT64 values, row-major, each row of a fixed
/// <see cref="RowShape"/> (a batch is fed as [rows, …RowShape]) or, for token sequences, of its own length
/// (a batch is fed as [rows, longest row of the batch], shorter rows padded with 0, which is what BERT-style exports
/// expect of input_ids, attention_mask and token_type_ids: 0 is [PAD] and a masked position).
/// </summary>
/// <example>
/// <code>
/// var pixels = TrainingInput.FromFloats("image", values, [1, 28, 28]);   // fed as [N, 1, 28, 28]
/// var tokens = TrainingInput.FromInt64Rows("input_ids", ids, offsets);   // fed as [N, longest row]
/// var data = new TrainingData([pixels], labels);
/// </code>
/// </example>
public sealed class TrainingInput
{
    private TrainingInput(string? name, TrainingElementType elementType, float[]? floats, long[]? int64s, int[]? rowShape, int[]? rowOffsets, int rowCount)
    {
        Name = name;
        ElementType = elementType;
        Floats = floats;
        Int64s = int64s;
        RowShape = rowShape;
        RowOffsets = rowOffsets;
        RowCount = rowCount;
        RowWidth = rowShape is null ? 0 : Product(rowShape);
    }

    /// <summary>The model input fed with these rows; null feeds the model's only input.</summary>
    public string? Name { get; }

    /// <summary>FLOAT or INT64.</summary>
    public TrainingElementType ElementType { get; }

    /// <summary>The values when <see cref="ElementType"/> is <see cref="TrainingElementType.Float"/>, else null.</summary>
    public float[]? Floats { get; }

    /// <summary>The values when <see cref="ElementType"/> is <see cref="TrainingElementType.Int64"/>, else null.</summary>
    public long[]? Int64s { get; }

    /// <summary>The shape of every row (the model input's shape without the batch dimension); null when rows vary in length.</summary>
    public IReadOnlyList<int>? RowShape { get; }

    /// <summary>For rows of varying length: where row r starts in the values (RowCount + 1 entries, the last is the total); else null.</summary>
    public IReadOnlyList<int>? RowOffsets { get; }

    /// <summary>Rows.</summary>
    public int RowCount { get; }

    /// <summary>Whether rows vary in length (token sequences padded per batch).</summary>
    public bool IsVariableLength => RowOffsets is not null;

    /// <summary>Values per row when rows have a fixed shape; 0 when they vary.</summary>
    public int RowWidth { get; }

    /// <summary>Float rows of shape <paramref name="rowShape"/> (e.g. [784], or [3, 224, 224] for images), row-major; wraps the array.</summary>
    public static TrainingInput FromFloats(string? name, float[] values, int[] rowShape)
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = CheckFixed(values.Length, rowShape, name);
        return new TrainingInput(name, TrainingElementType.Float, values, null, (int[])rowShape.Clone(), null, rows);
    }

    /// <summary>INT64 rows of shape <paramref name="rowShape"/> (e.g. [128] token ids), row-major; wraps the array.</summary>
    public static TrainingInput FromInt64s(string? name, long[] values, int[] rowShape)
    {
        ArgumentNullException.ThrowIfNull(values);
        int rows = CheckFixed(values.Length, rowShape, name);
        return new TrainingInput(name, TrainingElementType.Int64, null, values, (int[])rowShape.Clone(), null, rows);
    }

    /// <summary>
    /// INT64 rows of varying length, concatenated: row r is values[rowOffsets[r] .. rowOffsets[r + 1]). Each batch is
    /// padded with 0 to its longest row. Wraps the arrays.
    /// </summary>
    public static TrainingInput FromInt64Rows(string? name, long[] values, int[] rowOffsets)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(rowOffsets);
        if (rowOffsets.Length == 0 || rowOffsets[0] != 0 || rowOffsets[^1] != values.Length)
            throw new ArgumentException($"Input '{name}': row offsets must start at 0 and end at the value count ({values.Length}).", nameof(rowOffsets));
        for (int r = 1; r < rowOffsets.Length; r++)
            if (rowOffsets[r] < rowOffsets[r - 1])
                throw new ArgumentException($"Input '{name}': row offsets must not decrease (row {r - 1}).", nameof(rowOffsets));
        return new TrainingInput(name, TrainingElementType.Int64, null, values, null, rowOffsets, rowOffsets.Length - 1);
    }

    /// <summary>Row <paramref name="row"/>'s values: [start, start + length) of <see cref="Floats"/> or <see cref="Int64s"/>.</summary>
    public (int Start, int Length) RowRange(int row) => RowOffsets is { } offsets
        ? (offsets[row], offsets[row + 1] - offsets[row])
        : (row * RowWidth, RowWidth);

    private static int CheckFixed(long valueCount, int[] rowShape, string? name)
    {
        ArgumentNullException.ThrowIfNull(rowShape);
        foreach (int d in rowShape)
            if (d <= 0) throw new ArgumentOutOfRangeException(nameof(rowShape), $"Input '{name}': row shape [{string.Join(", ", rowShape)}] must have positive dimensions.");
        int width = Product(rowShape);
        if (valueCount % width != 0)
            throw new ArgumentException($"Input '{name}': {valueCount} values are not whole rows of shape [{string.Join(", ", rowShape)}] ({width} values each).", nameof(rowShape));
        return checked((int)(valueCount / width));
    }

    private static int Product(IReadOnlyList<int> shape)
    {
        long product = 1;
        foreach (int d in shape) product *= d;
        return checked((int)product);
    }
}
