using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

public sealed partial class OnnxModel
{
    /// <summary>IR version that introduced sparse initializers.</summary>
    private const long SparseInitializerIrVersion = 6;

    /// <summary>
    /// Stores each FLOAT initializer of the main graph as a sparse initializer when that takes fewer serialized
    /// bytes than its dense entry. Each non-zero costs its 4 value bytes plus its INT64 linear index as a packed
    /// varint (1 byte below 2^7, 2 below 2^14, 3 below 2^21, 4 below 2^28), against 4 bytes per element densely,
    /// so a 300x784 layer gains from about 43 % zeros, a 100x100 one from about 34 %, a 4096x4096 one from 50 %.
    /// The decision compares the two real serialized entries; the sparse copy is not built when a lower bound of
    /// its size (value bytes plus index varint bytes) already reaches the dense size. Converted initializers move
    /// from <c>graph.initializer</c> to the end of <c>graph.sparse_initializer</c> under the same name, so graph
    /// inputs and node inputs naming them stay valid. Scalars and tensors with a zero dimension stay dense (ONNX sparse tensors cannot hold them).
    /// Raises <c>ir_version</c> to 6 (the first with sparse initializers) when it was lower and something
    /// was converted. Subgraph initializers are left alone.
    /// </summary>
    /// <returns>How many initializers were converted.</returns>
    /// <example><code>var compact = pruned.Clone(); compact.Compact(); compact.Save("pruned.onnx");</code></example>
    public int Compact()
    {
        var graph = Graph;
        var kept = new List<TensorProto>(graph.Initializer.Count);
        var converted = new List<SparseTensorProto>();
        foreach (var tensor in graph.Initializer)
        {
            if (tensor.DataType == (int)TensorProto.Types.DataType.Float && OnnxSparseTensor.CanStore(tensor))
            {
                long denseSize = OnnxSparseTensor.SerializedSize(tensor);
                var sparse = OnnxSparseTensor.FromDenseIfItCanBeSmaller(tensor, denseSize);
                if (sparse is not null && OnnxSparseTensor.SerializedSize(sparse) < denseSize)
                {
                    converted.Add(sparse);
                    continue;
                }
            }
            kept.Add(tensor);
        }
        if (converted.Count == 0) return 0;
        graph.Initializer.Clear();
        graph.Initializer.AddRange(kept);
        graph.SparseInitializer.AddRange(converted);
        if (Proto.IrVersion < SparseInitializerIrVersion) Proto.IrVersion = SparseInitializerIrVersion;
        return converted.Count;
    }

    /// <summary>
    /// Stores every sparse initializer of the main graph densely again (appended to <c>graph.initializer</c>
    /// under the same name, raw little-endian data), the inverse of <see cref="Compact"/>. Either all convert
    /// or, if one cannot (an element type without fixed size), none does and an exception says which.
    /// </summary>
    /// <returns>How many initializers were converted.</returns>
    /// <exception cref="System.IO.InvalidDataException">A sparse initializer is malformed or cannot be expanded.</exception>
    public int Densify()
    {
        var graph = Graph;
        var dense = new List<TensorProto>(graph.SparseInitializer.Count);
        foreach (var sparse in graph.SparseInitializer)
            dense.Add(OnnxSparseTensor.ToDense(sparse));
        graph.SparseInitializer.Clear();
        graph.Initializer.AddRange(dense);
        return dense.Count;
    }
}
