using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// ReduceMean, ReduceSum, ReduceMax and ReduceMin over <c>axes</c> (all axes when none are given), keeping reduced
/// dims as size 1 unless <c>keepdims</c> is 0. The axes are an attribute up to opset 12 for ReduceSum and 17 for the
/// others, an optional input after; in the input form <c>noop_with_empty_axes</c> = 1 makes "no axes" the identity.
/// Integer inputs keep their type (the mean of integers is truncated).
/// </summary>
internal static class ReductionOps
{
    private enum Reduction { Mean, Sum, Max, Min }

    /// <summary>The mean over the axes.</summary>
    public static OpKernel ReduceMean(NodeContext ctx) => Reduce(ctx, Reduction.Mean, axesInputFrom: 18);

    /// <summary>The sum over the axes.</summary>
    public static OpKernel ReduceSum(NodeContext ctx) => Reduce(ctx, Reduction.Sum, axesInputFrom: 13);

    /// <summary>The maximum over the axes (its gradient is shared evenly among tied maxima).</summary>
    public static OpKernel ReduceMax(NodeContext ctx) => Reduce(ctx, Reduction.Max, axesInputFrom: 18);

    /// <summary>The minimum over the axes.</summary>
    public static OpKernel ReduceMin(NodeContext ctx) => Reduce(ctx, Reduction.Min, axesInputFrom: 18);

    private static OpKernel Reduce(NodeContext ctx, Reduction reduction, long axesInputFrom)
    {
        bool keepDims = ctx.GetInt("keepdims", 1) != 0;
        bool noopWithoutAxes = false;
        IntegerListInput axes;
        if (ctx.Opset >= axesInputFrom)
        {
            if (ctx.HasAttribute("axes"))
                throw ctx.Invalid($"takes 'axes' as input 1 from opset {axesInputFrom}, not as an attribute (the model imports opset {ctx.Opset}).");
            axes = IntegerListInput.FromInput(ctx, 1, "axes");
            noopWithoutAxes = ctx.GetInt("noop_with_empty_axes", 0) != 0;
        }
        else
        {
            if (ctx.OptionalInput(1) >= 0)
                throw ctx.Invalid($"takes one input before opset {axesInputFrom}; 'axes' is an attribute there (the model imports opset {ctx.Opset}).");
            axes = IntegerListInput.FromAttribute(ctx.GetInts("axes"));
        }
        int x = ctx.Input(0), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long[]? given = axes.Read(s);
            long rank = input.dim();
            long[] dims;
            if (given is null || given.Length == 0)
            {
                if (noopWithoutAxes || rank == 0)
                {
                    s[y] = input.alias();
                    return;
                }
                dims = new long[rank];
                for (long i = 0; i < rank; i++) dims[i] = i;
            }
            else dims = OpArguments.SortedAxes(given, rank, label);

            var type = input.dtype;
            switch (reduction)
            {
                case Reduction.Sum:
                    s[y] = input.sum(dims, keepDims, type);
                    return;
                case Reduction.Max:
                    s[y] = input.amax(dims, keepDims, null);
                    return;
                case Reduction.Min:
                    s[y] = input.amin(dims, keepDims, null);
                    return;
            }
            if (torch.is_floating_point(input))
            {
                s[y] = input.mean(dims, keepDims);
                return;
            }
            long count = 1;
            long[] shape = input.shape;
            foreach (long d in dims) count *= shape[d];
            using var sum = input.sum(dims, keepDims, type);
            using var divisor = torch.tensor(Math.Max(count, 1), type, sum.device);
            s[y] = sum.div(divisor, RoundingMode.trunc);
        };
    }
}
