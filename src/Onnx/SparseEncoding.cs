namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// How <see cref="OnnxModel.Compact(SparseEncoding)"/> stores a mostly-zero weight in the file. Both hold the same
/// ONNX sparse tensor (FLOAT values in <c>raw_data</c>, INT64 linear indices as packed varints in <c>int64_data</c>),
/// so their sizes differ by a few bytes per weight; ONNX Runtime loads both and scores exactly like the dense model.
/// </summary>
/// <example><code>model.Compact(SparseEncoding.SparseInitializer); // graph.sparse_initializer entries instead of Constant nodes</code></example>
public enum SparseEncoding
{
    /// <summary>
    /// A <c>Constant</c> node whose <c>sparse_value</c> attribute holds the tensor and whose one output carries the
    /// initializer's name; the nodes are placed first in the main graph, before any consumer. ONNX shape inference
    /// gives the output an ordinary dense tensor type, so the file passes
    /// <c>onnx.checker.check_model(model, full_check=True)</c>. Needs opset 11 or later of the default domain
    /// (<c>Constant</c>'s <c>sparse_value</c> is new in Constant-11); for a model importing an older opset,
    /// <see cref="OnnxModel.Compact(SparseEncoding)"/> uses <see cref="SparseInitializer"/> instead.
    /// The default of <see cref="OnnxModel.Compact()"/>.
    /// </summary>
    ConstantNode,

    /// <summary>
    /// An entry of <c>graph.sparse_initializer</c> under the initializer's name (IR 6 or later). Passes
    /// <c>onnx.checker.check_model(model)</c>, but not <c>full_check=True</c>: ONNX shape inference types a sparse
    /// initializer as <c>sparse_tensor(float)</c>, which Gemm, MatMul and Conv do not accept as an input.
    /// </summary>
    SparseInitializer,
}
