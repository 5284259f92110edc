using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// The masked form of a structured choice: for every removed channel, every Producer, Consumer and Parameter slice of its
/// group is zeroed (weights, the next layers' inputs, biases, normalization scale and bias), so the channel is exactly 0
/// everywhere it flows and its physical removal (<c>StructuredRemoval</c>) computes the same. Statistic slices
/// (running mean and variance) are never masked. Several groups may share a tensor (a Gemm reading a Concat of two groups):
/// their flags are combined.
/// </summary>
internal static class GroupMasks
{
    /// <summary>One mask per tensor the removed channels touch, in first-use order.</summary>
    public static IReadOnlyList<PruningMask> Build(OnnxModel model, IReadOnlyList<ChannelGroup> groups, IReadOnlyDictionary<string, bool[]> keep)
    {
        var flags = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var group in groups)
        {
            if (!keep.TryGetValue(group.Id, out var kept) || kept.All(k => k)) continue;
            foreach (var slice in group.Slices)
            {
                if (slice.Role == ChannelRole.Statistic) continue;
                var tensor = model.GetInitializer(slice.Tensor);
                long[] dims = [.. tensor.Dims];
                if (!flags.TryGetValue(slice.Tensor, out var mask))
                {
                    long count = dims.Aggregate(1L, (a, b) => a * b);
                    mask = Enumerable.Repeat(true, checked((int)count)).ToArray();
                    flags[slice.Tensor] = mask;
                    order.Add(slice.Tensor);
                }
                long inner = 1;
                for (int a = slice.Axis + 1; a < dims.Length; a++) inner *= dims[a];
                long axisLength = dims[slice.Axis];
                for (long i = 0; i < mask.LongLength; i++)
                {
                    long position = i / inner % axisLength - slice.Offset;
                    if (position < 0 || position >= (long)slice.Count * slice.Block) continue;
                    if (!kept[slice.First + (int)(position / slice.Block)]) mask[i] = false;
                }
            }
        }
        return [.. order.Select(name => new PruningMask(name, flags[name], flags[name].Count(k => !k)))];
    }

    /// <summary>
    /// The channels of <paramref name="group"/> that are still alive in <paramref name="model"/>: those with a non-zero weight in
    /// some producer slice. A method that zeroes whole units on its own (Lasso, ADMM, CoordinateDescent) is projected onto the
    /// groups by this: a channel all of whose producers dropped it is removed. At least one channel is kept.
    /// </summary>
    public static bool[] AliveChannels(OnnxModel model, ChannelGroup group)
    {
        var alive = new bool[group.Width];
        foreach (var slice in group.Slices.Where(s => s.Role == ChannelRole.Producer))
        {
            var tensor = model.GetInitializer(slice.Tensor);
            long[] dims = [.. tensor.Dims];
            float[] values = OnnxTensor.ToFloatArray(tensor);
            long inner = 1;
            for (int a = slice.Axis + 1; a < dims.Length; a++) inner *= dims[a];
            for (long i = 0; i < values.LongLength; i++)
            {
                if (values[i] == 0) continue;
                long position = i / inner % dims[slice.Axis] - slice.Offset;
                if (position >= 0 && position < (long)slice.Count * slice.Block) alive[slice.First + (int)(position / slice.Block)] = true;
            }
        }
        if (!alive.Any(a => a) && alive.Length > 0) alive[0] = true;
        return alive;
    }

    /// <summary>Both mask lists as one: a tensor in both keeps only what both keep.</summary>
    public static IReadOnlyList<PruningMask> Combine(IReadOnlyList<PruningMask> first, IReadOnlyList<PruningMask> second)
    {
        var byName = second.ToDictionary(m => m.Name, StringComparer.Ordinal);
        var combined = new List<PruningMask>();
        foreach (var mask in first)
        {
            if (!byName.Remove(mask.Name, out var other))
            {
                combined.Add(mask);
                continue;
            }
            var keep = new bool[mask.Length];
            for (int i = 0; i < keep.Length; i++) keep[i] = mask.Keep[i] && other.Keep[i];
            combined.Add(new PruningMask(mask.Name, keep, keep.Count(k => !k)));
        }
        combined.AddRange(second.Where(m => byName.ContainsKey(m.Name)));
        return combined;
    }

    /// <summary>Zeroes the masked elements of each tensor in <paramref name="model"/>.</summary>
    public static void Apply(OnnxModel model, IReadOnlyList<PruningMask> masks)
    {
        foreach (var mask in masks)
        {
            if (mask.PrunedCount == 0) continue;
            var tensor = model.GetInitializer(mask.Name);
            float[] values = OnnxTensor.ToFloatArray(tensor);
            mask.ApplyTo(values);
            OnnxTensor.SetFloats(tensor, values);
        }
    }
}
