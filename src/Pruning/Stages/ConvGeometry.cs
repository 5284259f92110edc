using System;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// A Conv layer's sliding window as its node declares it: <c>group</c>, the kernel (the weight's spatial dims),
/// <c>strides</c>, <c>dilations</c>, <c>pads</c> and <c>auto_pad</c>, with the defaults and meaning the engine's
/// <c>SpatialWindow</c> gives them (absent strides/dilations are ones, absent pads zeros; SAME_UPPER/SAME_LOWER make the
/// output ceil(input / stride) with the odd pad at the end or the beginning). Read and checked once, before any data;
/// <see cref="For"/> resolves it for the input shape of a batch.
/// </summary>
internal sealed class ConvGeometry
{
    private enum AutoPad { NotSet, Valid, SameUpper, SameLower }

    private readonly long[] _strides;
    private readonly long[] _dilations;
    private readonly long[]? _pads;
    private readonly AutoPad _autoPad;

    private ConvGeometry(string layer, string node, int groups, long outputs, long channelsPerGroup, long[] kernel, long[] strides, long[] dilations,
        long[]? pads, AutoPad autoPad)
    {
        Layer = layer;
        Node = node;
        Groups = groups;
        Outputs = outputs;
        ChannelsPerGroup = channelsPerGroup;
        Kernel = kernel;
        _strides = strides;
        _dilations = dilations;
        _pads = pads;
        _autoPad = autoPad;
    }

    /// <summary>The weight's name (for messages).</summary>
    public string Layer { get; }

    /// <summary>The Conv node's name (for messages).</summary>
    public string Node { get; }

    /// <summary>The node's <c>group</c> (1 when absent).</summary>
    public int Groups { get; }

    /// <summary>Output channels M (the weight's first dim).</summary>
    public long Outputs { get; }

    /// <summary>Input channels per group, C/group (the weight's second dim).</summary>
    public long ChannelsPerGroup { get; }

    /// <summary>The weight's spatial dims (1 to 3 of them).</summary>
    public long[] Kernel { get; }

    /// <summary>Values in one patch row of a group: (C/group)·Π kernel, the columns of that group's weight matrix.</summary>
    public long PatchLength => ChannelsPerGroup * Kernel.Aggregate(1L, (a, b) => a * b);

    /// <summary>Reads the window of <paramref name="weight"/>'s Conv node.</summary>
    /// <exception cref="NotSupportedException">A weight with no or more than 3 spatial dims, or an unknown auto_pad.</exception>
    /// <exception cref="InvalidDataException">Attributes that contradict the weight or each other (the node is named).</exception>
    public static ConvGeometry Read(OnnxModel model, PrunableWeight weight)
    {
        var node = model.Graph.Node[weight.NodeIndex];
        string label = $"Conv node '{weight.NodeName}' (weight '{weight.Name}')";
        var shape = weight.Shape;
        if (shape.Length < 3 || shape.Length > 5)
            throw new NotSupportedException($"{label}: the weight has shape [{string.Join(", ", shape)}]; reconstruction unfolds convolutions over 1 to 3 spatial axes.");
        long[] kernel = shape[2..];
        int rank = kernel.Length;
        int groups = 1;
        long[]? strides = null, dilations = null, pads = null, kernelShape = null;
        var autoPad = AutoPad.NotSet;
        foreach (var attribute in node.Attribute)
        {
            switch (attribute.Name)
            {
                case "group": groups = (int)attribute.I; break;
                case "strides": strides = [.. attribute.Ints]; break;
                case "dilations": dilations = [.. attribute.Ints]; break;
                case "pads": pads = [.. attribute.Ints]; break;
                case "kernel_shape": kernelShape = [.. attribute.Ints]; break;
                case "auto_pad":
                    string text = attribute.S.ToStringUtf8();
                    autoPad = text switch
                    {
                        "NOTSET" or "" => AutoPad.NotSet,
                        "VALID" => AutoPad.Valid,
                        "SAME_UPPER" => AutoPad.SameUpper,
                        "SAME_LOWER" => AutoPad.SameLower,
                        _ => throw new NotSupportedException($"{label}: auto_pad '{text}' is not one of NOTSET, VALID, SAME_UPPER and SAME_LOWER."),
                    };
                    break;
            }
        }
        if (groups < 1 || shape[0] % groups != 0)
            throw new InvalidDataException($"{label}: group {groups} does not divide the weight's {shape[0]} output channels.");
        if (kernelShape is not null && !kernelShape.AsSpan().SequenceEqual(kernel))
            throw new InvalidDataException($"{label}: attribute 'kernel_shape' [{string.Join(", ", kernelShape)}] differs from the weight's spatial dims [{string.Join(", ", kernel)}].");
        strides = Check(label, "strides", strides, rank, 1, minimum: 1);
        dilations = Check(label, "dilations", dilations, rank, 1, minimum: 1);
        if (pads is not null)
        {
            if (pads.Length != 2 * rank)
                throw new InvalidDataException($"{label}: attribute 'pads' has {pads.Length} entries; {rank} spatial axes need {2 * rank}.");
            if (Array.Exists(pads, p => p < 0))
                throw new InvalidDataException($"{label}: attribute 'pads' [{string.Join(", ", pads)}] has a negative entry.");
            if (autoPad != AutoPad.NotSet && Array.Exists(pads, p => p != 0))
                throw new InvalidDataException($"{label}: has both auto_pad and explicit pads [{string.Join(", ", pads)}]; ONNX allows only one.");
        }
        return new ConvGeometry(weight.Name, weight.NodeName, groups, shape[0], shape[1], kernel, strides, dilations, pads, autoPad);
    }

    /// <summary>The window for a batch of input shape [N, C, spatial…].</summary>
    /// <exception cref="InvalidDataException">An input whose rank or channels do not fit the weight, or too small for the kernel.</exception>
    public ConvWindow For(long[] input)
    {
        int rank = Kernel.Length;
        string label = $"Conv node '{Node}' (weight '{Layer}')";
        if (input.Length != rank + 2)
            throw new InvalidDataException($"{label}: its input has shape [{string.Join(", ", input)}]; a weight with {rank} spatial dims needs [N, C, {rank} spatial dims].");
        if (input[1] != ChannelsPerGroup * Groups)
            throw new InvalidDataException($"{label}: its input has {input[1]} channels; group {Groups} × {ChannelsPerGroup} channels per group needs {ChannelsPerGroup * Groups}.");
        // Everything as three spatial axes, leading ones for 1-D and 2-D: one unfold loop for every rank.
        var size = new long[3];
        var kernel = new long[3];
        var strides = new long[3];
        var dilations = new long[3];
        var begin = new long[3];
        var output = new long[3];
        for (int a = 0; a < 3; a++)
        {
            int i = a - (3 - rank);
            if (i < 0)
            {
                size[a] = kernel[a] = strides[a] = dilations[a] = output[a] = 1;
                continue;
            }
            size[a] = input[2 + i];
            kernel[a] = Kernel[i];
            strides[a] = _strides[i];
            dilations[a] = _dilations[i];
            long extent = (kernel[a] - 1) * dilations[a] + 1;
            long padBegin = 0, padEnd = 0;
            switch (_autoPad)
            {
                case AutoPad.NotSet when _pads is not null:
                    padBegin = _pads[i];
                    padEnd = _pads[rank + i];
                    break;
                case AutoPad.SameUpper:
                case AutoPad.SameLower:
                    long same = (size[a] + strides[a] - 1) / strides[a];
                    long total = Math.Max(0, (same - 1) * strides[a] + extent - size[a]);
                    padBegin = _autoPad == AutoPad.SameUpper ? total / 2 : total - total / 2;
                    padEnd = total - padBegin;
                    break;
            }
            begin[a] = padBegin;
            long padded = size[a] + padBegin + padEnd;
            if (padded < extent)
                throw new InvalidDataException(
                    $"{label}: spatial axis {i} of its input [{string.Join(", ", input)}] is {size[a]} with pads {padBegin}+{padEnd}, smaller than the dilated kernel's {extent}.");
            output[a] = (padded - extent) / strides[a] + 1;
        }
        return new ConvWindow(input[0], input[1], Groups, size, kernel, strides, dilations, begin, output);
    }

    private static long[] Check(string label, string name, long[]? values, int rank, long fill, long minimum)
    {
        if (values is null)
        {
            var result = new long[rank];
            Array.Fill(result, fill);
            return result;
        }
        if (values.Length != rank)
            throw new InvalidDataException($"{label}: attribute '{name}' has {values.Length} entries; the weight has {rank} spatial dims.");
        if (Array.Exists(values, v => v < minimum))
            throw new InvalidDataException($"{label}: attribute '{name}' [{string.Join(", ", values)}] must hold values ≥ {minimum}.");
        return values;
    }
}
