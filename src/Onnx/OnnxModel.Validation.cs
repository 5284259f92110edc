using System.IO;

namespace Microsoft.ML.Pruning.Onnx;

public sealed partial class OnnxModel
{
    /// <summary>How many levels of subgraphs (If/Loop/Scan bodies inside each other) a model may nest.</summary>
    public const int MaxSubgraphDepth = 32;

    /// <summary>
    /// Checks the model as loading does: tensor sizes against dims, unique names, every node input defined
    /// before use (nodes in topological order, no cycles), every graph output produced, subgraph depth.
    /// Call it after editing <see cref="Proto"/> directly, before handing the model on.
    /// </summary>
    /// <exception cref="InvalidDataException">A rule is broken; the message names the tensor, node or graph.</exception>
    /// <example><code>model.Graph.Node.RemoveAt(0); model.Validate(); // throws if a later node read its output</code></example>
    public void Validate() => ValidateCore("model");

    partial void ValidateCore(string what) => OnnxModelValidator.Validate(Proto, what);
}
