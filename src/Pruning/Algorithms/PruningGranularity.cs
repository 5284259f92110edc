using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>What one pruning decision removes: a single weight, every weight of an output unit together, or all but N of every M weights along the input.</summary>
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
    /// N:M semi-structured sparsity: of every M consecutive weights along a layer's input dimension, per output unit,
    /// exactly N are kept (<c>PruningOptions.PatternN</c>, <c>PruningOptions.PatternM</c>; 2:4 by default, the pattern of
    /// NVIDIA's sparse tensor cores). Gemm/MatMul: groups along the K input features of each output neuron; Conv: along
    /// the input channels (C/group) of each filter at each kernel position. Every candidate layer is pruned to exactly
    /// 1 − N/M; <c>Sparsity</c> and <c>Scope</c> are not used.
    /// </summary>
    /// <example><code>var options = new MagnitudePruningOptions { Granularity = PruningGranularity.NM, PatternN = 2, PatternM = 4 };</code></example>
    NM = 3,
}
