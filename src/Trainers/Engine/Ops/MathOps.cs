using System;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Pointwise math: Erf, Sqrt, Exp, Log, Neg, Abs, Reciprocal, Pow, Clip.</summary>
internal static class MathOps
{
    /// <summary>The error function.</summary>
    public static OpKernel Erf(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.erf();
    }

    /// <summary>√X.</summary>
    public static OpKernel Sqrt(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.sqrt();
    }

    /// <summary>e^X.</summary>
    public static OpKernel Exp(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.exp();
    }

    /// <summary>Natural logarithm.</summary>
    public static OpKernel Log(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.log();
    }

    /// <summary>|X| (integers stay integers).</summary>
    public static OpKernel Abs(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.abs();
    }

    /// <summary>−X (integers stay integers).</summary>
    public static OpKernel Neg(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.neg();
    }

    /// <summary>1 / X.</summary>
    public static OpKernel Reciprocal(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.reciprocal();
    }

    /// <summary>X^Y with broadcasting; the result has X's type whatever Y's (a float exponent on integers is truncated).</summary>
    public static OpKernel Pow(NodeContext ctx)
    {
        int x = ctx.Input(0), e = ctx.Input(1), y = ctx.Output(0);
        // X^2 (the variance in every decomposed LayerNorm of a BERT export): square, without a broadcast exponent tensor.
        if (ctx.ConstantInput(1) is { } exponent && exponent.dim() == 0 && IsTwo(exponent))
            return (s, _) => s[y] = s[x]!.square();
        return (s, _) =>
        {
            var baseValue = s[x]!;
            var power = baseValue.pow(s[e]!);
            if (power.dtype == baseValue.dtype)
            {
                s[y] = power;
                return;
            }
            using (power) s[y] = power.to(baseValue.dtype);
        };
    }

    /// <summary>
    /// X limited to [min, max]: attributes <c>min</c>/<c>max</c> (default ±∞) before opset 11, optional scalar inputs
    /// from 11. When min exceeds max every element is max, as in ONNX.
    /// </summary>
    public static OpKernel Clip(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        if (ctx.Opset < 11)
        {
            if (ctx.OptionalInput(1) >= 0) throw ctx.Invalid($"takes one input before opset 11; min and max are attributes there (the model imports opset {ctx.Opset}).");
            double min = ctx.GetFloat("min", float.MinValue), max = ctx.GetFloat("max", float.MaxValue);
            return (s, _) =>
            {
                var low = min.ToScalar();
                var high = max.ToScalar();
                s[y] = s[x]!.clamp(low, high);
                GC.KeepAlive(low);
                GC.KeepAlive(high);
            };
        }
        int minSlot = ctx.OptionalInput(1), maxSlot = ctx.OptionalInput(2);
        if (minSlot < 0 && maxSlot < 0) return (s, _) => s[y] = s[x]!.alias();
        return (s, _) =>
        {
            Tensor? low = minSlot >= 0 ? s[minSlot] : null, high = maxSlot >= 0 ? s[maxSlot] : null;
            s[y] = s[x]!.clamp(low, high);
        };
    }

    private static bool IsTwo(Tensor scalar)
    {
        using var wide = scalar.to(ScalarType.Float64);
        return wide.item<double>() == 2;
    }
}
