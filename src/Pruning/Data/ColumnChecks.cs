using System;
using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning.Data;

/// <summary>Schema checks worded as ML.NET's own estimators word them.</summary>
internal static class ColumnChecks
{
    public static DataViewSchema.Column Find(DataViewSchema schema, string name, string parameter)
    {
        var column = schema.GetColumnOrNull(name);
        if (column is null)
            throw new ArgumentOutOfRangeException(parameter, name, $"Could not find input column '{name}'");
        return column.Value;
    }

    public static ArgumentOutOfRangeException Mismatch(string parameter, string name, string expected, DataViewType actual) =>
        new(parameter, $"Schema mismatch for input column '{name}': expected {expected}, got {actual}");

    /// <summary>A known-size vector of Single (or a Single scalar, one feature); returns the feature count.</summary>
    public static int KnownSizeSingleVector(DataViewSchema schema, string name, string parameter)
    {
        var column = Find(schema, name, parameter);
        switch (column.Type)
        {
            case NumberDataViewType n when n == NumberDataViewType.Single:
                return 1;
            case VectorDataViewType v when v.ItemType == NumberDataViewType.Single && v.IsKnownSize:
                return v.Size;
            default:
                throw Mismatch(parameter, name, "known-size vector of Single", column.Type);
        }
    }
}
