using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

public sealed partial class OnnxModel
{
    /// <summary>IR version that introduced sparse initializers.</summary>
    private const long SparseInitializerIrVersion = 6;

    /// <summary>
    /// Stores each FLOAT initializer of the main graph as a sparse initializer when that is smaller in
    /// serialized bytes (INT64 linear indices cost 8 bytes per non-zero, so a weight needs roughly two thirds
    /// zeros to gain). Converted initializers move from <c>graph.initializer</c> to the end of
    /// <c>graph.sparse_initializer</c> under the same name, so graph inputs and node inputs naming them stay
    /// valid. Scalars and tensors with a zero dimension stay dense (ONNX sparse tensors cannot hold them).
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
            if (tensor.DataType == (int)TensorProto.Types.DataType.Float && CanStoreSparse(tensor) && WorthTrying(tensor))
            {
                var sparse = OnnxSparseTensor.FromDense(tensor);
                if (OnnxSparseTensor.SerializedSize(sparse) < OnnxSparseTensor.SerializedSize(tensor))
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

        // Counting non-zeros is cheap; it avoids building a sparse copy that cannot win (each non-zero costs
        // 4 value bytes and 8 index bytes, against 4 dense bytes per element).
        static bool WorthTrying(TensorProto tensor)
        {
            var bytes = OnnxTensor.ToRawBytes(tensor).Span;
            long nonZero = OnnxSparseTensor.NonZeroPositions(bytes, 4).Count;
            return nonZero * 12 < bytes.Length;
        }
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

    private static bool CanStoreSparse(TensorProto tensor)
    {
        if (tensor.Dims.Count == 0 || OnnxElementType.SizeInBytes(tensor.DataType) == 0) return false;
        foreach (long d in tensor.Dims)
            if (d <= 0) return false;
        return true;
    }
}
