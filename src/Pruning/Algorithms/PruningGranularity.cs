using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// What one pruning decision removes: a single weight, every weight of an output unit together, or all but N of every M
/// weights along the input. The structured granularities (Neuron, Channel, Head) prune dependency groups
/// (<see cref="Structured.ChannelDependencies"/>): units coupled through residual Adds, Concat, normalization and the
/// next layers are removed together, and the written file has them physically removed (<see cref="StructuredOptions"/>).
/// </summary>
/// <example><code>var options = new PruneOptions { Criterion = "l2", Granularity = PruningGranularity.Neuron, Sparsity = 0.5 };</code></example>
[JsonConverter(typeof(JsonStringEnumConverter<PruningGranularity>))]
public enum PruningGranularity
{
    /// <summary>Each weight on its own; <c>Sparsity</c> is the fraction of weights zeroed.</summary>
    Unstructured = 0,

    /// <summary>
    /// Output neurons of Gemm and MatMul layers, in dependency groups: a neuron's row, its bias, normalization entries
    /// and the next layers' inputs go together (zeroed in memory, removed from the written file); <c>Sparsity</c> is the
    /// fraction of neurons of each group. Layers whose neurons cannot be proven safe to remove (a model output, an op the
    /// analysis does not know) stay whole and are named in the report. Conv layers are left as they are (use <see cref="Channel"/>).
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

    /// <summary>
    /// Attention heads: a head's columns of the Q, K and V projections (and biases) and its rows of the output
    /// projection go together, and the head counts of the attention's Reshape shapes follow; <c>Sparsity</c> is the
    /// fraction of heads. Scored by the criterion's neuron scores of the Q, K and V columns summed per head.
    /// </summary>
    Head = 4,
}
