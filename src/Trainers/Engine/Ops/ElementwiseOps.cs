using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Add, Sub, Mul, Div with numpy (multidirectional) broadcasting.</summary>
internal static class ElementwiseOps
{
    /// <summary>A + B.</summary>
    public static OpKernel Add(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.add(s[b]!);
    }

    /// <summary>A − B.</summary>
    public static OpKernel Sub(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.sub(s[b]!);
    }

    /// <summary>A · B.</summary>
    public static OpKernel Mul(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.mul(s[b]!);
    }

    /// <summary>A / B; integer tensors divide with truncation and keep their type, as ONNX Runtime does.</summary>
    public static OpKernel Div(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) =>
        {
            var left = s[a]!;
            s[y] = torch.is_integral(left.dtype) ? left.div(s[b]!, RoundingMode.trunc) : left.div(s[b]!);
        };
    }
}
