using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Gemm and MatMul: the layers pruning works on.</summary>
internal static class MatrixOps
{
    /// <summary>Y = alpha·A'·B' + beta·C, with A' = Aᵀ when transA, B' = Bᵀ when transB, C optional and broadcast.</summary>
    public static OpKernel Gemm(NodeContext ctx)
    {
        float alpha = ctx.GetFloat("alpha", 1f);
        float beta = ctx.GetFloat("beta", 1f);
        bool transA = ctx.GetInt("transA", 0) != 0;
        bool transB = ctx.GetInt("transB", 0) != 0;
        int a = ctx.Input(0), b = ctx.Input(1), c = ctx.OptionalInput(2), y = ctx.Output(0);

        // The layout exporters emit for a Linear layer (weight [out, in]): one fused native call, as nn.Linear.
        if (!transA && transB && alpha == 1f && beta == 1f)
            return c >= 0
                ? (s, _) => s[y] = nn.functional.linear(s[a]!, s[b]!, s[c])
                : (s, _) => s[y] = nn.functional.linear(s[a]!, s[b]!);

        return (s, _) =>
        {
            using var at = transA ? s[a]!.t() : null;
            using var bt = transB ? s[b]!.t() : null;
            var left = at ?? s[a]!;
            var right = bt ?? s[b]!;
            if (c >= 0)
            {
                s[y] = s[c]!.addmm(left, right, beta, alpha);
                return;
            }
            var product = left.mm(right);
            if (alpha != 1f)
            {
                using (product) s[y] = product.mul(alpha);
                return;
            }
            s[y] = product;
        };
    }

    /// <summary>Matrix product with numpy semantics: batched, broadcast, and 1-D operands promoted then squeezed.</summary>
    public static OpKernel MatMul(NodeContext ctx)
    {
        int a = ctx.Input(0), b = ctx.Input(1), y = ctx.Output(0);
        return (s, _) => s[y] = s[a]!.matmul(s[b]!);
    }
}
