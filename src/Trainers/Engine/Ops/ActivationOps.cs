using System;
using TorchSharp;
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

    /// <summary>X for X ≥ 0, alpha·(e^X − 1) otherwise (alpha defaults to 1).</summary>
    public static OpKernel Elu(NodeContext ctx)
    {
        double alpha = ctx.GetFloat("alpha", 1f);
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = nn.functional.elu(s[x]!, alpha);
    }

    /// <summary>gamma·Elu(X, alpha), with ONNX's defaults alpha ≈ 1.6733 and gamma ≈ 1.0507 (self-normalizing).</summary>
    public static OpKernel Selu(NodeContext ctx)
    {
        double alpha = ctx.GetFloat("alpha", 1.67326319217681884765625f), gamma = ctx.GetFloat("gamma", 1.05070102214813232421875f);
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) =>
        {
            var g = gamma.ToScalar();
            using var elu = nn.functional.elu(s[x]!, alpha);
            s[y] = elu.mul(g);
            GC.KeepAlive(g);
        };
    }

    /// <summary>ln(e^X + 1).</summary>
    public static OpKernel Softplus(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = nn.functional.softplus(s[x]!);
    }

    /// <summary>
    /// X for X ≥ 0, slope·X otherwise; slope broadcasts to X (a learned parameter when it is an initializer). Before
    /// opset 7 a one-dimensional slope of X's channel count is per channel (axis 1), as the exporters of then wrote it.
    /// </summary>
    public static OpKernel PRelu(NodeContext ctx)
    {
        int x = ctx.Input(0), slope = ctx.Input(1), y = ctx.Output(0);
        bool legacyChannels = ctx.Opset < 7;
        return (s, _) =>
        {
            var input = s[x]!;
            var factor = s[slope]!;
            if (legacyChannels && factor.dim() == 1 && input.dim() > 2 && factor.shape[0] == input.shape[1] && factor.shape[0] != input.shape[^1])
            {
                var perChannel = new long[input.dim() - 1];
                Array.Fill(perChannel, 1L);
                perChannel[0] = factor.shape[0];
                factor = factor.reshape(perChannel);
            }
            var zero = 0.0.ToScalar();
            using var negative = input.lt(zero);
            using var scaled = input.mul(factor);
            s[y] = torch.where(negative, scaled, input);
            GC.KeepAlive(zero);
        };
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

    /// <summary>max(0, min(1, alpha·X + beta)), alpha 0.2 and beta 0.5 by default.</summary>
    public static OpKernel HardSigmoid(NodeContext ctx)
    {
        double alpha = ctx.GetFloat("alpha", 0.2f), beta = ctx.GetFloat("beta", 0.5f);
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) =>
        {
            var a = alpha.ToScalar();
            var b = beta.ToScalar();
            var zero = 0.0.ToScalar();
            var one = 1.0.ToScalar();
            using var scaled = s[x]!.mul(a);
            using var shifted = scaled.add(b);
            s[y] = shifted.clamp(zero, one);
            GC.KeepAlive(a);
            GC.KeepAlive(b);
            GC.KeepAlive(zero);
            GC.KeepAlive(one);
        };
    }

    /// <summary>X · max(0, min(1, X/6 + 1/2)).</summary>
    public static OpKernel HardSwish(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = nn.functional.hardswish(s[x]!);
    }

    /// <summary>
    /// X · Φ(X) (<c>approximate</c> "none", the default) or its tanh approximation ("tanh"). Gelu joined the default
    /// domain at opset 20; the engine also runs it in models importing an older opset.
    /// </summary>
    public static OpKernel Gelu(NodeContext ctx)
    {
        string approximate = ctx.GetString("approximate", "none");
        var mode = approximate switch
        {
            "none" => TorchSharp.Modules.GELU.Approximate.none,
            "tanh" => TorchSharp.Modules.GELU.Approximate.tanh,
            _ => throw new NotSupportedException($"{ctx.Label}: attribute 'approximate' is '{approximate}'; ONNX defines 'none' and 'tanh'."),
        };
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) => s[y] = nn.functional.gelu(s[x]!, mode);
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
