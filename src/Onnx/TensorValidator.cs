using System;
using System.IO;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using DataType = Microsoft.ML.Pruning.Onnx.Protobuf.TensorProto.Types.DataType;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Checks that a <see cref="TensorProto"/> from an untrusted file is self-consistent before anything reads it:
/// dims, storage field, and the amount of data against what the dims promise. Never allocates from the dims.
/// </summary>
internal static class TensorValidator
{
    /// <summary>Throws <see cref="InvalidDataException"/> naming the tensor and <paramref name="context"/>.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <param name="context">Where it sits, e.g. "initializer of graph 'main' in ONNX file '/m.onnx'"; described only if a check fails.</param>
    public static void Validate(TensorProto tensor, Place context)
    {
        long count = ElementCount(tensor, context);
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
        {
            string location = "";
            foreach (var entry in tensor.ExternalData)
                if (entry.Key == "location") location = entry.Value;
            throw Fail(tensor, context,
                $"is stored externally (location '{location}'); load the model with OnnxModel.Load(path) so external data can be read from beside the model file");
        }

        var stored = StoredField(tensor, context);
        int dataType = tensor.DataType;
        if (stored is null)
        {
            // ONNX's checker requires a value field for every non-empty tensor.
            if (count != 0)
                throw Fail(tensor, context, $"has dims {Dims(tensor)} ({count} elements) but no values");
            return;
        }
        if (count == 0 && StoredCount(tensor, stored) != 0)
            throw Fail(tensor, context, $"has dims {Dims(tensor)} (0 elements) but stores values in {stored}");

        if (stored == "raw_data")
        {
            if (dataType == (int)DataType.String)
                throw Fail(tensor, context, "is a STRING tensor; STRING values cannot be stored in raw_data");
            long? expected;
            try { expected = OnnxElementType.RawDataLength(dataType, count); }
            catch (OverflowException) { throw Fail(tensor, context, $"has dims {Dims(tensor)} whose byte size overflows 64 bits"); }
            if (expected is long bytes && bytes != tensor.RawData.Length)
                throw Fail(tensor, context,
                    $"has {tensor.RawData.Length} bytes of raw_data; dims {Dims(tensor)} × {OnnxElementType.Name(dataType)} require {bytes}");
            return;
        }

        var (field, perElementNumerator, perElementDenominator) = TypedField(dataType);
        if (field is null)
            return; // A type this library does not know: no rule to check it against.
        if (field != stored)
            throw Fail(tensor, context, $"is {OnnxElementType.Name(dataType)} but stores its values in {stored}; ONNX stores them in {field}");
        long expectedCount;
        try { expectedCount = checked(count * perElementNumerator + perElementDenominator - 1) / perElementDenominator; }
        catch (OverflowException) { throw Fail(tensor, context, $"has dims {Dims(tensor)} whose value count overflows 64 bits"); }
        int actual = StoredCount(tensor, stored);
        if (actual != expectedCount)
            throw Fail(tensor, context, $"stores {actual} values in {stored}; dims {Dims(tensor)} require {expectedCount}");
    }

    /// <summary>The element count of the dims, rejecting negative dims and 64-bit overflow.</summary>
    public static long ElementCount(TensorProto tensor, Place context)
    {
        long count = 1;
        for (int i = 0; i < tensor.Dims.Count; i++)
        {
            long d = tensor.Dims[i];
            if (d < 0)
                throw Fail(tensor, context, $"has negative dimension {d} at axis {i}");
            try { count = checked(count * d); }
            catch (OverflowException) { throw Fail(tensor, context, $"has dims {Dims(tensor)} whose element count overflows 64 bits"); }
        }
        return count;
    }

    internal static string Dims(TensorProto tensor) => $"[{string.Join(", ", tensor.Dims)}]";

    internal static InvalidDataException Fail(TensorProto tensor, Place context, string problem) =>
        new($"Tensor '{tensor.Name}' ({context}) {problem}.");

    /// <summary>The one value field in use, or null for none; two or more is ambiguous and rejected.</summary>
    private static string? StoredField(TensorProto tensor, Place context)
    {
        string? found = null;
        int fields = 0;
        void Consider(bool present, string name)
        {
            if (!present) return;
            fields++;
            found = found is null ? name : $"{found} and {name}";
        }
        Consider(tensor.HasRawData, "raw_data");
        Consider(tensor.FloatData.Count > 0, "float_data");
        Consider(tensor.Int32Data.Count > 0, "int32_data");
        Consider(tensor.StringData.Count > 0, "string_data");
        Consider(tensor.Int64Data.Count > 0, "int64_data");
        Consider(tensor.DoubleData.Count > 0, "double_data");
        Consider(tensor.Uint64Data.Count > 0, "uint64_data");
        if (fields > 1)
            throw Fail(tensor, context, $"stores values in both {found}; exactly one value field is allowed");
        return found;
    }

    private static int StoredCount(TensorProto tensor, string field) => field switch
    {
        "raw_data" => tensor.RawData.Length,
        "float_data" => tensor.FloatData.Count,
        "int32_data" => tensor.Int32Data.Count,
        "string_data" => tensor.StringData.Count,
        "int64_data" => tensor.Int64Data.Count,
        "double_data" => tensor.DoubleData.Count,
        _ => tensor.Uint64Data.Count,
    };

    /// <summary>
    /// The typed field the spec assigns to a data type, and how many stored values make one element
    /// (numerator/denominator: complex types take two, packed sub-byte types share one int32 per 8 bits).
    /// </summary>
    private static (string? Field, int Numerator, int Denominator) TypedField(int dataType) => (DataType)dataType switch
    {
        DataType.Float => ("float_data", 1, 1),
        DataType.Complex64 => ("float_data", 2, 1),
        DataType.Double => ("double_data", 1, 1),
        DataType.Complex128 => ("double_data", 2, 1),
        DataType.Int64 => ("int64_data", 1, 1),
        DataType.Uint32 or DataType.Uint64 => ("uint64_data", 1, 1),
        DataType.String => ("string_data", 1, 1),
        DataType.Int32 or DataType.Int16 or DataType.Int8 or DataType.Uint16 or DataType.Uint8 or DataType.Bool
            or DataType.Float16 or DataType.Bfloat16 or DataType.Float8E4M3Fn or DataType.Float8E4M3Fnuz
            or DataType.Float8E5M2 or DataType.Float8E5M2Fnuz or DataType.Float8E8M0 => ("int32_data", 1, 1),
        DataType.Uint4 or DataType.Int4 or DataType.Float4E2M1 => ("int32_data", 1, 2),
        DataType.Uint2 or DataType.Int2 => ("int32_data", 1, 4),
        _ => (null, 1, 1),
    };
}
