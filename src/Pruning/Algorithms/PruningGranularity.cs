using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>What one pruning decision removes: a single weight, or every weight of an output unit together.</summary>
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
}
