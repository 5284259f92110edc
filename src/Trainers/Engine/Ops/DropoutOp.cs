using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// Dropout. It is active when the node's <c>training_mode</c> input (opset 12+) is true or, when the node has no
/// such input, when the module is in training mode (<c>train()</c>); inactive, it is the identity and the mask
/// is all ones. The ratio is the <c>ratio</c> input from opset 12, the attribute before (default 0.5).
/// </summary>
internal static class DropoutOp
{
    public static OpKernel Compile(NodeContext ctx)
    {
        int x = ctx.Input(0), y = ctx.Output(0), m = ctx.Output(1);
        int ratioSlot = -1, modeSlot = -1;
        float ratio = 0.5f;
        bool isTest = false;
        if (ctx.Opset >= 12)
        {
            ratioSlot = ctx.OptionalInput(1);
            modeSlot = ctx.OptionalInput(2);
        }
        else
        {
            if (ctx.OptionalInput(1) >= 0)
                throw ctx.Invalid($"takes one input before opset 12; this model imports opset {ctx.Opset}.");
            ratio = ctx.GetFloat("ratio", 0.5f);
            isTest = ctx.Opset < 7 && ctx.GetInt("is_test", 0) != 0;
        }
        if (ratioSlot < 0 && (ratio < 0f || ratio > 1f))
            throw ctx.Invalid($"ratio {ratio} is outside [0, 1].");
        // Opsets 7–9 type the mask like the data; from 10 it is BOOL.
        ScalarType? maskType = ctx.Opset >= 10 ? ScalarType.Bool : null;
        string label = ctx.Label;

        return (s, training) =>
        {
            var input = s[x]!;
            bool active = modeSlot >= 0 ? s[modeSlot]!.item<bool>() : training && !isTest;
            float p = ratio;
            if (ratioSlot >= 0)
            {
                p = s[ratioSlot]!.item<float>();
                if (p < 0f || p > 1f) throw new InvalidDataException($"{label}: ratio {p} is outside [0, 1].");
            }
            if (!active || p == 0f)
            {
                s[y] = input.alias();
                if (m >= 0) s[m] = torch.ones_like(input, dtype: maskType ?? input.dtype);
                return;
            }
            if (m < 0)
            {
                s[y] = nn.functional.dropout(input, p, training: true);
                return;
            }
            using var noise = torch.rand_like(input);
            using var keep = noise.ge(p);
            s[m] = maskType is null ? keep.to(input.dtype) : keep.alias();
            if (p >= 1f)
            {
                s[y] = torch.zeros_like(input);
                return;
            }
            using var kept = input.mul(keep);
            s[y] = kept.mul(1.0 / (1.0 - p));
        };
    }
}
