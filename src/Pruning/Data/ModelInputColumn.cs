using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Data;

/// <summary>
/// How one <see cref="IDataView"/> column feeds the model input of the same name, resolved by
/// <see cref="ModelInputColumns.Resolve"/>: element type, row shape (the input's shape without the batch dimension),
/// and the descriptions messages need.
/// </summary>
/// <param name="Name">Column and model input name.</param>
/// <param name="ElementType">FLOAT or INT64.</param>
/// <param name="RowShape">Shape of every row; null for token rows of varying length (padded per batch with 0).</param>
/// <param name="FixedBatch">The input's declared batch dimension when it is a number, else null.</param>
/// <param name="DeclaredShape">The input's declared shape in words, e.g. "[N, 3, 224, 224]" or "undeclared".</param>
/// <param name="ColumnType">The column's type in words, e.g. "Vector&lt;Single, 784&gt;".</param>
/// <param name="LengthDimension">For rows of varying length: the symbolic name of the input's sequence axis (inputs
/// sharing it must have rows of equal length), or null.</param>
internal sealed record ModelInputColumn(
    string Name, TrainingElementType ElementType, int[]? RowShape, long? FixedBatch, string DeclaredShape, string ColumnType,
    string? LengthDimension)
{
    /// <summary>Values per row for a fixed row shape; 0 when rows vary.</summary>
    public int Width => RowShape is null ? 0 : RowShape.Aggregate(1, (a, b) => a * b);

    /// <summary>"column 'X' (Vector&lt;Single, 783&gt;) → model input 'X' [N, 784]" for messages.</summary>
    public string Describe() => $"column '{Name}' ({ColumnType}) for model input '{Name}' of shape {DeclaredShape}";

    /// <summary>The shape of a batch of <paramref name="rows"/> rows, the longest <paramref name="length"/> values long when rows vary.</summary>
    public long[] BatchShape(int rows, int length) => RowShape is null ? [rows, length] : [rows, .. RowShape.Select(d => (long)d)];

}
