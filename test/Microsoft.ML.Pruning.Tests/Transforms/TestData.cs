using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>Small generated data and models for the ML.NET-facing tests.</summary>
internal static class TestData
{
    public const int FeatureCount = 8;
    public const int ClassCount = 3;

    public sealed class Row
    {
        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];
        public uint Class { get; set; }
        public bool IsPositive { get; set; }
        public float Value { get; set; }
    }

    /// <summary>Gaussian blobs: class c centred at +3 on feature c; binary = class 0; regression = sum of features.</summary>
    public static Row[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(i =>
        {
            int c = i % ClassCount;
            var x = new float[FeatureCount];
            for (int f = 0; f < FeatureCount; f++) x[f] = (float)(Gaussian(random) * 0.7 + (f == c ? 3 : 0));
            return new Row { Features = x, Class = (uint)c, IsPositive = c == 0, Value = x.Sum() * 0.5f + 1f };
        }).ToArray();
    }

    /// <summary>Rows with Label as a key over 3 classes.</summary>
    public static IDataView Multiclass(MLContext ml, int count = 300, int seed = 1)
    {
        var data = ml.Data.LoadFromEnumerable(Rows(count, seed));
        return ml.Transforms.Conversion.MapValueToKey("Label", "Class", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(data).Transform(data);
    }

    public static IDataView Binary(MLContext ml, int count = 300, int seed = 1) =>
        ml.Transforms.CopyColumns("Label", "IsPositive").Fit(ml.Data.LoadFromEnumerable(Rows(count, seed))).Transform(ml.Data.LoadFromEnumerable(Rows(count, seed)));

    public static IDataView Regression(MLContext ml, int count = 300, int seed = 1) =>
        ml.Transforms.CopyColumns("Label", "Value").Fit(ml.Data.LoadFromEnumerable(Rows(count, seed))).Transform(ml.Data.LoadFromEnumerable(Rows(count, seed)));

    /// <summary>An untrained 8-16-3 MLP with softmax Score output (exported-model form, batch dimension kept).</summary>
    public static OnnxModel Mlp(int seed = 7, params int[] hidden) =>
        MlpGraphBuilder.Build("Features", FeatureCount, hidden.Length == 0 ? [16] : hidden, ClassCount, MlpActivation.Relu, MlpHead.Multiclass, seed);

    /// <summary>Weights stored sparsely: Constant nodes with a sparse_value (the default encoding) and sparse initializers.</summary>
    public static int SparseWeightCount(OnnxModel model) =>
        model.Graph.Node.Count(n => n.OpType == "Constant" && n.Attribute.Any(a => a.Name == "sparse_value")) + model.Graph.SparseInitializer.Count;

    public static float[][] ScoreColumn(IDataView scored, string column = "Score")
    {
        var result = new System.Collections.Generic.List<float[]>();
        using var cursor = scored.GetRowCursor([scored.Schema[column]]);
        var getter = cursor.GetGetter<VBuffer<float>>(scored.Schema[column]);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            result.Add(buffer.DenseValues().ToArray());
        }
        return result.ToArray();
    }

    private static double Gaussian(Random r) => Math.Sqrt(-2 * Math.Log(1 - r.NextDouble())) * Math.Cos(2 * Math.PI * r.NextDouble());
}
