using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Comparisons giving BOOL tensors (Equal, Less, LessOrEqual, Greater, GreaterOrEqual), the logical ops (Not, And, Or, Xor), and Where.</summary>
internal static class ComparisonOps
{
    /// <summary>A == B, broadcast.</summary>
    public static OpKernel Equal(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.eq(s[b]!);
    }

    /// <summary>A &lt; B, broadcast.</summary>
    public static OpKernel Less(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.lt(s[b]!);
    }

    /// <summary>A ≤ B, broadcast.</summary>
    public static OpKernel LessOrEqual(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.le(s[b]!);
    }

    /// <summary>A &gt; B, broadcast.</summary>
    public static OpKernel Greater(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.gt(s[b]!);
    }

    /// <summary>A ≥ B, broadcast.</summary>
    public static OpKernel GreaterOrEqual(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.ge(s[b]!);
    }

    /// <summary>Logical negation of a BOOL tensor.</summary>
    public static OpKernel Not(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.logical_not();
    }

    /// <summary>A and B, broadcast (BOOL).</summary>
    public static OpKernel And(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.logical_and(s[b]!);
    }

    /// <summary>A or B, broadcast (BOOL).</summary>
    public static OpKernel Or(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.logical_or(s[b]!);
    }

    /// <summary>A xor B, broadcast (BOOL).</summary>
    public static OpKernel Xor(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.logical_xor(s[b]!);
    }

    /// <summary>X where the condition holds, else Y; all three broadcast. Differentiable with respect to X and Y.</summary>
    public static OpKernel Where(NodeContext ctx)
    {
        int condition = ctx.Input(0), x = ctx.Input(1), other = ctx.Input(2), y = ctx.Output(0);
        return (s, _) =>
        {
            var chosen = s[x]!;
            using var scope = NewDisposeScope();
            var mask = OpArguments.OnDeviceOf(s[condition]!, chosen) ?? s[condition]!;
            var otherwise = OpArguments.OnDeviceOf(s[other]!, chosen) ?? s[other]!;
            s[y] = torch.where(mask, chosen, otherwise).MoveToOuterDisposeScope();
        };
    }
}
