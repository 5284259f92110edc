using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>PruningOptions.InputShapes: explicit shapes for inputs whose declared shape leaves the row shape open.</summary>
[TestClass]
public sealed class InputShapesTests
{
    private static MagnitudePruningOptions Options(OnnxModel model, int[] shape, FineTuneOptions? fineTune = null) => new()
    {
        Model = model, OutputColumnNames = ["Score"], InputColumnNames = ["image"], Sparsity = 0.5, FineTune = fineTune, Seed = 2,
        InputShapes = new Dictionary<string, int[]> { ["image"] = shape },
    };

    [TestMethod]
    public void FineTune_InputWithTwoSymbolicDimensions_TrainsAndScoresWithTheGivenShape()
    {
        // [N, 1, H, W] leaves 16 values per row without one shape; the Transpose in the model needs rank 4.
        var ml = new MLContext(1);
        var data = DataRows.Images(ml);
        var model = InputModels.Image(["N", 1, "H", "W"]);
        var tuned = ml.Pruning().Magnitude(Options(model, [1, 1, 4, 4], new FineTuneOptions { Epochs = 3, BatchSize = 16, LearningRate = 0.02 })).Fit(data);
        var oneShot = ml.Pruning().Magnitude(Options(model, [1, 1, 4, 4])).Fit(data);
        Assert.IsFalse(InputModels.Weights(tuned.Model)["W"].SequenceEqual(InputModels.Weights(oneShot.Model)["W"]), "fine-tuning should change kept weights");
        var scores = Transforms.TestData.ScoreColumn(tuned.Transform(data));
        Assert.HasCount(240, scores);
        Assert.IsTrue(scores.All(s => s.Length == 3), "the emitted scorer takes the same shape");
    }

    [TestMethod]
    public void Fit_InputShapeOfOtherSizeThanTheColumn_ThrowsSchemaMismatchNamingTheOption()
    {
        var ml = new MLContext(1);
        var estimator = ml.Pruning().Magnitude(Options(InputModels.Image(["N", 1, "H", "W"]), [1, 1, 4, 3], new FineTuneOptions()));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(DataRows.Images(ml)));
        StringAssert.Contains(ex.Message, "expected Vector<Single, 12>, got Vector<Single, 16> (model input 'image' has shape [1, 1, 4, 3], from InputShapes)");
    }

    [TestMethod]
    public void Fit_InputShapeAgainstADeclaredDimension_ThrowsNamingBoth()
    {
        var ml = new MLContext(1);
        var estimator = ml.Pruning().Magnitude(Options(InputModels.Image(), [1, 2, 2, 4], new FineTuneOptions()));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(DataRows.Images(ml)));
        StringAssert.Contains(ex.Message, "InputShapes['image'] is [1, 2, 2, 4], which model input 'image' of shape [N, 1, 4, 4] does not allow");
    }

    [TestMethod]
    public void Validate_InputShapeForAnotherColumn_ThrowsNamingIt()
    {
        var ml = new MLContext(1);
        var options = Options(InputModels.Image(), [1, 1, 4, 4]);
        options.InputShapes["pixels"] = [1, 16];
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().Magnitude(options));
        StringAssert.Contains(ex.Message, "InputShapes names 'pixels', which is not one of InputColumnNames (image)");
    }

    [TestMethod]
    public void Validate_ZeroDimension_Throws()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(Options(InputModels.Image(), [1, 0, 4, 4])));
        StringAssert.Contains(ex.Message, "InputShapes['image'] must be a batch dimension");
    }

    [TestMethod]
    public void InputShapes_RoundTripThroughJson()
    {
        var options = new MagnitudePruningOptions { ModelPath = "m.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["image"] };
        options.InputShapes["image"] = [1, 3, 224, 224];
        var back = JsonSerializer.Deserialize<MagnitudePruningOptions>(JsonSerializer.Serialize(options))!;
        CollectionAssert.AreEqual(new[] { 1, 3, 224, 224 }, back.InputShapes["image"]);
    }
}
