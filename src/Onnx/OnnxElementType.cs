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
        _ => 0,
    };

    /// <summary>The ONNX name of a data type, e.g. "FLOAT", for messages.</summary>
    public static string Name(int dataType) =>
        System.Enum.IsDefined(typeof(TensorProto.Types.DataType), dataType)
            ? ((TensorProto.Types.DataType)dataType).ToString().ToUpperInvariant()
            : $"data type {dataType}";

    internal static InvalidDataException Unsupported(string tensorName, int dataType, string wanted) =>
        new($"Tensor '{tensorName}' has element type {Name(dataType)}; {wanted} was expected.");
}
