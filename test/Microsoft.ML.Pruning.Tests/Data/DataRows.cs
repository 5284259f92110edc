using System;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>Generated rows for the input-shape tests: two float inputs, 4×4 images, token sequences of varying length.</summary>
internal static class DataRows
{
    public sealed class TwoInputRow
    {
        [VectorType(4)] public float[] A { get; set; } = [];
        [VectorType(3)] public float[] B { get; set; } = [];
        public uint Class { get; set; }
    }

    public sealed class ImageRow
    {
        [VectorType(16), ColumnName("image")] public float[] Image { get; set; } = [];
        public uint Class { get; set; }
    }

    public sealed class TokenRow
    {
        [ColumnName("input_ids")] public long[] InputIds { get; set; } = [];
        [ColumnName("attention_mask")] public long[] AttentionMask { get; set; } = [];
        public uint Class { get; set; }
    }

    /// <summary>Class c: A[c] and B[c] raised by 3.</summary>
    public static IDataView TwoInputs(MLContext ml, int count = 240, int seed = 1)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            int c = i % 3;
            var a = Noise(random, 4);
            var b = Noise(random, 3);
            a[c] += 3;
            b[c] += 3;
            return new TwoInputRow { A = a, B = b, Class = (uint)c };
        }).ToArray();
        return WithKeyLabel(ml, ml.Data.LoadFromEnumerable(rows));
    }

    /// <summary>Class c: a bright row c of the 4×4 image.</summary>
    public static IDataView Images(MLContext ml, int count = 240, int seed = 2)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(i =>
        {
            int c = i % 3;
            var pixels = Noise(random, 16);
            for (int x = 0; x < 4; x++) pixels[c * 4 + x] += 2;
            return new ImageRow { Image = pixels, Class = (uint)c };
        }).ToArray();
        return WithKeyLabel(ml, ml.Data.LoadFromEnumerable(rows));
    }

    /// <summary>Token rows of 2 to 6 ids in [1, 19] (attention mask all 1); the class is the first id mod 3.</summary>
    public static TokenRow[] Tokens(int count = 120, int seed = 3)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var ids = Enumerable.Range(0, random.Next(2, 7)).Select(_ => (long)random.Next(1, 20)).ToArray();
            return new TokenRow { InputIds = ids, AttentionMask = ids.Select(_ => 1L).ToArray(), Class = (uint)(ids[0] % 3) };
        }).ToArray();
    }

    public static IDataView TokenView(MLContext ml, TokenRow[] rows) => WithKeyLabel(ml, ml.Data.LoadFromEnumerable(rows));

    public static IDataView WithKeyLabel(MLContext ml, IDataView data) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyOrdinality: ValueToKeyMappingEstimator.KeyOrdinality.ByValue).Fit(data).Transform(data);

    private static float[] Noise(Random random, int count) =>
        Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
}
