using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// One model input for timing and shape runs: its name, its shape per row (batch dimension left out) and its values, seeded
/// floats in [−1, 1) or int64 values from a function of the position within a row (token ids, an all-ones mask).
/// </summary>
internal sealed record InputFeed(string Name, long[] RowShape, Func<int, long>? Int64Value)
{
    /// <summary>A float input of the given shape per row.</summary>
    public static InputFeed Float(string name, params long[] rowShape) => new(name, rowShape, null);

    /// <summary>An int64 input whose value at position <c>i</c> of a row (row-major) is <paramref name="value"/>(i).</summary>
    public static InputFeed Int64(string name, long[] rowShape, Func<int, long> value) => new(name, rowShape, value);

    /// <summary>Values per row.</summary>
    public int RowSize => (int)RowShape.Aggregate(1L, (a, d) => a * d);

    /// <summary>A tensor of <paramref name="batch"/> rows (seeded by <paramref name="seed"/> for floats); the caller disposes it.</summary>
    public OrtValue Create(int batch, int seed)
    {
        long[] shape = [batch, .. RowShape];
        int size = RowSize;
        if (Int64Value is { } value)
        {
            var ints = new long[batch * size];
            for (int i = 0; i < ints.Length; i++) ints[i] = value(i % size);
            return OrtValue.CreateTensorValueFromMemory(ints, shape);
        }
        var random = new Random(seed);
        var floats = new float[batch * size];
        for (int i = 0; i < floats.Length; i++) floats[i] = 2 * random.NextSingle() - 1;
        return OrtValue.CreateTensorValueFromMemory(floats, shape);
    }
}
