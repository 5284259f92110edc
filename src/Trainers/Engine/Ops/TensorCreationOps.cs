using System;
using System.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>Ops that create tensors from integers: ConstantOfShape and Range.</summary>
internal static class TensorCreationOps
{
    /// <summary>A tensor of the shape input (INT64) filled with the one-element <c>value</c> attribute (default FLOAT 0).</summary>
    public static OpKernel ConstantOfShape(NodeContext ctx)
    {
        var type = ScalarType.Float32;
        double floatValue = 0;
        long integerValue = 0;
        if (ctx.GetTensor("value") is { } proto)
        {
            using var scope = NewDisposeScope();
            var value = TensorProtoConversion.ToTorch(proto);
            if (value.numel() != 1) throw ctx.Invalid($"attribute 'value' must hold one element, not {value.numel()}.");
            type = value.dtype;
            if (torch.is_floating_point(value)) floatValue = value.to(ScalarType.Float64).item<double>();
            else integerValue = value.to(ScalarType.Int64).item<long>();
        }
        var shape = IntegerListInput.FromInput(ctx, 0, "shape");
        int y = ctx.Output(0);
        string label = ctx.Label;
        bool isFloat = torch.is_floating_point(type);
        return (s, _) =>
        {
            long[] dims = shape.Read(s)!;
            foreach (long d in dims)
                if (d < 0) throw new InvalidDataException($"{label}: shape {OpArguments.Format(dims)} has a negative dim.");
            var fill = isFloat ? floatValue.ToScalar() : integerValue.ToScalar();
            s[y] = torch.full(dims, fill, type);
            GC.KeepAlive(fill);
        };
    }

    /// <summary>start, start + delta, … while before limit (scalar inputs of one type); max(ceil((limit − start) / delta), 0) elements.</summary>
    public static OpKernel Range(NodeContext ctx)
    {
        int start = ctx.Input(0), limit = ctx.Input(1), delta = ctx.Input(2), y = ctx.Output(0);
        string label = ctx.Label;
        return (s, _) =>
        {
            var first = s[start]!;
            var type = first.dtype;
            if (s[limit]!.dtype != type || s[delta]!.dtype != type)
                throw new InvalidDataException($"{label}: start, limit and delta must have one type; they are {type}, {s[limit]!.dtype}, {s[delta]!.dtype}.");
            if (torch.is_floating_point(type))
            {
                double a = Scalar<double>(first), b = Scalar<double>(s[limit]!), d = Scalar<double>(s[delta]!);
                if (d == 0) throw new InvalidDataException($"{label}: delta must not be 0.");
                long count = (long)Math.Max(Math.Ceiling((b - a) / d), 0);
                var values = new double[count];
                for (long i = 0; i < count; i++) values[i] = a + i * d;
                using var wide = torch.tensor(values);
                s[y] = wide.to(type);
                return;
            }
            long from = Scalar<long>(first), to = Scalar<long>(s[limit]!), step = Scalar<long>(s[delta]!);
            if (step == 0) throw new InvalidDataException($"{label}: delta must not be 0.");
            long n = Math.Max(CeilingDivide(to - from, step), 0);
            var integers = new long[n];
            for (long i = 0; i < n; i++) integers[i] = from + i * step;
            var result = torch.tensor(integers);
            if (type == ScalarType.Int64)
            {
                s[y] = result;
                return;
            }
            using (result) s[y] = result.to(type);
        };
    }

    private static T Scalar<T>(Tensor tensor) where T : unmanaged
    {
        using var scope = NewDisposeScope();
        return tensor.to(typeof(T) == typeof(double) ? ScalarType.Float64 : ScalarType.Int64, CPU).reshape(-1)[0].item<T>();
    }

    private static long CeilingDivide(long numerator, long denominator)
    {
        long quotient = numerator / denominator;
        return numerator % denominator != 0 && (numerator < 0) == (denominator < 0) ? quotient + 1 : quotient;
    }
}
