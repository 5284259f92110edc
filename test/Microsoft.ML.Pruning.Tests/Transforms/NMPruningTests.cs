using System;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>
/// <see cref="PruningGranularity.NM"/> on every estimator: after Fit every group of M consecutive weights along each layer's
/// input dimension holds exactly N non-zeros (Lasso: at most N), the kept ones are the N highest scores, the report shows
/// 1 − N/M per layer; bad N, M and indivisible layers are refused when the estimator is built; the options round-trip.
/// </summary>
[TestClass]
public sealed class NMPruningTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private static readonly string[] Inputs = ["Features"];
    private static readonly Lazy<OnnxModel> Trained = new(() =>
        new MLContext(1).MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { HiddenLayers = [16, 12], Epochs = 10, BatchSize = 32, LearningRate = 0.01, Seed = 1 })
            .Fit(TestData.Multiclass(new MLContext(1))).Model);

    private static float[] Weights(OnnxModel model, string name) => OnnxTensor.ToFloatArray(model.GetInitializer(name));

    /// <summary>Each group of <paramref name="m"/> along the weight's input axis (Conv: input channels), as index lists.</summary>
    private static int[][] Groups(PrunableWeight weight, int m)
    {
        int axis = weight.Role == PrunableWeightRole.ConvWeight ? 1 : 1 - weight.OutputAxis;
        long outer = weight.Shape.Take(axis).Aggregate(1L, (a, b) => a * b);
        long length = weight.Shape[axis];
        long inner = weight.Shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        Assert.AreEqual(0, length % m, $"{weight.Name}: M divides the input dimension");
        return [.. Enumerable.Range(0, (int)outer).SelectMany(o => Enumerable.Range(0, (int)inner).SelectMany(i =>
            Enumerable.Range(0, (int)(length / m)).Select(g => Enumerable.Range(0, m).Select(t => (int)(((o * length) + (g * m) + t) * inner + i)).ToArray())))];
    }

    /// <summary>Every group of every candidate layer has exactly <paramref name="n"/> non-zeros (at most, when not exact).</summary>
    private static void AssertPattern(OnnxModel model, int n, int m, bool exact = true, params string[] excluded)
    {
        foreach (var weight in model.GetPrunableWeights().Where(w => !excluded.Contains(w.Name)))
        {
            var values = Weights(model, weight.Name);
            foreach (var group in Groups(weight, m))
            {
                int nonZeros = group.Count(i => values[i] != 0);
                if (exact) Assert.AreEqual(n, nonZeros, $"{weight.Name}, group at {group[0]}");
                else Assert.IsLessThanOrEqualTo(n, nonZeros, $"{weight.Name}, group at {group[0]}");
            }
        }
    }

    /// <summary>In every group the kept positions are those of the <paramref name="n"/> highest <paramref name="scores"/>.</summary>
    private static void AssertKeptAreHighest(PrunableWeight weight, float[] pruned, float[] scores, int n, int m)
    {
        foreach (var group in Groups(weight, m))
        {
            var highest = group.OrderByDescending(i => scores[i]).ThenByDescending(i => i).Take(n).Order().ToArray();
            CollectionAssert.AreEqual(highest, group.Where(i => pruned[i] != 0).ToArray(), $"{weight.Name}, group at {group[0]}");
        }
    }

    private static MagnitudePruningOptions Magnitude(OnnxModel model, int n, int m, Action<MagnitudePruningOptions>? edit = null)
    {
        var options = new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Granularity = PruningGranularity.NM, PatternN = n, PatternM = m,
        };
        edit?.Invoke(options);
        return options;
    }

    [TestMethod]
    public void Magnitude_TwoOfFour_EveryGroupKeepsItsTwoLargest_AndTheReportShowsHalf()
    {
        var ml = new MLContext(1);
        var model = Trained.Value;

        var pruned = ml.Pruning().Magnitude(Magnitude(model, 2, 4)).Fit(TestData.Multiclass(ml));

        AssertPattern(pruned.Model, 2, 4);
        foreach (var weight in model.GetPrunableWeights())
        {
            var original = Weights(model, weight.Name);
            AssertKeptAreHighest(weight, Weights(pruned.Model, weight.Name), original.Select(Math.Abs).ToArray(), 2, 4);
        }
        Assert.HasCount(3, pruned.Report.Layers);
        foreach (var layer in pruned.Report.Layers) Assert.AreEqual(1 - 2.0 / 4, layer.Sparsity, layer.Name);
        StringAssert.Contains(pruned.Report.Method, "2:4 pattern");
    }

    [TestMethod]
    public void Magnitude_OneOfThree_ReportShowsExactlyTwoThirds()
    {
        var ml = new MLContext(1);
        // The input is 8 wide, which 3 does not divide: fc1 stays dense, the layers reading 12 and 6 features are pruned 1:3.
        var pruned = ml.Pruning().Magnitude(Magnitude(TestData.Mlp(7, 12, 6), 1, 3, o => o.ExcludedLayers.Add("fc1.weight"))).Fit(TestData.Multiclass(ml));

        AssertPattern(pruned.Model, 1, 3, excluded: "fc1.weight");
        var byName = pruned.Report.Layers.ToDictionary(l => l.Name);
        Assert.AreEqual(1 - 1.0 / 3, byName["fc2.weight"].Sparsity);
        Assert.AreEqual(1 - 1.0 / 3, byName["fc3.weight"].Sparsity);
        Assert.AreEqual(0, byName["fc1.weight"].Sparsity);
    }

    [TestMethod]
    public void Prune_WandaTwoOfFour_KeepsTheTwoHighestWandaScoresOfEachGroup()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = Trained.Value;

        var pruned = ml.Pruning().Prune(new PruneOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = "wanda", Granularity = PruningGranularity.NM,
        }).Fit(data);

        AssertPattern(pruned.Model, 2, 4);
        // fc1 reads the features: its Wanda score is |w_ij|·‖x_j‖ over the calibration rows (all 300).
        var norms = new double[TestData.FeatureCount];
        using (var cursor = data.GetRowCursor([data.Schema["Features"]]))
        {
            var getter = cursor.GetGetter<VBuffer<float>>(data.Schema["Features"]);
            VBuffer<float> row = default;
            while (cursor.MoveNext())
            {
                getter(ref row);
                var x = row.DenseValues().ToArray();
                for (int j = 0; j < x.Length; j++) norms[j] += (double)x[j] * x[j];
            }
        }
        var fc1 = model.GetPrunableWeights().Single(w => w.Name == "fc1.weight");
        var w = Weights(model, "fc1.weight");
        int inputAxis = 1 - fc1.OutputAxis;
        var scores = w.Select((v, i) => (float)(Math.Abs(v) * Math.Sqrt(norms[inputAxis == 1 ? i % fc1.Shape[1] : i / fc1.Shape[1]]))).ToArray();
        AssertKeptAreHighest(fc1, Weights(pruned.Model, "fc1.weight"), scores, 2, 4);
        // The ranking differs from magnitude's somewhere, or this test would not tell Wanda from magnitude.
        var byMagnitude = ml.Pruning().Magnitude(Magnitude(model, 2, 4)).Fit(data);
        Assert.IsFalse(Weights(byMagnitude.Model, "fc1.weight").Select(v => v != 0).SequenceEqual(Weights(pruned.Model, "fc1.weight").Select(v => v != 0)),
            "Wanda's N:M masks differ from magnitude's on these features");
    }

    [TestMethod]
    public void Magnitude_IterativeOneOfFour_EndsAtThePattern_WithTheOneShotMasks()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);

        var iterative = ml.Pruning().Magnitude(Magnitude(Trained.Value, 1, 4, o => { o.Schedule = PruningSchedule.Iterative; o.Rounds = 3; })).Fit(data);
        var oneShot = ml.Pruning().Magnitude(Magnitude(Trained.Value, 1, 4)).Fit(data);

        AssertPattern(iterative.Model, 1, 4);
        foreach (var weight in iterative.Model.GetPrunableWeights())
            CollectionAssert.AreEqual(Weights(oneShot.Model, weight.Name), Weights(iterative.Model, weight.Name), weight.Name);
        StringAssert.Contains(iterative.Report.Method, "iterative (3 rounds)");
    }

    [TestMethod]
    public void Magnitude_GradualTwoOfFour_EndsAtThePatternAfterFineTuning()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Magnitude(Magnitude(Trained.Value, 2, 4, o =>
        {
            o.Schedule = PruningSchedule.Gradual;
            o.PruningFrequency = 2;
            o.FineTune = new FineTuneOptions { Epochs = 2, BatchSize = 32, LearningRate = 0.01 };
        })).Fit(TestData.Multiclass(ml));

        AssertPattern(pruned.Model, 2, 4);
        foreach (var layer in pruned.Report.Layers) Assert.AreEqual(0.5, layer.Sparsity, layer.Name);
    }

    [TestMethod]
    public void Magnitude_OneOfEight_EmitsSparseStorage()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Magnitude(Magnitude(TestData.Mlp(7, 64, 64), 1, 8, o => o.ExcludedLayers.Add("fc3.weight"))).Fit(TestData.Multiclass(ml));

        AssertPattern(pruned.Model, 1, 8, excluded: "fc3.weight");
        Assert.IsLessThan(pruned.Report.DenseBytes, pruned.Report.CompactBytes);
        Assert.IsGreaterThanOrEqualTo(1, TestData.SparseWeightCount(OnnxModel.Load(pruned.CompactOnnx.ToArray())));
    }

    [TestMethod]
    public void Lasso_TwoOfFour_NoGroupKeepsMoreThanTwo_AndHalfTheWeightsAreZero()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Lasso(new LassoPruningOptions
        {
            Model = Trained.Value, OutputColumnNames = Outputs, InputColumnNames = Inputs, Granularity = PruningGranularity.NM, Seed = 3,
            SparsityTolerance = 0.03, Training = new FineTuneOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.01 },
        }).Fit(TestData.Multiclass(ml));

        AssertPattern(pruned.Model, 2, 4, exact: false);
        foreach (var layer in pruned.Report.Layers) Assert.IsGreaterThanOrEqualTo(0.5, layer.Sparsity, layer.Name);
        Assert.IsNotNull(pruned.Report.SparseTraining);
        StringAssert.Contains(pruned.Report.Method, "2:4 pattern");
    }

    [TestMethod]
    public void Admm_TwoOfFour_EveryGroupKeepsExactlyTwo()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Admm(new AdmmPruningOptions
        {
            Model = Trained.Value, OutputColumnNames = Outputs, InputColumnNames = Inputs, Granularity = PruningGranularity.NM, Seed = 3,
            Rho = 0.05, RhoFactor = 1.5, Training = new FineTuneOptions { Epochs = 3, BatchSize = 32, LearningRate = 0.01 },
        }).Fit(TestData.Multiclass(ml));

        AssertPattern(pruned.Model, 2, 4);
        foreach (var row in pruned.Report.Admm!.Layers) Assert.AreEqual(row.Parameters / 2, row.Kept, row.Name);
        foreach (var layer in pruned.Report.Layers) Assert.AreEqual(0.5, layer.Sparsity, layer.Name);
    }

    [TestMethod]
    public void CoordinateDescent_TwoOfFour_EveryGroupKeepsTwo_WithLowerOutputErrorThanMagnitude()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = Trained.Value;
        var dense = ml.Transforms.ApplyOnnxModel(["Score"], Inputs, new System.IO.MemoryStream(model.ToBytes())).Fit(data).Transform(data);

        var refit = ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Granularity = PruningGranularity.NM, CalibrationRows = 300,
        }).Fit(data);
        var magnitude = ml.Pruning().Magnitude(Magnitude(model, 2, 4)).Fit(data);

        AssertPattern(refit.Model, 2, 4);
        foreach (var layer in refit.Report.Layers) Assert.AreEqual(0.5, layer.Sparsity, layer.Name);
        Assert.HasCount(3, refit.Report.Reconstruction);
        StringAssert.Contains(refit.Report.Reconstruction[0].Note, "N:M 2:4");
        double refitError = ScoreError(dense, refit.Transform(data)), magnitudeError = ScoreError(dense, magnitude.Transform(data));
        Assert.IsLessThan(magnitudeError, refitError, $"refit {refitError}, magnitude {magnitudeError}");
    }

    [TestMethod]
    public void CoordinateDescent_ConvTwoOfFour_GroupsAlongInputChannels_WithLowerOutputErrorThanMagnitude()
    {
        var ml = new MLContext(1);
        var model = CoordinateDescentConvTests.SmallCnn();
        var images = CoordinateDescentConvTests.Images(ml, 256, seed: 1);
        string[] outputs = ["Score"], inputs = ["Image"];
        var dense = ml.Transforms.ApplyOnnxModel(outputs, inputs, new System.IO.MemoryStream(model.ToBytes())).Fit(images).Transform(images);

        var refit = ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
        {
            Model = model, OutputColumnNames = outputs, InputColumnNames = inputs, Granularity = PruningGranularity.NM, CalibrationRows = 256, Seed = 3,
            ExcludedLayers = { "conv1.weight" }, // one input channel: nothing to group
        }).Fit(images);
        var magnitude = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = model, OutputColumnNames = outputs, InputColumnNames = inputs, Granularity = PruningGranularity.NM, ExcludedLayers = { "conv1.weight" },
        }).Fit(images);

        AssertPattern(refit.Model, 2, 4, excluded: "conv1.weight");
        AssertPattern(magnitude.Model, 2, 4, excluded: "conv1.weight");
        var conv2 = refit.Report.Layers.Single(l => l.Name == "conv2.weight");
        Assert.AreEqual(0.5, conv2.Sparsity);
        double refitError = ScoreError(dense, refit.Transform(images)), magnitudeError = ScoreError(dense, magnitude.Transform(images));
        Assert.IsLessThan(magnitudeError, refitError, $"refit {refitError}, magnitude {magnitudeError}");
    }

    [TestMethod]
    [DataRow(4, 4, "PatternN")]
    [DataRow(5, 4, "PatternN")]
    [DataRow(0, 4, "PatternN")]
    [DataRow(1, 1, "PatternM")]
    public void Options_BadPattern_ThrowsNamingTheOption(int n, int m, string option)
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(Magnitude(TestData.Mlp(), n, m)));
        Assert.AreEqual(option, ex.ParamName);
        StringAssert.Contains(ex.Message, option);
    }

    [TestMethod]
    public void Options_MThatDoesNotDivideALayersInputs_ThrowsNamingLayerAndDimension()
    {
        var ml = new MLContext(1);
        // Hidden width 6: fc2 reads 6 features, which 4 does not divide.
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(Magnitude(TestData.Mlp(7, 6), 2, 4)));
        Assert.AreEqual("PatternM", ex.ParamName);
        StringAssert.Contains(ex.Message, "'fc2.weight'");
        StringAssert.Contains(ex.Message, "K = 6");
        StringAssert.Contains(ex.Message, "ExcludedLayers");
    }

    [TestMethod]
    public void Options_ConvWithOneInputChannel_ThrowsNamingTheLayer()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = CoordinateDescentConvTests.SmallCnn(), OutputColumnNames = ["Score"], InputColumnNames = ["Image"], Granularity = PruningGranularity.NM,
        }));
        StringAssert.Contains(ex.Message, "'conv1.weight'");
        StringAssert.Contains(ex.Message, "input channels per group (C/group = 1");
    }

    [TestMethod]
    public void Options_LayerSparsityWithNM_IsRefused()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().Magnitude(Magnitude(TestData.Mlp(), 2, 4, o => o.LayerSparsity["fc1.weight"] = 0.9)));
        Assert.AreEqual("LayerSparsity", ex.ParamName);
    }

    [TestMethod]
    public void Options_UnitCriterionWithNM_IsRefused()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(new PruneOptions
        {
            Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = "fpgm", Granularity = PruningGranularity.NM,
        }));
        StringAssert.Contains(ex.Message, "Granularity NM ranks single weights");
    }

    [TestMethod]
    public void Options_CoordinateDescentWithLambdaAndNM_IsRefused()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
        {
            Model = TestData.Mlp(), OutputColumnNames = Outputs, InputColumnNames = Inputs, Granularity = PruningGranularity.NM, Sparsity = 0, Lambda = 0.1,
        }));
        Assert.AreEqual("Lambda", ex.ParamName);
    }

    [TestMethod]
    public void Options_JsonRoundTrip_KeepsThePattern()
    {
        var options = new PruneOptions
        {
            ModelPath = "model.onnx", OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = "wanda",
            Granularity = PruningGranularity.NM, PatternN = 1, PatternM = 8,
        };

        string json = JsonSerializer.Serialize(options);
        var back = JsonSerializer.Deserialize<PruneOptions>(json)!;

        StringAssert.Contains(json, "\"Granularity\":\"NM\"");
        StringAssert.Contains(json, "\"PatternN\":1");
        StringAssert.Contains(json, "\"PatternM\":8");
        Assert.AreEqual(PruningGranularity.NM, back.Granularity);
        Assert.AreEqual(1, back.PatternN);
        Assert.AreEqual(8, back.PatternM);
        Assert.AreEqual(json, JsonSerializer.Serialize(back));
    }

    /// <summary>Mean squared difference of the Score columns.</summary>
    private static double ScoreError(IDataView expected, IDataView actual)
    {
        var a = TestData.ScoreColumn(expected);
        var b = TestData.ScoreColumn(actual);
        return a.Zip(b).Average(p => p.First.Zip(p.Second).Average(v => (v.First - v.Second) * (double)(v.First - v.Second)));
    }
}
