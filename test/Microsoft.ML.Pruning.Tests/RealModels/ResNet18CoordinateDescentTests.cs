using System;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.RealModels;

/// <summary>
/// CoordinateDescent on ML.NET's ResNet18 featurizer (CNTK export, batch fixed at 1): two of its convolutions, the 7×7
/// stride-2 stem with pads [3, 3, 2, 2] and the first 1×1 stride-2 shortcut convolution, reconstructed from sampled
/// im2col patches of a few random images. (The 3×3 convolutions of 576 inputs are not in this smoke test: on random
/// images their Lasso stops at MaxIterations for minutes, a solver matter.)
/// </summary>
[TestClass]
public sealed class ResNet18CoordinateDescentTests
{
    private const int Images = 8;

    private sealed class ImageRow
    {
        [VectorType(3 * 224 * 224), ColumnName(ResNet18Model.InputName)] public float[] Image { get; set; } = [];
    }

    [TestMethod]
    public void CoordinateDescent_ResNet18TwoConvLayersAt50Percent_ExactCountsAndCloserToDenseThanMagnitude()
    {
        var ml = new MLContext(seed: 1);
        var images = ResNet18Model.RandomImages(Images, seed: 11);
        int size = 3 * 224 * 224;
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, Images).Select(r => new ImageRow { Image = images.AsSpan(r * size, size).ToArray() }));
        var model = ResNet18Model.Load();
        var convs = model.GetPrunableWeights();
        string stem = convs.Single(w => w.Shape.SequenceEqual(new long[] { 64, 3, 7, 7 })).Name;
        string strided = convs.Single(w => w.Shape.SequenceEqual(new long[] { 128, 64, 1, 1 })).Name;
        string[] excluded = [.. convs.Select(w => w.Name).Where(n => n != stem && n != strided)];

        var cd = ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
        {
            Model = model, InputColumnNames = [ResNet18Model.InputName], OutputColumnNames = [ResNet18Model.OutputName],
            Sparsity = 0.5, CalibrationRows = Images, MaxConvPositionsPerRow = 128, Seed = 1, ExcludedLayers = [.. excluded],
        }).Fit(data);
        var magnitudeOptions = new MagnitudePruningOptions
        {
            Model = model, InputColumnNames = [ResNet18Model.InputName], OutputColumnNames = [ResNet18Model.OutputName],
            Sparsity = 0.5, Scope = PruningScope.Layer, ExcludedLayers = [.. excluded],
        };
        var magnitude = ml.Pruning().Magnitude(magnitudeOptions).Fit(data);
        Console.WriteLine(cd.Report);

        Assert.HasCount(2, cd.Report.Reconstruction);
        foreach (string name in new[] { stem, strided })
        {
            var layer = cd.Report.Layers.Single(l => l.Name == name);
            Assert.AreEqual(layer.Parameters - MaskSelector.TargetPrunedCount(layer.Parameters, 0.5), layer.NonZeros, name);
            var row = cd.Report.Reconstruction.Single(r => r.Name == name);
            Assert.AreEqual(Images * 128L, row.CalibrationPositions, name);
            StringAssert.Contains(row.Note, "subsampled", name);
            Assert.IsTrue(row.RelativeError > 0 && row.RelativeError < 1, $"{name}: {row.RelativeError}");
        }

        var dense = Features(ml.Pruning().Magnitude(model, [ResNet18Model.OutputName], [ResNet18Model.InputName], 0).Fit(data).Transform(data));
        double cdError = MeanSquaredDifference(dense, Features(cd.Transform(data)));
        double magnitudeError = MeanSquaredDifference(dense, Features(magnitude.Transform(data)));
        Console.WriteLine($"feature MSE vs dense: coordinate descent {cdError:G4}, magnitude {magnitudeError:G4}");
        Assert.IsLessThan(magnitudeError, cdError, $"coordinate descent {cdError} vs magnitude {magnitudeError}");
    }

    private static float[][] Features(IDataView scored) =>
        [.. scored.GetColumn<VBuffer<float>>(ResNet18Model.OutputName).Select(v => v.DenseValues().ToArray())];

    private static double MeanSquaredDifference(float[][] a, float[][] b) =>
        a.Zip(b).Average(p => p.First.Zip(p.Second).Average(v => (v.First - v.Second) * (double)(v.First - v.Second)));
}
