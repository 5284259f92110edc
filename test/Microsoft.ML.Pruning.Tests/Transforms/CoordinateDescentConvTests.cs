using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>
/// CoordinateDescent on Conv layers: a small CNN (Conv → Relu → grouped strided Conv → Relu → Flatten → Gemm) on smooth
/// 8×8 images, pruned through the same Gram-form solver as Gemm layers, over im2col patches per group.
/// </summary>
[TestClass]
public sealed class CoordinateDescentConvTests
{
    private const int Side = 8;
    private static readonly string[] Outputs = ["Score"];
    private static readonly string[] Inputs = ["Image"];

    private sealed class ImageRow
    {
        [VectorType(Side * Side)]
        public float[] Image { get; set; } = [];
    }

    /// <summary>
    /// Image [N, 1, 8, 8] → conv1 (8 filters 3×3, pads 1) → Relu → conv2 (8 filters 3×3, group 2, stride 2, pads 1) → Relu
    /// → Flatten [N, 128] → fc (Gemm, transB = 1) → Score [N, 3]. Untrained, seeded.
    /// </summary>
    internal static OnnxModel SmallCnn(int seed = 1)
    {
        var nodes = new[]
        {
            Node("Conv", ["Image", "conv1.weight", "conv1.bias"], ["c1"], "conv1", Attr("kernel_shape", [3L, 3]), Attr("pads", [1L, 1, 1, 1])),
            Node("Relu", ["c1"], ["r1"], "relu1"),
            Node("Conv", ["r1", "conv2.weight", "conv2.bias"], ["c2"], "conv2", Attr("group", 2L), Attr("strides", [2L, 2]), Attr("pads", [1L, 1, 1, 1])),
            Node("Relu", ["c2"], ["r2"], "relu2"),
            Node("Flatten", ["r2"], ["f"], "flatten"),
            Node("Gemm", ["f", "fc.weight", "fc.bias"], ["Score"], "fc", Attr("transB", 1L)),
        };
        var initializers = new[]
        {
            Floats("conv1.weight", [8, 1, 3, 3], seed, 1f / 3), Floats("conv1.bias", [8], seed + 1, 0.1f),
            Floats("conv2.weight", [8, 4, 3, 3], seed + 2, 1f / 6), Floats("conv2.bias", [8], seed + 3, 0.1f),
            Floats("fc.weight", [3, 128], seed + 4, 1f / 11), Floats("fc.bias", [3], seed + 5, 0.1f),
        };
        var model = BuildModel(13, nodes, initializers, ["Image"], ["Score"]);
        // ML.NET's ONNX scorer reads the shapes of inputs and outputs: [N, 1, 8, 8] and [N, 3].
        model.Graph.Input[0].Type.TensorType.Shape = Shape(1, Side, Side);
        model.Graph.Output[0].Type.TensorType.Shape = Shape(3);
        return model;
    }

    private static TensorShapeProto Shape(params long[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        foreach (long d in dims) shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return shape;
    }

    /// <summary>Smooth images: a few random plane waves plus a little noise, so neighbouring pixels (a patch's inputs) correlate.</summary>
    internal static IDataView Images(MLContext ml, int count, int seed)
    {
        var random = new Random(seed);
        var rows = Enumerable.Range(0, count).Select(_ =>
        {
            var image = new float[Side * Side];
            for (int wave = 0; wave < 3; wave++)
            {
                double fy = random.NextDouble() * 1.2, fx = random.NextDouble() * 1.2, phase = random.NextDouble() * 6.3, amplitude = random.NextDouble() + 0.3;
                for (int y = 0; y < Side; y++)
                    for (int x = 0; x < Side; x++) image[y * Side + x] += (float)(amplitude * Math.Sin(fy * y + fx * x + phase));
            }
            for (int i = 0; i < image.Length; i++) image[i] += (float)((random.NextDouble() - 0.5) * 0.2);
            return new ImageRow { Image = image };
        }).ToList();
        return ml.Data.LoadFromEnumerable(rows);
    }

    private static CoordinateDescentPruningOptions Options(OnnxModel model, double sparsity, Action<CoordinateDescentPruningOptions>? edit = null)
    {
        var options = new CoordinateDescentPruningOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, CalibrationRows = 256, Seed = 3,
        };
        edit?.Invoke(options);
        return options;
    }

    private static double OutputError(IDataView expected, IDataView actual)
    {
        var a = TestData.ScoreColumn(expected);
        var b = TestData.ScoreColumn(actual);
        return a.Zip(b).Average(p => p.First.Zip(p.Second).Average(v => (v.First - v.Second) * (double)(v.First - v.Second)));
    }

    private static float[] Weights(OnnxModel model, string name) => OnnxTensor.ToFloatArray(model.GetInitializer(name));

    [TestMethod]
    public void CoordinateDescent_SmallCnnAt50Percent_LowerOutputErrorThanMagnitude()
    {
        var ml = new MLContext(1);
        var model = SmallCnn();
        var calibration = Images(ml, 256, seed: 1);
        var dense = ml.Pruning().Magnitude(model, Outputs, Inputs, 0).Fit(calibration).Transform(calibration);
        var cd = ml.Pruning().CoordinateDescent(Options(model, 0.5)).Fit(calibration);
        var magnitude = ml.Pruning().Magnitude(model, Outputs, Inputs, 0.5, PruningScope.Layer).Fit(calibration);
        double cdError = OutputError(dense, cd.Transform(calibration));
        double magnitudeError = OutputError(dense, magnitude.Transform(calibration));
        Console.WriteLine($"output MSE vs dense on the calibration rows: coordinate descent {cdError:G4}, magnitude {magnitudeError:G4}");
        Console.WriteLine(cd.Report);
        Assert.AreEqual(0.5, cd.Report.Sparsity, 0.01);
        Assert.AreEqual(magnitude.Report.TotalNonZeros, cd.Report.TotalNonZeros, "the same sparsity");
        CollectionAssert.AreEquivalent(new[] { "conv1.weight", "conv2.weight", "fc.weight" }, cd.Report.Reconstruction.Select(r => r.Name).ToArray());
        Assert.IsLessThan(0.5 * magnitudeError, cdError, $"coordinate descent {cdError} vs magnitude {magnitudeError}");
        foreach (var layer in cd.Report.Reconstruction)
        {
            Assert.IsTrue(layer.RelativeError > 0 && layer.RelativeError < 1, $"{layer.Name}: {layer.RelativeError}");
            Assert.IsNotNull(layer.MaxDualityGap, layer.Name);
        }
    }

    [TestMethod]
    public void CoordinateDescent_SmallCnnLayerScope_EachLayerKeepsExactCountSplitOverGroups()
    {
        var ml = new MLContext(1);
        var model = SmallCnn();
        var pruned = ml.Pruning().CoordinateDescent(Options(model, 0.6, o => o.LayerSparsity["conv2.weight"] = 0.75)).Fit(Images(ml, 256, seed: 1));
        foreach (var layer in pruned.Report.Layers)
        {
            double target = layer.Name == "conv2.weight" ? 0.75 : 0.6;
            Assert.AreEqual(layer.Parameters - MaskSelector.TargetPrunedCount(layer.Parameters, target), layer.NonZeros, layer.Name);
        }
        // conv2 (group 2): each group's block [4 filters × 36] keeps half of the layer's count.
        var conv2 = Weights(pruned.Model, "conv2.weight");
        long kept = pruned.Report.Layers.Single(l => l.Name == "conv2.weight").NonZeros;
        int first = conv2.Take(144).Count(v => v != 0), second = conv2.Skip(144).Count(v => v != 0);
        Assert.AreEqual(kept, first + second);
        Assert.IsLessThanOrEqualTo(1, Math.Abs(first - second), $"groups keep {first} and {second}");
        StringAssert.Contains(pruned.Report.Reconstruction.Single(r => r.Name == "conv2.weight").Note, "2 groups solved separately");
    }

    [TestMethod]
    public void CoordinateDescent_FewPositionsPerRow_SubsamplesPatchesAndSaysSo()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().CoordinateDescent(Options(SmallCnn(), 0.5, o => o.MaxConvPositionsPerRow = 16)).Fit(Images(ml, 256, seed: 1));
        var conv1 = pruned.Report.Reconstruction.Single(r => r.Name == "conv1.weight");
        var conv2 = pruned.Report.Reconstruction.Single(r => r.Name == "conv2.weight");
        var fc = pruned.Report.Reconstruction.Single(r => r.Name == "fc.weight");
        Assert.AreEqual(256 * 16, conv1.CalibrationPositions, "16 of conv1's 64 positions per image");
        StringAssert.Contains(conv1.Note, "subsampled");
        StringAssert.Contains(conv1.Note, "4096 of 16384");
        Assert.AreEqual(256 * 16, conv2.CalibrationPositions, "conv2's output is 4×4: every position");
        Assert.IsFalse(conv2.Note?.Contains("subsampled") ?? false, conv2.Note);
        Assert.AreEqual(256, fc.CalibrationPositions);
        StringAssert.Contains(pruned.Report.ToString(), "subsampled");

        var all = ml.Pruning().CoordinateDescent(Options(SmallCnn(), 0.5)).Fit(Images(ml, 256, seed: 1)).Report.Reconstruction.Single(r => r.Name == "conv1.weight");
        Assert.AreEqual(256 * 64, all.CalibrationPositions, "the default 64 takes every position of an 8×8 output");
        Assert.IsNull(all.Note);
    }

    [TestMethod]
    public void CoordinateDescent_SmallCnnSequentialAndParallel_BothPruneConvLayers()
    {
        var ml = new MLContext(1);
        var model = SmallCnn();
        var data = Images(ml, 256, seed: 1);
        var dense = ml.Pruning().Magnitude(model, Outputs, Inputs, 0).Fit(data).Transform(data);
        var sequential = ml.Pruning().CoordinateDescent(Options(model, 0.6)).Fit(data);
        var parallel = ml.Pruning().CoordinateDescent(Options(model, 0.6, o => o.Sequential = false)).Fit(data);
        double sequentialError = OutputError(dense, sequential.Transform(data));
        double parallelError = OutputError(dense, parallel.Transform(data));
        Assert.AreEqual(sequential.Report.TotalNonZeros, parallel.Report.TotalNonZeros);
        var first = sequential.Report.Reconstruction.Single(r => r.Name == "conv1.weight");
        Assert.AreEqual(first.RelativeError, parallel.Report.Reconstruction.Single(r => r.Name == "conv1.weight").RelativeError, 1e-9,
            "conv1 reads the images either way");
        // conv2 sees conv1's pruned output in sequential mode only, so its X (and error) differ.
        Assert.AreNotEqual(sequential.Report.Reconstruction.Single(r => r.Name == "conv2.weight").RelativeError,
            parallel.Report.Reconstruction.Single(r => r.Name == "conv2.weight").RelativeError);
        // Both modes reconstruct well; which is better depends on the sequential objective (today each layer refits its own
        // output on the pruned model's X, so earlier layers' errors are kept, not corrected), hence no order asserted.
        double magnitudeError = OutputError(dense, ml.Pruning().Magnitude(model, Outputs, Inputs, 0.6, PruningScope.Layer).Fit(data).Transform(data));
        Console.WriteLine($"output MSE vs dense: sequential {sequentialError:G4}, parallel {parallelError:G4}, magnitude {magnitudeError:G4}");
        Assert.IsLessThan(0.5 * magnitudeError, sequentialError, $"sequential {sequentialError} vs magnitude {magnitudeError}");
        Assert.IsLessThan(0.5 * magnitudeError, parallelError, $"parallel {parallelError} vs magnitude {magnitudeError}");
        StringAssert.Contains(parallel.Report.Method, "parallel");
    }

    [TestMethod]
    public void CoordinateDescent_SmallCnnWithLambda_ReportsThatLambdaForConvLayers()
    {
        var ml = new MLContext(1);
        var report = ml.Pruning().CoordinateDescent(Options(SmallCnn(), 0, o => o.Lambda = 0.01)).Fit(Images(ml, 128, seed: 2)).Report;
        Assert.IsGreaterThan(0.0, report.Sparsity);
        foreach (var layer in report.Reconstruction) Assert.AreEqual(0.01, layer.Lambda!.Value, 1e-12, layer.Name);
    }

    [TestMethod]
    public void CoordinateDescent_ConvWithUnknownAutoPad_ThrowsNotSupportedNamingNode()
    {
        var ml = new MLContext(1);
        var model = SmallCnn();
        var conv2 = model.Graph.Node.Single(n => n.Name == "conv2");
        conv2.Attribute.Add(new AttributeProto { Name = "auto_pad", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("SAME") });
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => ml.Pruning().CoordinateDescent(Options(model, 0.5)));
        StringAssert.Contains(ex.Message, "conv2");
        StringAssert.Contains(ex.Message, "auto_pad");
        Assert.IsNotNull(ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.ExcludedLayers.Add("conv2.weight"))));
    }

    [TestMethod]
    public void CoordinateDescent_ConvGramOverMemoryLimit_ThrowsNamingLayerAndSize()
    {
        var ml = new MLContext(1);
        // A 3×3 convolution over 4096 channels: G has 36864² doubles (10 GiB), refused before any data is read.
        var model = BuildModel(13, [Node("Conv", ["X", "wide.weight"], ["Y"], "wide", Attr("pads", [1L, 1, 1, 1]))], [Floats("wide.weight", [2, 4096, 3, 3], 1)], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().CoordinateDescent(model, ["Y"], ["X"], 0.5));
        StringAssert.Contains(ex.Message, "wide.weight");
        StringAssert.Contains(ex.Message, "36864²");
        StringAssert.Contains(ex.Message, "MaxGramMegabytes");
    }

    [TestMethod]
    public void CoordinateDescent_ParallelModeOverMemoryLimit_ThrowsWhereSequentialFits()
    {
        var ml = new MLContext(1);
        // Six layers of 300 inputs, G of 0.69 MiB each: parallel mode holds all six (4.1 MiB); sequential mode one layer's
        // G, C = XᵀX_d and D = X_dᵀX_d (2.1 MiB).
        var model = Perceptron([300, 300, 300, 300, 300, 300, 3], seed: 1);
        CoordinateDescentPruningOptions Make(bool sequential) => new()
        {
            Model = model, OutputColumnNames = ["z6"], InputColumnNames = ["input"], Sparsity = 0.5, Sequential = sequential, MaxGramMegabytes = 3,
        };
        Assert.IsNotNull(ml.Pruning().CoordinateDescent(Make(sequential: true)));
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().CoordinateDescent(Make(sequential: false)));
        StringAssert.Contains(ex.Message, "Parallel mode");
        StringAssert.Contains(ex.Message, "Sequential = true");
    }
}
