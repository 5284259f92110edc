using System.IO;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>Facts about ONNX tensor element types (<see cref="TensorProto.Types.DataType"/>).</summary>
public static class OnnxElementType
{
    /// <summary>Bytes per element in <c>raw_data</c>, or 0 for types without a fixed size (STRING) or sub-byte packing.</summary>
    public static int SizeInBytes(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Float => 4,
        TensorProto.Types.DataType.Uint8 => 1,
        TensorProto.Types.DataType.Int8 => 1,
        TensorProto.Types.DataType.Uint16 => 2,
        TensorProto.Types.DataType.Int16 => 2,
        TensorProto.Types.DataType.Int32 => 4,
        TensorProto.Types.DataType.Int64 => 8,
        TensorProto.Types.DataType.Bool => 1,
        TensorProto.Types.DataType.Float16 => 2,
        TensorProto.Types.DataType.Double => 8,
        TensorProto.Types.DataType.Uint32 => 4,
        TensorProto.Types.DataType.Uint64 => 8,
        TensorProto.Types.DataType.Complex64 => 8,
        TensorProto.Types.DataType.Complex128 => 16,
        TensorProto.Types.DataType.Bfloat16 => 2,
        TensorProto.Types.DataType.Float8E4M3Fn => 1,
        TensorProto.Types.DataType.Float8E4M3Fnuz => 1,
        TensorProto.Types.DataType.Float8E5M2 => 1,
        TensorProto.Types.DataType.Float8E5M2Fnuz => 1,
        TensorProto.Types.DataType.Float8E8M0 => 1,
        _ => 0,
    };

    /// <summary>
    /// Bits per element for types stored at a fixed width, including the packed sub-byte types (INT4, UINT4,
    /// FLOAT4E2M1: 4; INT2, UINT2: 2); 0 for STRING, UNDEFINED and types this library does not know.
    /// </summary>
    public static int BitsPerElement(int dataType) => (TensorProto.Types.DataType)dataType switch
    {
        TensorProto.Types.DataType.Uint4 or TensorProto.Types.DataType.Int4 or TensorProto.Types.DataType.Float4E2M1 => 4,
        TensorProto.Types.DataType.Uint2 or TensorProto.Types.DataType.Int2 => 2,
        _ => SizeInBytes(dataType) * 8,
    };

    /// <summary>
    /// The exact <c>raw_data</c> length in bytes that <paramref name="elementCount"/> elements need (sub-byte types
    /// are packed, the last byte padded), or null when the type has no fixed width. Throws
    /// <see cref="System.OverflowException"/> when the byte count does not fit 64 bits.
    /// </summary>
    /// <example><code>long? bytes = OnnxElementType.RawDataLength((int)TensorProto.Types.DataType.Float, 6); // 24</code></example>
    public static long? RawDataLength(int dataType, long elementCount)
    {
        int bits = BitsPerElement(dataType);
        if (bits == 0) return null;
        return bits % 8 == 0 ? checked(elementCount * (bits / 8)) : checked((elementCount * bits + 7) / 8);
    }

    /// <summary>The ONNX name of a data type, e.g. "FLOAT", for messages.</summary>
    public static string Name(int dataType) =>
        System.Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType)
            ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant()
            : $"data type {dataType}";

    internal static InvalidDataException Unsupported(string tensorName, int dataType, string wanted) =>
        new($"Tensor '{tensorName}' has element type {Name(dataType)}; {wanted} was expected.");
}
