namespace Microsoft.ML.Pruning.Structured;

/// <summary>What a tensor slice is to the channels of a <see cref="ChannelGroup"/>.</summary>
public enum ChannelRole
{
    /// <summary>
    /// The weight of a layer that computes the channels (Gemm/MatMul output features, Conv filters, an attention
    /// projection's head columns): its slices are scored by the criterion and zeroed for removed channels.
    /// </summary>
    Producer = 0,

    /// <summary>A weight that reads the channels as its inputs (the next layer's input features or input channels).</summary>
    Consumer = 1,

    /// <summary>
    /// A per-channel parameter on the way from producers to consumers: a bias (Gemm's C, an Add's initializer),
    /// BatchNormalization's scale and bias, a depthwise Conv's filters, PRelu's slope. Zeroed with the removed channels
    /// (so a removed channel is exactly 0 in the masked model) and trained under a mask.
    /// </summary>
    Parameter = 2,

    /// <summary>
    /// A per-channel statistic that is not trained (BatchNormalization's running mean and variance): sliced by removal,
    /// never masked or zeroed.
    /// </summary>
    Statistic = 3,
}
