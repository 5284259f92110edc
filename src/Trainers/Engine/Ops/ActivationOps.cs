using System;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Pointwise activations and the (log-)softmax heads.</summary>
internal static class ActivationOps
{
    /// <summary>max(0, X).</summary>
    public static OpKernel Relu(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = nn.functional.relu(s[x]!);
    }

    /// <summary>X for X ≥ 0, alpha·X otherwise (alpha defaults to 0.01).</summary>
    public static OpKernel LeakyRelu(NodeContext ctx)
    {
        double alpha = ctx.GetFloat("alpha", 0.01f);
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = nn.functional.leaky_relu(s[x]!, alpha);
    }

    /// <summary>1 / (1 + e^−X).</summary>
    public static OpKernel Sigmoid(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.sigmoid();
    }

    /// <summary>tanh(X).</summary>
    public static OpKernel Tanh(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = s[x]!.tanh();
    }

    /// <summary>Softmax: along <c>axis</c> (default −1) from opset 13; before, over the input coerced to 2-D at <c>axis</c> (default 1).</summary>
    public static OpKernel Softmax(NodeContext ctx) => SoftmaxLike(ctx, log: false);

    /// <summary>LogSoftmax, with the same axis semantics as <see cref="Softmax"/>.</summary>
    public static OpKernel LogSoftmax(NodeContext ctx) => SoftmaxLike(ctx, log: true);

    private static OpKernel SoftmaxLike(NodeContext ctx, bool log)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        if (ctx.Opset >= 13)
        {
            long dim = ctx.GetInt("axis", -1);
            return log
                ? (s, _) => s[y] = s[x]!.log_softmax(dim)
                : (s, _) => s[y] = s[x]!.softmax(dim);
        }

        long axis = ctx.GetInt("axis", 1);
        string label = ctx.Label;
        return (s, _) =>
        {
            var input = s[x]!;
            long[] shape = input.shape;
            var (outer, inner) = ShapeOps.CoerceTo2D(shape, axis, label);
            using var flat = input.reshape(outer, inner);
            using var result = log ? flat.log_softmax(1) : flat.softmax(1);
            s[y] = result.reshape(shape);
        };
    }
}
