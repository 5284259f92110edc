using System;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using TorchSharp;
using static TorchSharp.torch;
using DataType = Microsoft.ML.Pruning.Onnx.Protobuf.TensorProto.Types.DataType;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// Turns ONNX <see cref="TensorProto"/>s (initializers, Constant values, test data) into CPU torch tensors.
/// FLOAT and INT64 are the types graphs we train use; INT32, DOUBLE, UINT8, INT8 and BOOL are read too because
/// constants and the ONNX test suite carry them.
/// </summary>
internal static class TensorProtoConversion
{
    /// <summary>Whether <see cref="ToTorch"/> reads tensors of this ONNX data type.</summary>
    public static bool IsSupported(int dataType) => (DataType)dataType is
        DataType.Float or DataType.Int64 or DataType.Int32 or DataType.Double or DataType.Uint8 or DataType.Int8 or DataType.Bool;

    /// <summary>The torch element type of an ONNX data type <see cref="IsSupported"/> accepts, or null for any other.</summary>
    public static ScalarType? ScalarTypeOf(int dataType) => (DataType)dataType switch
    {
        DataType.Float => ScalarType.Float32,
        DataType.Int64 => ScalarType.Int64,
        DataType.Int32 => ScalarType.Int32,
        DataType.Double => ScalarType.Float64,
        DataType.Uint8 => ScalarType.Byte,
        DataType.Int8 => ScalarType.Int8,
        DataType.Bool => ScalarType.Bool,
        _ => null,
    };

    /// <summary>A new CPU tensor holding the values of <paramref name="proto"/> (the caller owns it).</summary>
    public static Tensor ToTorch(TensorProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        long[] dims = OnnxTensor.Shape(proto);
        switch ((DataType)proto.DataType)
        {
            case DataType.Float:
                return torch.tensor(OnnxTensor.ToFloatArray(proto), dims);
            case DataType.Int64:
                return torch.tensor(OnnxTensor.ToInt64Array(proto), dims);
            case DataType.Int32:
                {
                    using var wide = torch.tensor(OnnxTensor.ToInt64Array(proto), dims);
                    return wide.to(ScalarType.Int32);
                }
            case DataType.Double:
                return torch.tensor(ReadDoubles(proto), dims);
            case DataType.Uint8:
                return torch.tensor(ReadBytes(proto), dims);
            case DataType.Int8:
                {
                    var bytes = ReadBytes(proto);
                    return torch.tensor(MemoryMarshal.Cast<byte, sbyte>(bytes).ToArray(), dims);
                }
            case DataType.Bool:
                {
                    var bytes = ReadBytes(proto);
                    var values = new bool[bytes.Length];
                    for (int i = 0; i < bytes.Length; i++) values[i] = bytes[i] != 0;
                    return torch.tensor(values, dims);
                }
            default:
                throw new NotSupportedException(
                    $"Tensor '{proto.Name}' has element type {OnnxElementType.Name(proto.DataType)}; the Torch engine reads FLOAT, INT64, INT32, DOUBLE, UINT8, INT8 and BOOL tensors.");
        }
    }

    /// <summary>One byte per element: raw data, or int32_data as ONNX stores the small integer types and BOOL.</summary>
    private static byte[] ReadBytes(TensorProto proto)
    {
        int count = Count(proto);
        if (proto.HasRawData)
        {
            if (proto.RawData.Length != count)
                throw new InvalidDataException($"Tensor '{proto.Name}' has {proto.RawData.Length} bytes of raw_data; its dims require {count}.");
            return proto.RawData.ToByteArray();
        }
        if (proto.Int32Data.Count != count)
            throw new InvalidDataException($"Tensor '{proto.Name}' stores {proto.Int32Data.Count} values; its dims require {count}.");
        var result = new byte[count];
        for (int i = 0; i < count; i++) result[i] = unchecked((byte)proto.Int32Data[i]);
        return result;
    }

    private static double[] ReadDoubles(TensorProto proto)
    {
        int count = Count(proto);
        if (proto.HasRawData)
        {
            if (proto.RawData.Length != count * sizeof(double))
                throw new InvalidDataException($"Tensor '{proto.Name}' has {proto.RawData.Length} bytes of raw_data; its dims require {count * sizeof(double)}.");
            var values = new double[count];
            proto.RawData.Span.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
            if (!BitConverter.IsLittleEndian)
                for (int i = 0; i < count; i++) values[i] = BitConverter.Int64BitsToDouble(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(BitConverter.DoubleToInt64Bits(values[i])));
            return values;
        }
        if (proto.DoubleData.Count != count)
            throw new InvalidDataException($"Tensor '{proto.Name}' stores {proto.DoubleData.Count} values; its dims require {count}.");
        return [.. proto.DoubleData];
    }

    private static int Count(TensorProto proto)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidDataException($"Tensor '{proto.Name}' is stored externally; load the model from its path so external data is resolved.");
        long count = OnnxTensor.ElementCount(proto);
        if (count > Array.MaxLength)
            throw new InvalidDataException($"Tensor '{proto.Name}' has {count} elements, more than one array can hold.");
        return (int)count;
    }
}
