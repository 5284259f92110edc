using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// Constant: evaluated once at compile time into a non-trainable buffer, from <c>value</c>, <c>value_float</c>,
/// <c>value_floats</c>, <c>value_int</c> or <c>value_ints</c>.
/// </summary>
internal static class ConstantOp
{
    private static readonly string[] Unsupported = ["sparse_value", "value_string", "value_strings"];

    public static OpKernel? Compile(NodeContext ctx)
    {
        foreach (string name in Unsupported)
            if (ctx.HasAttribute(name))
                throw new System.NotSupportedException($"{ctx.Label}: attribute '{name}' is not supported by the Torch engine.");

        Tensor? value = null;
        int count = 0;
        if (ctx.GetTensor("value") is { } proto) { value = TensorProtoConversion.ToTorch(proto); count++; }
        if (ctx.HasAttribute("value_float")) { value = torch.tensor(ctx.GetFloat("value_float", 0f)); count++; }
        if (ctx.GetFloats("value_floats") is { } floats) { value = torch.tensor(floats); count++; }
        if (ctx.HasAttribute("value_int")) { value = torch.tensor(ctx.GetInt("value_int", 0)); count++; }
        if (ctx.GetInts("value_ints") is { } ints) { value = torch.tensor(ints); count++; }

        if (count == 0)
            throw ctx.Invalid("needs one of the attributes value, value_float, value_floats, value_int, value_ints.");
        if (count > 1)
            throw ctx.Invalid("has more than one value attribute; exactly one is allowed.");
        ctx.DefineConstantOutput(0, value!);
        return null;
    }
}
