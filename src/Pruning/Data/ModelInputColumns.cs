using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Data;

/// <summary>
/// Resolves, before any row is read, how each input column feeds the model input of the same name: FLOAT inputs take
/// Single columns (a scalar, or a vector of known size shaped as the input declares, e.g. 150528 values as [3, 224, 224];
/// one symbolic dimension is solved from the column's size); INT64 inputs take Int64 columns, of known size or of
/// varying size (token rows, padded per batch to the longest with 0). The Int64 column type is required because the
/// ML.NET scorer the estimator emits feeds INT64 inputs from Int64 columns only (convert others with
/// <c>ConvertType(…, DataKind.Int64)</c>). Mismatches name the column, the model input and both shapes.
/// </summary>
internal static class ModelInputColumns
{
    /// <exception cref="ArgumentOutOfRangeException">A column is missing, of the wrong type, or does not fit the input's shape.</exception>
    /// <exception cref="NotSupportedException">A model input is neither FLOAT nor INT64.</exception>
    /// <param name="model">The model.</param>
    /// <param name="schema">The data's schema.</param>
    /// <param name="names">The input columns.</param>
    /// <param name="parameter">The option naming them, for messages.</param>
    /// <param name="inputShapes">Shapes replacing declared ones (<see cref="PruningOptions.InputShapes"/>: full shape, batch first).</param>
    public static IReadOnlyList<ModelInputColumn> Resolve(OnnxModel model, DataViewSchema schema, IReadOnlyList<string> names, string parameter,
        IDictionary<string, int[]>? inputShapes = null)
    {
        var result = new List<ModelInputColumn>(names.Count);
        foreach (string name in names)
        {
            var column = ColumnChecks.Find(schema, name, parameter);
            var declared = model.Graph.Input.FirstOrDefault(i => i.Name == name && !model.HasInitializer(i.Name))
                ?? throw new ArgumentOutOfRangeException(parameter, name,
                    $"Column '{name}' names no input of the model. Model inputs: {string.Join(", ", model.Graph.Input.Where(i => !model.HasInitializer(i.Name)).Select(i => i.Name))}.");
            result.Add(ResolveOne(declared, column, parameter, (inputShapes is not null && inputShapes.TryGetValue(name, out var given) ? given : null)));
        }
        long?[] batches = [.. result.Select(r => r.FixedBatch).Where(b => b is not null).Distinct()];
        if (batches.Length > 1)
            throw new NotSupportedException(
                $"Model inputs declare different fixed batch sizes ({string.Join(", ", result.Where(r => r.FixedBatch is not null).Select(r => $"'{r.Name}': {r.FixedBatch}"))}).");
        return result;
    }

    private static ModelInputColumn ResolveOne(ValueInfoProto declared, DataViewSchema.Column column, string parameter, int[]? explicitShape)
    {
        string name = column.Name;
        var tensor = declared.Type?.TensorType;
        var item = column.Type is VectorDataViewType v ? v.ItemType : column.Type;
        TrainingElementType elementType = (TensorProto.Types.DataType)(tensor?.ElemType ?? 0) switch
        {
            TensorProto.Types.DataType.Float => TrainingElementType.Float,
            TensorProto.Types.DataType.Int64 => TrainingElementType.Int64,
            TensorProto.Types.DataType.Undefined when item == NumberDataViewType.Single => TrainingElementType.Float,
            TensorProto.Types.DataType.Undefined when item == NumberDataViewType.Int64 => TrainingElementType.Int64,
            var other => throw new NotSupportedException(
                $"Model input '{name}' is {OnnxElementType.Name((int)other)}; pruning feeds FLOAT inputs (from Single columns) and INT64 inputs (from Int64 columns)."),
        };
        var expectedItem = elementType == TrainingElementType.Float ? NumberDataViewType.Single : NumberDataViewType.Int64;
        var dims = tensor?.Shape?.Dim.Select(d => (Value: d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && d.DimValue > 0 ? d.DimValue : (long?)null, Param: d.DimParam)).ToArray();
        string shape = dims is null ? "undeclared" : $"[{string.Join(", ", dims.Select(d => d.Value?.ToString() ?? (string.IsNullOrEmpty(d.Param) ? "?" : d.Param)))}]";
        if (dims is { Length: 0 })
            throw new ArgumentOutOfRangeException(parameter, name, $"Model input '{name}' is a scalar (shape []); pruning feeds inputs with a batch dimension first.");
        int? size = column.Type switch
        {
            VectorDataViewType vector => vector.IsKnownSize ? vector.Size : null,
            _ => 1,
        };
        if (!item.Equals(expectedItem) || (size is null && elementType == TrainingElementType.Float))
            throw ColumnChecks.Mismatch(parameter, name,
                $"{(elementType == TrainingElementType.Float ? "known-size vector of Single" : "vector of Int64")} for model input '{name}' ({OnnxElementType.Name(tensor?.ElemType ?? 0)} {shape})",
                column.Type);

        if (explicitShape is not null)
        {
            // The option's shape replaces the declared one; where the model declares a dimension, both must agree.
            string given = $"[{string.Join(", ", explicitShape)}]";
            if (dims is not null && (dims.Length != explicitShape.Length
                || dims.Zip(explicitShape).Skip(1).Any(p => p.First.Value is long d && d != p.Second)))
                throw new ArgumentOutOfRangeException(nameof(PruningOptions.InputShapes),
                    $"InputShapes['{name}'] is {given}, which model input '{name}' of shape {shape} does not allow.");
            dims = [.. explicitShape.Select((d, i) => (Value: i == 0 ? dims?[0].Value : (long?)d, Param: ""))];
            shape = $"{given} (InputShapes)";
        }
        long? batch = dims?[0].Value;
        var rest = dims?.Skip(1).ToArray();
        string columnType = column.Type.ToString() ?? "";
        string Misfit(string why) => $"Column '{name}' ({columnType}) does not fit model input '{name}' of shape {shape}: {why}";

        if (size is int width)
        {
            if (rest is null) return new(name, elementType, [width], batch, shape, columnType, null);
            int unknown = rest.Count(d => d.Value is null);
            long known = rest.Where(d => d.Value is not null).Aggregate(1L, (a, d) => a * d.Value!.Value);
            if (unknown == 0 && known == width)
                return new(name, elementType, [.. rest.Select(d => checked((int)d.Value!.Value))], batch, shape, columnType, null);
            if (unknown == 0)
                throw new ArgumentOutOfRangeException(parameter, Misfit($"the column has {width} values per row, the input {known}."));
            if (unknown == 1 && width % known == 0)
                return new(name, elementType, [.. rest.Select(d => d.Value is long k ? checked((int)k) : (int)(width / known))], batch, shape, columnType, null);
            throw new ArgumentOutOfRangeException(parameter, unknown == 1
                ? Misfit($"{width} values per row are not a whole number of the {known} values the known dimensions hold.")
                : Misfit($"{unknown} dimensions after the batch are unknown, so {width} values per row have no single shape; give the shape in {nameof(PruningOptions.InputShapes)}['{name}']."));
        }

        // An Int64 column of varying size: token rows.
        if (rest is null || (rest.Length == 1 && rest[0].Value is null))
            return new(name, elementType, null, batch, shape, columnType, rest is null || string.IsNullOrEmpty(rest[0].Param) ? null : rest[0].Param);
        if (rest.All(d => d.Value is not null))
            return new(name, elementType, [.. rest.Select(d => checked((int)d.Value!.Value))], batch, shape, columnType, null);
        throw new ArgumentOutOfRangeException(parameter,
            Misfit($"rows of varying size feed an input of one sequence axis ([batch, sequence]) or of fixed dimensions only; give the shape in {nameof(PruningOptions.InputShapes)}['{name}']."));
    }
}
