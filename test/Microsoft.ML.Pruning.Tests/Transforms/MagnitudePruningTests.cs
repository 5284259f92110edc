using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class MagnitudePruningTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private static readonly string[] Inputs = ["Features"];

    [TestMethod]
    public void Magnitude_Workout_FitsScoresSavesAndReloads()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var pruned = EstimatorWorkout.Run(ml, ml.Pruning().Magnitude(TestData.Mlp(), Outputs, Inputs, 0.5), data, Outputs,
            bad, typeof(ArgumentOutOfRangeException));
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
    }

    [TestMethod]
    public void Magnitude_SparsityZero_OutputsBitIdenticalToOriginal()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = TestData.Mlp();
        var original = ml.Transforms.ApplyOnnxModel(Outputs, Inputs, new MemoryStream(model.ToBytes())).Fit(data).Transform(data);
        var pruned = ml.Pruning().Magnitude(model, Outputs, Inputs, 0).Fit(data);
        var expected = TestData.ScoreColumn(original);
        var actual = TestData.ScoreColumn(pruned.Transform(data));
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        Assert.AreEqual(pruned.Report.TotalParameters, pruned.Report.TotalNonZeros);
    }

    [TestMethod]
    public void Magnitude_GlobalScope_PrunesExactlyRoundedCountAcrossLayers()
    {
        var ml = new MLContext(1);
        var report = ml.Pruning().Magnitude(TestData.Mlp(7, 16, 12), Outputs, Inputs, 0.7, PruningScope.Global).Fit(TestData.Multiclass(ml)).Report;
        long n = report.TotalParameters;
        Assert.AreEqual(8 * 16 + 16 * 12 + 12 * 3, n);
        Assert.AreEqual(n - (long)Math.Round(0.7 * n, MidpointRounding.ToEven), report.TotalNonZeros);
        Assert.AreEqual(3, report.Layers.Count);
        Assert.IsTrue(report.Layers.Select(l => l.Sparsity).Distinct().Count() > 1, "a global threshold gives layers different sparsities");
    }

    [TestMethod]
    public void Magnitude_LayerScope_EachLayerHitsTarget()
    {
        var ml = new MLContext(1);
        var report = ml.Pruning().Magnitude(TestData.Mlp(7, 16, 12), Outputs, Inputs, 0.6, PruningScope.Layer).Fit(TestData.Multiclass(ml)).Report;
        foreach (var layer in report.Layers)
            Assert.AreEqual(layer.Parameters - (long)Math.Round(0.6 * layer.Parameters, MidpointRounding.ToEven), layer.NonZeros, layer.Name);
    }

    [TestMethod]
    public void Magnitude_ExcludedLayerAndOverride_AreHonoured()
    {
        var ml = new MLContext(1);
        var options = new MagnitudePruningOptions
        {
            Model = TestData.Mlp(7, 16, 12), OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = 0.5, Scope = PruningScope.Layer,
            ExcludedLayers = { "fc3.weight" },
            LayerSparsity = { ["fc1.weight"] = 0.9 },
        };
        var report = ml.Pruning().Magnitude(options).Fit(TestData.Multiclass(ml)).Report;
        var byName = report.Layers.ToDictionary(l => l.Name);
        Assert.AreEqual(0.0, byName["fc3.weight"].Sparsity);
        Assert.AreEqual(0.9, byName["fc1.weight"].Sparsity, 1.0 / 128);
        Assert.AreEqual(0.5, byName["fc2.weight"].Sparsity, 1.0 / 192);
    }

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(1.0)]
    [DataRow(double.NaN)]
    public void Magnitude_InvalidSparsity_ThrowsNamingSparsity(double sparsity)
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(TestData.Mlp(), Outputs, Inputs, sparsity));
        StringAssert.Contains(ex.Message, "Sparsity");
    }

    [TestMethod]
    public void Magnitude_UnknownExcludedLayer_ThrowsNamingLayer()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = Inputs, ExcludedLayers = { "nope.weight" },
        }));
        StringAssert.Contains(ex.Message, "nope.weight");
        StringAssert.Contains(ex.Message, "fc1.weight");
    }

    [TestMethod]
    public void Magnitude_UnknownOverrideLayer_ThrowsNamingLayer()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = Inputs, LayerSparsity = { ["fc9.weight"] = 0.5 },
        }));
        StringAssert.Contains(ex.Message, "fc9.weight");
    }

    [TestMethod]
    public void Magnitude_ModelWithoutPrunableWeights_Throws()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp();
        var proto = model.Proto.Clone();
        proto.Graph.Node.Clear();
        proto.Graph.Initializer.Clear();
        proto.Graph.Output.Clear();
        proto.Graph.Output.Add(proto.Graph.Input[0].Clone());
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() =>
            ml.Pruning().Magnitude(OnnxModel.FromProto(proto), ["Features"], Inputs, 0.5));
        StringAssert.Contains(ex.Message, "no prunable weights");
    }

    [TestMethod]
    public void Magnitude_MissingInputColumn_ThrowsCouldNotFind()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(TestData.Mlp(), Outputs, Inputs, 0.5).Fit(data));
        StringAssert.Contains(ex.Message, "Could not find input column 'Features'");
    }

    [TestMethod]
    public void Magnitude_MistypedInputColumn_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new { Features = "text" } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(TestData.Mlp(), Outputs, Inputs, 0.5).Fit(data));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Features'");
    }

    [TestMethod]
    public void Magnitude_InputModelFile_IsNeitherModifiedNorOverwritable()
    {
        var ml = new MLContext(1);
        string folder = Directory.CreateTempSubdirectory("pruning-input-").FullName;
        try
        {
            string path = Path.Combine(folder, "model.onnx");
            TestData.Mlp().Save(path);
            byte[] before = File.ReadAllBytes(path);
            var stamp = File.GetLastWriteTimeUtc(path);
            var pruned = ml.Pruning().Magnitude(path, Outputs, Inputs, 0.8).Fit(TestData.Multiclass(ml));
            Assert.ThrowsExactly<InvalidOperationException>(() => pruned.SaveOnnx(path));
            pruned.SaveOnnx(Path.Combine(folder, "pruned.onnx"));
            CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
            Assert.AreEqual(stamp, File.GetLastWriteTimeUtc(path));
            CollectionAssert.AreEquivalent(new[] { "model.onnx", "pruned.onnx" }, Directory.GetFiles(folder).Select(Path.GetFileName).ToArray());
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [TestMethod]
    public void Magnitude_Report_ToStringListsLayersTotalsAndBytes()
    {
        var ml = new MLContext(1);
        var report = ml.Pruning().Magnitude(TestData.Mlp(), Outputs, Inputs, 0.9).Fit(TestData.Multiclass(ml)).Report;
        string text = report.ToString();
        StringAssert.Contains(text, "fc1.weight");
        StringAssert.Contains(text, "16x8");
        StringAssert.Contains(text, "total");
        StringAssert.Contains(text, "compact");
        Assert.IsTrue(report.CompactBytes < report.DenseBytes, text);
    }
}
