using System;
using Microsoft.ML.Pruning.Onnx;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// Cast to the element type <c>to</c> names: FLOAT, DOUBLE, INT64, INT32, INT8, UINT8 or BOOL (the types the engine
/// reads). Floats become integers by truncation toward zero and anything non-zero becomes true. Float-to-float
/// casts pass gradients.
/// </summary>
internal static class CastOp
{
    public static OpKernel Compile(NodeContext ctx)
    {
        if (!ctx.HasAttribute("to")) throw ctx.Invalid("attribute 'to' is required.");
        int to = (int)ctx.GetInt("to", 0);
        var type = TensorProtoConversion.ScalarTypeOf(to)
            ?? throw new NotSupportedException(
                $"{ctx.Label}: casts to {OnnxElementType.Name(to)}; the Torch engine casts to FLOAT, DOUBLE, INT64, INT32, INT8, UINT8 and BOOL.");
        int x = ctx.Input(0), y = ctx.Output(0);
        return (s, _) =>
        {
            var input = s[x]!;
            s[y] = input.dtype == type ? input.alias() : input.to(type);
        };
    }
}
