using System;
using System.Buffers.Binary;
using System.IO;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Reads and builds the numeric content of <see cref="TensorProto"/>s, whichever of ONNX's storage fields
/// (<c>raw_data</c> or the typed <c>*_data</c> fields) a producer chose. Raw data is little-endian by spec.
/// </summary>
public static class OnnxTensor
{
    /// <summary>Number of elements the tensor's dims describe; throws on negative dims or overflow.</summary>
    public static long ElementCount(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return ElementCount(tensor.Dims, tensor.Name);
    }

    /// <summary>Number of elements of a shape; throws <see cref="InvalidDataException"/> on negative dims or overflow.</summary>
    public static long ElementCount(System.Collections.Generic.IReadOnlyList<long> dims, string tensorName)
    {
        long count = 1;
        for (int i = 0; i < dims.Count; i++)
        {
            long d = dims[i];
            if (d < 0)
                throw new InvalidDataException($"Tensor '{tensorName}' has negative dimension {d} at axis {i}.");
            try { count = checked(count * d); }
            catch (OverflowException) { throw new InvalidDataException($"Tensor '{tensorName}' dims overflow a 64-bit element count."); }
        }
        return count;
    }

    /// <summary>The dims as an array.</summary>
    public static long[] Shape(TensorProto tensor) => [.. tensor.Dims];

    /// <summary>Reads a FLOAT tensor's values.</summary>
    public static float[] ToFloatArray(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw OnnxElementType.Unsupported(tensor.Name, tensor.DataType, "FLOAT");
        int count = CheckedCount(tensor);
        if (tensor.HasRawData)
        {
            var result = new float[count];
            CopyRaw(tensor, MemoryMarshal.AsBytes(result.AsSpan()), 4);
            return result;
        }
        CheckTypedCount(tensor, tensor.FloatData.Count, count);
        var values = new float[count];
        tensor.FloatData.CopyTo(values, 0);
        return values;
    }

    /// <summary>Reads an INT64 tensor's values (INT32 is widened).</summary>
    public static long[] ToInt64Array(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        int count = CheckedCount(tensor);
        switch ((TensorProto.Types.DataType)tensor.DataType)
        {
            case TensorProto.Types.DataType.Int64:
                if (tensor.HasRawData)
                {
                    var result = new long[count];
                    CopyRaw(tensor, MemoryMarshal.AsBytes(result.AsSpan()), 8);
                    return result;
                }
                CheckTypedCount(tensor, tensor.Int64Data.Count, count);
                return [.. tensor.Int64Data];
            case TensorProto.Types.DataType.Int32:
                if (tensor.HasRawData)
                {
                    var ints = new int[count];
                    CopyRaw(tensor, MemoryMarshal.AsBytes(ints.AsSpan()), 4);
                    return Array.ConvertAll(ints, v => (long)v);
                }
                CheckTypedCount(tensor, tensor.Int32Data.Count, count);
                var widened = new long[count];
                for (int i = 0; i < count; i++) widened[i] = tensor.Int32Data[i];
                return widened;
            default:
                throw OnnxElementType.Unsupported(tensor.Name, tensor.DataType, "INT64 or INT32");
        }
    }

    /// <summary>Builds a FLOAT tensor stored as raw little-endian data.</summary>
    public static TensorProto FromFloats(string name, ReadOnlySpan<float> values, ReadOnlySpan<long> dims)
    {
        var tensor = NewTensor(name, TensorProto.Types.DataType.Float, values.Length, dims);
        // ONNX's checker rejects a 0-element tensor that sets any value field, even an empty one.
        if (values.Length > 0) tensor.RawData = UnsafeByteOperations.UnsafeWrap(ToLittleEndianBytes(values));
        return tensor;
    }

    /// <summary>Builds an INT64 tensor stored as raw little-endian data.</summary>
    public static TensorProto FromInt64s(string name, ReadOnlySpan<long> values, ReadOnlySpan<long> dims)
    {
        var tensor = NewTensor(name, TensorProto.Types.DataType.Int64, values.Length, dims);
        if (values.Length > 0) tensor.RawData = UnsafeByteOperations.UnsafeWrap(ToLittleEndianBytes(values));
        return tensor;
    }

    /// <summary>
    /// Replaces a FLOAT tensor's values in place, keeping its name, dims, doc string, metadata and unknown fields.
    /// </summary>
    public static void SetFloats(TensorProto tensor, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.DataType != (int)TensorProto.Types.DataType.Float)
            throw OnnxElementType.Unsupported(tensor.Name, tensor.DataType, "FLOAT");
        int count = CheckedCount(tensor);
        if (values.Length != count)
            throw new ArgumentException($"Tensor '{tensor.Name}' holds {count} values; {values.Length} were given.", nameof(values));
        if (tensor.HasRawData)
        {
            tensor.RawData = UnsafeByteOperations.UnsafeWrap(ToLittleEndianBytes(values));
            return;
        }
        tensor.FloatData.Clear();
        tensor.FloatData.AddRange(values.ToArray());
    }

    /// <summary>
    /// The values of a tensor of any byte-aligned fixed-size type as little-endian bytes (what <c>raw_data</c>
    /// holds), whichever storage field the producer used. Used where the element type does not matter (sparse
    /// conversion). The returned array may be shared with the tensor's immutable raw_data; do not modify it.
    /// </summary>
    internal static ReadOnlyMemory<byte> ToRawBytes(TensorProto tensor)
    {
        int size = OnnxElementType.SizeInBytes(tensor.DataType);
        if (size == 0)
            throw OnnxElementType.Unsupported(tensor.Name, tensor.DataType, "a fixed-size, byte-aligned type");
        int count = CheckedCount(tensor);
        if ((long)count * size > Array.MaxLength)
            throw new InvalidDataException($"Tensor '{tensor.Name}' needs {(long)count * size} bytes, more than one array can hold.");
        if (tensor.HasRawData)
        {
            if (tensor.RawData.Length != count * size)
                throw new InvalidDataException(
                    $"Tensor '{tensor.Name}' has {tensor.RawData.Length} bytes of raw_data; dims × element size require {count * size}.");
            return tensor.RawData.Memory;
        }
        var bytes = new byte[count * size];
        var span = bytes.AsSpan();
        switch ((TensorProto.Types.DataType)tensor.DataType)
        {
            case TensorProto.Types.DataType.Float:
            case TensorProto.Types.DataType.Complex64:
                CheckTypedCount(tensor, tensor.FloatData.Count, count * size / 4);
                for (int i = 0; i < tensor.FloatData.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], tensor.FloatData[i]);
                break;
            case TensorProto.Types.DataType.Double:
            case TensorProto.Types.DataType.Complex128:
                CheckTypedCount(tensor, tensor.DoubleData.Count, count * size / 8);
                for (int i = 0; i < tensor.DoubleData.Count; i++) BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], tensor.DoubleData[i]);
                break;
            case TensorProto.Types.DataType.Int64:
                CheckTypedCount(tensor, tensor.Int64Data.Count, count);
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], tensor.Int64Data[i]);
                break;
            case TensorProto.Types.DataType.Uint64:
            case TensorProto.Types.DataType.Uint32:
                CheckTypedCount(tensor, tensor.Uint64Data.Count, count);
                for (int i = 0; i < count; i++)
                {
                    if (size == 8) BinaryPrimitives.WriteUInt64LittleEndian(span[(i * 8)..], tensor.Uint64Data[i]);
                    else BinaryPrimitives.WriteUInt32LittleEndian(span[(i * 4)..], unchecked((uint)tensor.Uint64Data[i]));
                }
                break;
            default:
                // Every other byte-aligned type keeps its bit pattern in the low bytes of int32_data.
                CheckTypedCount(tensor, tensor.Int32Data.Count, count);
                Span<byte> word = stackalloc byte[4];
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(word, tensor.Int32Data[i]);
                    word[..size].CopyTo(span[(i * size)..]);
                }
                break;
        }
        return bytes;
    }

    private static TensorProto NewTensor(string name, TensorProto.Types.DataType type, int count, ReadOnlySpan<long> dims)
    {
        ArgumentNullException.ThrowIfNull(name);
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        foreach (long d in dims) tensor.Dims.Add(d);
        if (ElementCount(tensor) != count)
            throw new ArgumentException($"Tensor '{name}': {count} values do not fill dims [{string.Join(", ", dims.ToArray())}].");
        return tensor;
    }

    private static byte[] ToLittleEndianBytes<T>(ReadOnlySpan<T> values) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values).ToArray();
        if (!BitConverter.IsLittleEndian) ReverseEach(bytes, System.Runtime.CompilerServices.Unsafe.SizeOf<T>());
        return bytes;
    }

    private static void CopyRaw(TensorProto tensor, Span<byte> destination, int elementSize)
    {
        var raw = tensor.RawData.Span;
        if (raw.Length != destination.Length)
            throw new InvalidDataException(
                $"Tensor '{tensor.Name}' has {raw.Length} bytes of raw_data; dims × element size require {destination.Length}.");
        raw.CopyTo(destination);
        if (!BitConverter.IsLittleEndian) ReverseEach(destination, elementSize);
    }

    private static void ReverseEach(Span<byte> bytes, int size)
    {
        for (int i = 0; i + size <= bytes.Length; i += size) bytes.Slice(i, size).Reverse();
    }

    private static int CheckedCount(TensorProto tensor)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidDataException($"Tensor '{tensor.Name}' is stored externally; load the model from its path so external data is resolved.");
        long count = ElementCount(tensor);
        if (count > Array.MaxLength)
            throw new InvalidDataException($"Tensor '{tensor.Name}' has {count} elements, more than one array can hold.");
        return (int)count;
    }

    private static void CheckTypedCount(TensorProto tensor, int stored, int expected)
    {
        if (stored != expected)
            throw new InvalidDataException($"Tensor '{tensor.Name}' stores {stored} values; its dims require {expected}.");
    }
}
