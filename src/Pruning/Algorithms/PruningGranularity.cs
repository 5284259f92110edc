using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// What one pruning decision removes: a single weight, or every weight of an output unit together. The structured
/// granularities (Neuron, Channel, Head) prune dependency groups (<c>Structured.ChannelDependencies</c>): units
/// coupled through residual Adds, Concat, normalization and the next layers are removed together, and the written file
/// has them physically removed (<see cref="StructuredOptions"/>).
/// </summary>
/// <example><code>var options = new PruneOptions { Criterion = "l2", Granularity = PruningGranularity.Neuron, Sparsity = 0.5 };</code></example>
[JsonConverter(typeof(JsonStringEnumConverter<PruningGranularity>))]
public enum PruningGranularity
{
    /// <summary>Each weight on its own; <c>Sparsity</c> is the fraction of weights zeroed.</summary>
    Unstructured = 0,

    /// <summary>
    /// Output neurons of Gemm and MatMul layers: every weight of a neuron is zeroed together; <c>Sparsity</c> is
    /// the fraction of neurons. Conv layers are left as they are (use <see cref="Channel"/>). Biases are kept: a
    /// zeroed neuron outputs a constant, which is what its physical removal folds into the next layer.
    /// </summary>
    Neuron = 1,

    /// <summary>
    /// Output channels (filters) of Conv layers, as <see cref="Neuron"/> does for Gemm/MatMul; other layers are
    /// left as they are.
    /// </summary>
    Channel = 2,

    /// <summary>
    /// Attention heads: a head's columns of the Q, K and V projections (and biases) and its rows of the output
    /// projection go together, and the head counts of the attention's Reshape shapes follow; <c>Sparsity</c> is the
    /// fraction of heads. Scored by the criterion's neuron scores of the Q, K and V columns summed per head.
    /// </summary>
    Head = 3,
}
