namespace Microsoft.ML.Pruning.Structured;

/// <summary>What the units of a <see cref="ChannelGroup"/> are, i.e. which granularity prunes them.</summary>
public enum ChannelGroupKind
{
    /// <summary>Output features of Gemm/MatMul layers (granularity Neuron).</summary>
    Neuron = 0,

    /// <summary>Output channels (filters) of Conv layers (granularity Channel).</summary>
    Channel = 1,

    /// <summary>Attention heads: blocks of columns of the Q, K and V projections and rows of the output projection (granularity Head).</summary>
    Head = 2,
}
