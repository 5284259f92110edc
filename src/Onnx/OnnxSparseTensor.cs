using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Converts between dense <see cref="TensorProto"/>s and ONNX <see cref="SparseTensorProto"/>s (coordinate
/// format: a 1-D <c>values</c> tensor and its <c>indices</c>). By the spec a sparse tensor's name is
/// <c>values.name</c>.
/// </summary>
/// <example>
/// <code>
/// var dense = OnnxTensor.FromFloats("W", [0f, 0f, 3f, 0f], [2, 2]);
/// SparseTensorProto sparse = OnnxSparseTensor.FromDense(dense);   // values [3], indices [2]
/// TensorProto again = OnnxSparseTensor.ToDense(sparse);          // equal values, dims [2, 2]
/// bool smaller = OnnxSparseTensor.SerializedSize(sparse) &lt; OnnxSparseTensor.SerializedSize(dense);
/// </code>
/// </example>
public static class OnnxSparseTensor
{
    /// <summary>
    /// Expands a sparse tensor. Indices may be INT64 or INT32, either linear (shape [NNZ]) or coordinates
    /// (shape [NNZ, rank]); they must be in bounds and strictly ascending (as ONNX requires). The result is
    /// named like the values tensor, keeps its element type, doc string and metadata, and stores raw data.
    /// Element types must have a fixed, byte-aligned size.
    /// </summary>
    /// <exception cref="InvalidDataException">The sparse tensor is malformed or its element type is unsupported.</exception>
    public static TensorProto ToDense(SparseTensorProto sparse)
    {
        ArgumentNullException.ThrowIfNull(sparse);
        Place context = "sparse tensor";
        long[] linear = Validate(sparse, context);
        var values = sparse.Values!;
        int size = OnnxElementType.SizeInBytes(values.DataType);
        if (size == 0)
            throw OnnxElementType.Unsupported(values.Name, values.DataType, "a fixed-size, byte-aligned type for a dense copy");
        long count = DenseCount(sparse, context);
        if (count > Array.MaxLength / size)
            throw new InvalidDataException($"Sparse tensor '{values.Name}' expands to {count} elements of {size} bytes, more than one array can hold.");

        var source = OnnxTensor.ToRawBytes(values).Span;
        var dense = new byte[count * size];
        for (int k = 0; k < linear.Length; k++)
            source.Slice(k * size, size).CopyTo(dense.AsSpan(checked((int)(linear[k] * size)), size));

        var result = WithoutValues(values);
        result.Dims.Add(sparse.Dims);
        if (count > 0) result.RawData = UnsafeByteOperations.UnsafeWrap(dense);
        return result;
    }

    /// <summary>
    /// Stores a dense tensor sparsely: values as a 1-D tensor of the same element type, named like the dense
    /// tensor (which makes it the sparse tensor's name), and INT64 linear indices named <c>&lt;name&gt;_indices</c>,
    /// ascending — the form ONNX's checker accepts — stored as packed varints (<c>int64_data</c>). An element counts as zero only when all its bytes are zero,
    /// so -0.0 is kept and the round trip is bit-exact. Doc string, metadata and unknown fields of the dense
    /// tensor move to the values tensor.
    /// </summary>
    /// <exception cref="ArgumentException">The tensor has rank 0, a zero dimension, or no fixed-size element type (ONNX sparse tensors cannot represent those).</exception>
    /// <exception cref="InvalidDataException">The tensor's data does not match its dims.</exception>
    public static SparseTensorProto FromDense(TensorProto dense)
    {
        ArgumentNullException.ThrowIfNull(dense);
        TensorValidator.Validate(dense, "dense tensor");
        if (dense.Dims.Count == 0)
            throw new ArgumentException($"Tensor '{dense.Name}' is a scalar; ONNX sparse tensors need rank 1 or more.", nameof(dense));
        foreach (long d in dense.Dims)
            if (d <= 0)
                throw new ArgumentException($"Tensor '{dense.Name}' has dims {TensorValidator.Dims(dense)}; ONNX sparse tensors need positive dims.", nameof(dense));
        int size = OnnxElementType.SizeInBytes(dense.DataType);
        if (size == 0)
            throw new ArgumentException(
                $"Tensor '{dense.Name}' has element type {OnnxElementType.Name(dense.DataType)}; sparse storage needs a fixed-size, byte-aligned type.", nameof(dense));

        var bytes = OnnxTensor.ToRawBytes(dense).Span;
        return Build(dense, bytes, NonZeroPositions(bytes, size), size);
    }

    /// <summary>
    /// The sparse form of a dense tensor that <see cref="CanStore"/> accepts, or null when it cannot take fewer
    /// than <paramref name="bytesToBeat"/> serialized bytes. The null answer comes from a lower bound, without
    /// building the sparse copy: the values' raw bytes plus the packed varint bytes of the indices, both part of
    /// any encoding of the sparse tensor (which adds names, dims, tags and length prefixes). A non-null result may
    /// still be larger; the caller compares its real size.
    /// </summary>
    internal static SparseTensorProto? FromDenseIfItCanBeSmaller(TensorProto dense, long bytesToBeat)
    {
        TensorValidator.Validate(dense, "dense tensor");
        int size = OnnxElementType.SizeInBytes(dense.DataType);
        var bytes = OnnxTensor.ToRawBytes(dense).Span;
        var nonZero = NonZeroPositions(bytes, size);
        long lowerBound = (long)nonZero.Count * size;
        foreach (long index in nonZero)
            lowerBound += CodedOutputStream.ComputeInt64Size(index);
        return lowerBound >= bytesToBeat ? null : Build(dense, bytes, nonZero, size);
    }

    /// <summary>Whether ONNX can store the tensor sparsely: rank 1 or more, positive dims, a fixed-size, byte-aligned element type.</summary>
    internal static bool CanStore(TensorProto tensor)
    {
        if (tensor.Dims.Count == 0 || OnnxElementType.SizeInBytes(tensor.DataType) == 0) return false;
        foreach (long d in tensor.Dims)
            if (d <= 0) return false;
        return true;
    }

    private static SparseTensorProto Build(TensorProto dense, ReadOnlySpan<byte> bytes, List<long> nonZero, int size)
    {
        var gathered = new byte[nonZero.Count * size];
        for (int k = 0; k < nonZero.Count; k++)
            bytes.Slice((int)nonZero[k] * size, size).CopyTo(gathered.AsSpan(k * size));

        var values = WithoutValues(dense);
        values.Dims.Add(nonZero.Count);
        var indices = new TensorProto { Name = dense.Name + "_indices", DataType = (int)TensorProto.Types.DataType.Int64 };
        indices.Dims.Add(nonZero.Count);
        if (nonZero.Count > 0)
        {
            values.RawData = UnsafeByteOperations.UnsafeWrap(gathered);
            // Indices go in int64_data, which protobuf packs as varints: a linear index below 2^21 takes 3 bytes
            // instead of raw_data's 8, which is what makes a 90%-sparse layer about a sixth of its dense size.
            indices.Int64Data.AddRange(nonZero);
        }
        var sparse = new SparseTensorProto { Values = values, Indices = indices };
        sparse.Dims.Add(dense.Dims);
        return sparse;
    }

    /// <summary>Bytes the tensor takes as an entry of <c>GraphProto.initializer</c> (field tag, length prefix and message).</summary>
    public static long SerializedSize(TensorProto tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return CodedOutputStream.ComputeTagSize(5) + CodedOutputStream.ComputeMessageSize(tensor);
    }

    /// <summary>Bytes the tensor takes as an entry of <c>GraphProto.sparse_initializer</c> (field tag, length prefix and message).</summary>
    public static long SerializedSize(SparseTensorProto sparse)
    {
        ArgumentNullException.ThrowIfNull(sparse);
        return CodedOutputStream.ComputeTagSize(15) + CodedOutputStream.ComputeMessageSize(sparse);
    }

    /// <summary>
    /// Checks the structure of a sparse tensor from untrusted input and returns its linear indices
    /// (ascending). Does not allocate from the dense dims.
    /// </summary>
    internal static long[] Validate(SparseTensorProto sparse, Place context)
    {
        var values = sparse.Values
            ?? throw new InvalidDataException($"A sparse tensor ({context}) has no values tensor, so it has no name.");
        string name = values.Name;
        TensorValidator.Validate(values, Place.Lazy(() => $"values of sparse tensor, {context}"));
        if (values.Dims.Count != 1)
            throw new InvalidDataException($"Sparse tensor '{name}' ({context}) has values of rank {values.Dims.Count}; ONNX requires rank 1 ([NNZ]).");
        long nnz = values.Dims[0];
        long denseCount = DenseCount(sparse, context);
        if (nnz > denseCount)
            throw new InvalidDataException($"Sparse tensor '{name}' ({context}) has {nnz} values but its dims hold only {denseCount} elements.");

        var indices = sparse.Indices;
        if (indices is null)
        {
            if (nnz != 0)
                throw new InvalidDataException($"Sparse tensor '{name}' ({context}) has {nnz} values but no indices.");
            return [];
        }
        TensorValidator.Validate(indices, Place.Lazy(() => $"indices of sparse tensor '{name}', {context}"));
        if (indices.DataType != (int)TensorProto.Types.DataType.Int64 && indices.DataType != (int)TensorProto.Types.DataType.Int32)
            throw new InvalidDataException(
                $"Sparse tensor '{name}' ({context}) has indices of type {OnnxElementType.Name(indices.DataType)}; INT64 (or INT32) is required.");

        int rank = sparse.Dims.Count;
        bool coordinates;
        if (indices.Dims.Count == 1 && indices.Dims[0] == nnz) coordinates = false;
        else if (indices.Dims.Count == 2 && indices.Dims[0] == nnz && indices.Dims[1] == rank) coordinates = true;
        else
            throw new InvalidDataException(
                $"Sparse tensor '{name}' ({context}) has indices of shape {TensorValidator.Dims(indices)}; [{nnz}] (linear) or [{nnz}, {rank}] (coordinates) is required.");

        long[] raw = OnnxTensor.ToInt64Array(indices);
        var linear = coordinates ? new long[nnz] : raw;
        long previous = -1;
        for (long k = 0; k < nnz; k++)
        {
            long index;
            if (coordinates)
            {
                index = 0;
                for (int axis = 0; axis < rank; axis++)
                {
                    long c = raw[k * rank + axis];
                    if (c < 0 || c >= sparse.Dims[axis])
                        throw new InvalidDataException(
                            $"Sparse tensor '{name}' ({context}) has index {c} at position [{k}, {axis}], outside dimension {sparse.Dims[axis]}.");
                    index = index * sparse.Dims[axis] + c;
                }
                linear[k] = index;
            }
            else
            {
                index = raw[k];
                if (index < 0 || index >= denseCount)
                    throw new InvalidDataException(
                        $"Sparse tensor '{name}' ({context}) has linear index {index} at position {k}, outside its {denseCount} elements.");
            }
            if (index <= previous)
                throw new InvalidDataException(
                    $"Sparse tensor '{name}' ({context}) has index {index} at position {k} after {previous}; ONNX requires strictly ascending indices.");
            previous = index;
        }
        return linear;
    }

    /// <summary>Positions of elements with any non-zero byte; skips runs of zeros with vectorized search.</summary>
    internal static List<long> NonZeroPositions(ReadOnlySpan<byte> bytes, int size) => size switch
    {
        1 => NonZero(bytes),
        2 => NonZero(MemoryMarshal.Cast<byte, ushort>(bytes)),
        4 => NonZero(MemoryMarshal.Cast<byte, uint>(bytes)),
        8 => NonZero(MemoryMarshal.Cast<byte, ulong>(bytes)),
        _ => NonZeroWide(bytes, size),
    };

    private static List<long> NonZero<T>(ReadOnlySpan<T> elements) where T : unmanaged, IEquatable<T>
    {
        var positions = new List<long>();
        int i = 0;
        while (i < elements.Length)
        {
            int next = elements[i..].IndexOfAnyExcept(default(T));
            if (next < 0) break;
            i += next;
            positions.Add(i);
            i++;
        }
        return positions;
    }

    private static List<long> NonZeroWide(ReadOnlySpan<byte> bytes, int size)
    {
        var positions = new List<long>();
        for (int i = 0; i * size < bytes.Length; i++)
            if (bytes.Slice(i * size, size).IndexOfAnyExcept((byte)0) >= 0) positions.Add(i);
        return positions;
    }

    private static long DenseCount(SparseTensorProto sparse, Place context)
    {
        string name = sparse.Values?.Name ?? "";
        long count = 1;
        for (int i = 0; i < sparse.Dims.Count; i++)
        {
            long d = sparse.Dims[i];
            if (d < 0)
                throw new InvalidDataException($"Sparse tensor '{name}' ({context}) has negative dimension {d} at axis {i}.");
            try { count = checked(count * d); }
            catch (OverflowException) { throw new InvalidDataException($"Sparse tensor '{name}' ({context}) has dims whose element count overflows 64 bits."); }
        }
        return count;
    }

    /// <summary>A copy of the tensor's name, type, doc string, metadata and unknown fields, without dims or values.</summary>
    private static TensorProto WithoutValues(TensorProto tensor)
    {
        var copy = tensor.Clone();
        copy.Dims.Clear();
        copy.ClearRawData();
        copy.FloatData.Clear();
        copy.Int32Data.Clear();
        copy.StringData.Clear();
        copy.Int64Data.Clear();
        copy.DoubleData.Clear();
        copy.Uint64Data.Clear();
        copy.Segment = null;
        return copy;
    }
}
