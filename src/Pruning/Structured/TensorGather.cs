using System;
using System.Buffers.Binary;
using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Keeps chosen indices along any axes of a dense tensor of any fixed-size element type, byte for byte: what
/// <see cref="StructuredRemoval"/> does to every initializer a group touches. The element type never matters, so
/// FLOAT weights, INT64 shapes and FLOAT16 biases are sliced alike.
/// </summary>
internal static class TensorGather
{
    /// <summary>
    /// A copy of <paramref name="tensor"/> (name, type, doc string and metadata kept) that holds, along each axis
    /// <c>a</c> with a non-null <paramref name="keptPerAxis"/>[a], only those indices (ascending), stored as raw
    /// little-endian data. Axes with null entries are kept whole.
    /// </summary>
    /// <exception cref="NotSupportedException">The element type has no fixed byte size (STRING, 4-bit types) or is stored in a field this reader does not know.</exception>
    public static TensorProto Keep(TensorProto tensor, int[]?[] keptPerAxis)
    {
        int rank = tensor.Dims.Count;
        if (keptPerAxis.Length != rank)
            throw new ArgumentException($"Tensor '{tensor.Name}' has rank {rank}; {keptPerAxis.Length} axes were given.", nameof(keptPerAxis));
        int size = OnnxElementType.SizeInBytes(tensor.DataType);
        if (size == 0)
            throw new NotSupportedException($"Tensor '{tensor.Name}' has element type {OnnxElementType.Name(tensor.DataType)}, which has no fixed byte size; it cannot be sliced.");
        byte[] source = LittleEndianBytes(tensor, size);

        var dims = new long[rank];
        var newDims = new long[rank];
        for (int a = 0; a < rank; a++)
        {
            dims[a] = tensor.Dims[a];
            newDims[a] = keptPerAxis[a]?.Length ?? dims[a];
        }
        // Strides in elements of the source.
        var strides = new long[rank];
        long stride = 1;
        for (int a = rank - 1; a >= 0; a--)
        {
            strides[a] = stride;
            stride *= dims[a];
        }
        long outputCount = OnnxTensor.ElementCount(newDims, tensor.Name);
        var output = new byte[checked(outputCount * size)];
        if (outputCount > 0)
            Copy(source, output, dims, newDims, strides, keptPerAxis, size);

        var result = tensor.Clone();
        result.Dims.Clear();
        result.Dims.AddRange(newDims);
        result.FloatData.Clear();
        result.DoubleData.Clear();
        result.Int32Data.Clear();
        result.Int64Data.Clear();
        result.Uint64Data.Clear();
        result.ClearRawData();
        // ONNX's checker rejects a 0-element tensor that sets any value field.
        if (output.Length > 0) result.RawData = UnsafeByteOperations.UnsafeWrap(output);
        return result;
    }

    private static void Copy(byte[] source, byte[] output, long[] dims, long[] newDims, long[] strides, int[]?[] kept, int size)
    {
        int rank = dims.Length;
        if (rank == 0)
        {
            Buffer.BlockCopy(source, 0, output, 0, size);
            return;
        }
        int last = rank - 1;
        int[]? innerKept = kept[last];
        int innerCount = (int)newDims[last];
        var position = new long[rank]; // odometer over the output's outer axes
        long written = 0;
        while (true)
        {
            long sourceRow = 0;
            for (int a = 0; a < last; a++)
                sourceRow += (kept[a] is { } k ? k[position[a]] : position[a]) * strides[a];
            if (innerKept is null)
            {
                Buffer.BlockCopy(source, checked((int)(sourceRow * size)), output, checked((int)(written * size)), innerCount * size);
            }
            else
            {
                for (int i = 0; i < innerCount; i++)
                    Buffer.BlockCopy(source, checked((int)((sourceRow + innerKept[i]) * size)), output, checked((int)((written + i) * size)), size);
            }
            written += innerCount;
            int axis = last - 1;
            while (axis >= 0 && ++position[axis] == newDims[axis])
            {
                position[axis] = 0;
                axis--;
            }
            if (axis < 0) return;
        }
    }

    /// <summary>The tensor's elements as little-endian bytes, whichever field stores them.</summary>
    internal static byte[] LittleEndianBytes(TensorProto tensor, int size)
    {
        if (tensor.DataLocation == TensorProto.Types.DataLocation.External)
            throw new InvalidDataException($"Tensor '{tensor.Name}' is stored externally; load the model from its path so external data is resolved.");
        long count = OnnxTensor.ElementCount(tensor);
        if (tensor.HasRawData)
        {
            if (tensor.RawData.Length != count * size)
                throw new InvalidDataException($"Tensor '{tensor.Name}' has {tensor.RawData.Length} bytes of raw_data; dims × element size require {count * size}.");
            return tensor.RawData.ToByteArray();
        }
        var bytes = new byte[checked(count * size)];
        var span = bytes.AsSpan();
        switch ((TensorProto.Types.DataType)tensor.DataType)
        {
            case TensorProto.Types.DataType.Float:
                var floats = OnnxTensor.ToFloatArray(tensor);
                for (int i = 0; i < floats.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(span[(i * 4)..], floats[i]);
                return bytes;
            case TensorProto.Types.DataType.Int64:
            case TensorProto.Types.DataType.Int32:
                var longs = OnnxTensor.ToInt64Array(tensor);
                for (int i = 0; i < longs.Length; i++)
                {
                    if (size == 8) BinaryPrimitives.WriteInt64LittleEndian(span[(i * 8)..], longs[i]);
                    else BinaryPrimitives.WriteInt32LittleEndian(span[(i * 4)..], (int)longs[i]);
                }
                return bytes;
            case TensorProto.Types.DataType.Double:
                if (tensor.DoubleData.Count != count)
                    throw new InvalidDataException($"Tensor '{tensor.Name}' stores {tensor.DoubleData.Count} values; its dims require {count}.");
                for (int i = 0; i < count; i++) BinaryPrimitives.WriteDoubleLittleEndian(span[(i * 8)..], tensor.DoubleData[i]);
                return bytes;
            default:
                if (count == 0) return bytes;
                throw new NotSupportedException(
                    $"Tensor '{tensor.Name}' stores {OnnxElementType.Name(tensor.DataType)} values outside raw_data; only raw_data, float_data, double_data, int32_data and int64_data are read.");
        }
    }
}
