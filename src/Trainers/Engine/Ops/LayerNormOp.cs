using System;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// LayerNormalization (opset 17): X normalized over its dims from <c>axis</c> (default −1) on, with
/// <c>epsilon</c> (default 1e-5), times Scale plus the optional B. The optional outputs Mean and InvStdDev have
/// X's leading dims and 1 for each normalized dim. Statistics are computed in FLOAT (<c>stash_type</c> 1, the only
/// one supported).
/// </summary>
internal static class LayerNormOp
{
    public static OpKernel Compile(NodeContext ctx)
    {
        long axis = ctx.GetInt("axis", -1);
        double epsilon = ctx.GetFloat("epsilon", 1e-5f);
        long stashType = ctx.GetInt("stash_type", 1);
        if (stashType != 1)
            throw new NotSupportedException(
                $"{ctx.Label}: attribute 'stash_type' is {OnnxElementType.Name((int)stashType)}; the Torch engine computes LayerNormalization statistics in FLOAT only.");
        int x = ctx.Input(0), scale = ctx.Input(1), bias = ctx.OptionalInput(2);
        int y = ctx.Output(0), meanOut = ctx.Output(1), invStdOut = ctx.Output(2);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long[] shape = input.shape;
            long first = OpArguments.Axis(axis, shape.Length, label);
            long[] normalized = shape[(int)first..];
            var weight = s[scale]!;
            var shift = bias >= 0 ? s[bias] : null;
            bool fused = weight.shape.SequenceEqual(normalized) && (shift is null || shift.shape.SequenceEqual(normalized));
            if (fused)
            {
                s[y] = nn.functional.layer_norm(input, normalized, weight, shift, epsilon);
            }
            else
            {
                // Scale or B only broadcast to the normalized shape: normalize, then apply them with broadcasting.
                using var plain = nn.functional.layer_norm(input, normalized, null, null, epsilon);
                if (shift is null) s[y] = plain.mul(weight);
                else
                {
                    using var scaled = plain.mul(weight);
                    s[y] = scaled.add(shift);
                }
            }
            if (meanOut < 0 && invStdOut < 0) return;

            var dims = new long[normalized.Length];
            for (int i = 0; i < dims.Length; i++) dims[i] = first + i;
            var (variance, mean) = input.var_mean(dims, unbiased: false, keepdim: true);
            using (variance)
            {
                if (invStdOut >= 0)
                {
                    var eps = epsilon.ToScalar();
                    using var shifted = variance.add(eps);
                    s[invStdOut] = shifted.rsqrt();
                    GC.KeepAlive(eps);
                }
                if (meanOut >= 0) s[meanOut] = mean;
                else mean.Dispose();
            }
        };
    }
}
