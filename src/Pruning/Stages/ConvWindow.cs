namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// A Conv layer's window resolved for one input shape [N, C, spatial…], every array over three spatial axes
/// (depth, height, width; leading axes of size 1 for 1-D and 2-D convolutions): what <see cref="ConvPatches"/> unfolds.
/// </summary>
/// <param name="Images">N, the calibration rows of the batch.</param>
/// <param name="Channels">C, input channels.</param>
/// <param name="Groups">The node's <c>group</c>.</param>
/// <param name="Input">Input spatial size per axis.</param>
/// <param name="Kernel">Kernel size per axis.</param>
/// <param name="Strides">Stride per axis.</param>
/// <param name="Dilations">Dilation per axis.</param>
/// <param name="PadBegin">Zero padding before each axis (the padding after it only decides <paramref name="Output"/>).</param>
/// <param name="Output">Output spatial size per axis.</param>
internal sealed record ConvWindow(long Images, long Channels, int Groups, long[] Input, long[] Kernel, long[] Strides, long[] Dilations, long[] PadBegin, long[] Output)
{
    /// <summary>Input channels per group.</summary>
    public long ChannelsPerGroup => Channels / Groups;

    /// <summary>Kernel positions, Π kernel.</summary>
    public long KernelSize => Kernel[0] * Kernel[1] * Kernel[2];

    /// <summary>Values in one patch row: (C/group)·Π kernel.</summary>
    public long PatchLength => ChannelsPerGroup * KernelSize;

    /// <summary>Output positions per image, Π output: the patch rows one calibration row gives.</summary>
    public long PositionsPerImage => Output[0] * Output[1] * Output[2];
}
