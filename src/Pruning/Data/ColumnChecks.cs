using System;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

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
        new(parameter, MismatchMessage(name, expected, actual));

    private static string MismatchMessage(string name, string expected, DataViewType actual) =>
        $"Schema mismatch for input column '{name}': expected {expected}, got {actual}";

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

    /// <summary>
    /// Checks, without building a scorer, that a column can feed the model input of the same name: its item type is
    /// the input's element type and, when both sizes are known, it has as many values per row as the input (its
    /// dimensions after the batch dimension) holds. Inputs the graph does not declare are left to the scorer.
    /// <paramref name="shape"/> (from <see cref="PruningOptions.InputShapes"/>) replaces the declared shape.
    /// </summary>
    public static void ModelInput(OnnxModel model, DataViewSchema schema, string name, string parameter, int[]? shape = null)
    {
        var column = Find(schema, name, parameter);
        var declared = model.Graph.Input.FirstOrDefault(i => i.Name == name);
        if (declared?.Type?.TensorType is not { } tensor) return;
        DataViewType? item = (TensorProto.Types.DataType)tensor.ElemType switch
        {
            TensorProto.Types.DataType.Float => NumberDataViewType.Single,
            TensorProto.Types.DataType.Double => NumberDataViewType.Double,
            TensorProto.Types.DataType.Int64 => NumberDataViewType.Int64,
            TensorProto.Types.DataType.Int32 => NumberDataViewType.Int32,
            TensorProto.Types.DataType.Bool => BooleanDataViewType.Instance,
            TensorProto.Types.DataType.String => TextDataViewType.Instance,
            _ => null,
        };
        if (item is null) return;
        var actualItem = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
        long?[] dims = shape?.Select(d => d > 0 ? d : (long?)null).ToArray() ?? model.GetShape(name) ?? [];
        long perRow = 1;
        bool known = dims.Length > 1;
        foreach (var d in dims.Skip(1)) { if (d is long k and > 0) perRow *= k; else known = false; }
        string expected = known ? $"Vector<{item}, {perRow}>" : $"vector of {item}";
        string declaredShape = $"[{string.Join(", ", dims.Select(d => d?.ToString() ?? "?"))}]";
        int size = column.Type is VectorDataViewType vector ? vector.Size : 1;
        if (!actualItem.Equals(item) || (known && size != 0 && size != perRow))
            throw new ArgumentOutOfRangeException(parameter,
                $"{MismatchMessage(name, expected, column.Type)} (model input '{name}' has shape {(dims.Length == 0 ? "undeclared" : declaredShape)}{(shape is null ? "" : ", from InputShapes")}).");
    }
}
