using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class PruneEstimatorTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private static readonly string[] Inputs = ["Features"];

    private static PruneOptions Options(OnnxModel model, string criterion, double sparsity, Action<PruneOptions>? edit = null)
    {
        var options = new PruneOptions { Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = criterion, Sparsity = sparsity };
        edit?.Invoke(options);
        return options;
    }

    private static float[] Weights(PrunedModelTransformer pruned, string name) => OnnxTensor.ToFloatArray(pruned.Model.GetInitializer(name));

    /// <summary>Units of a [units, inputs] weight whose row is all zeros.</summary>
    private static int[] ZeroRows(float[] w, int units)
    {
        int width = w.Length / units;
        return [.. Enumerable.Range(0, units).Where(u => w.AsSpan(u * width, width).IndexOfAnyExcept(0f) < 0)];
    }

    /// <summary>Multiclass rows whose last feature is always 0.</summary>
    private static IDataView WithDeadFeature(MLContext ml)
    {
        var rows = TestData.Rows(300, 1);
        foreach (var row in rows) row.Features[TestData.FeatureCount - 1] = 0;
        var data = ml.Data.LoadFromEnumerable(rows);
        return ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(data).Transform(data);
    }

    /// <summary>The 8-16-3 MLP with the weights reading the last feature made the largest of fc1.</summary>
    private static OnnxModel LargeWeightsOnLastFeature()
    {
        var model = TestData.Mlp();
        var fc1 = model.GetInitializer("fc1.weight");
        var w = OnnxTensor.ToFloatArray(fc1);
        for (int u = 0; u < 16; u++) w[u * TestData.FeatureCount + TestData.FeatureCount - 1] = 10f;
        OnnxTensor.SetFloats(fc1, w);
        return model;
    }

    [TestMethod]
    public void Prune_Workout_FitsScoresSavesAndReloads()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var pruned = EstimatorWorkout.Run(ml, ml.Pruning().Prune(Options(TestData.Mlp(), "wanda", 0.6)), data, Outputs,
            bad, typeof(ArgumentOutOfRangeException));
        Assert.AreEqual(0.6, pruned.Report.Sparsity, 0.01);
        StringAssert.StartsWith(pruned.Report.ToString(), "Criterion wanda, unstructured, global scope, 60.0 % of weights, one-shot, 1024 calibration rows");
    }

    [TestMethod]
    [DataRow(PruningScope.Layer)]
    [DataRow(PruningScope.Global)]
    public void Prune_MagnitudeCriterion_SameMasksAsMaskSelectorByMagnitude(PruningScope scope)
    {
        // What Magnitude did before it became a configuration of the pipeline: SelectByMagnitude on the weights.
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = TestData.Mlp(7, 16, 12);
        string[] names = ["fc1.weight", "fc2.weight", "fc3.weight"];
        var weights = names.Select(n => OnnxTensor.ToFloatArray(model.GetInitializer(n))).ToArray();
        var masks = MaskSelector.SelectByMagnitude(names.Select((n, i) => new LayerValues(n, weights[i])).ToList(),
            new MaskSelectionOptions { Sparsity = 0.7, Scope = scope });
        var viaPrune = ml.Pruning().Prune(Options(model, "magnitude", 0.7, o => o.Scope = scope)).Fit(data);
        var viaMagnitude = ml.Pruning().Magnitude(model, Outputs, Inputs, 0.7, scope).Fit(data);
        for (int i = 0; i < names.Length; i++)
        {
            masks[i].ApplyTo(weights[i]);
            CollectionAssert.AreEqual(weights[i], Weights(viaPrune, names[i]), names[i]);
            CollectionAssert.AreEqual(weights[i], Weights(viaMagnitude, names[i]), names[i]);
        }
    }

    [TestMethod]
    public void Prune_NeuronGranularity_RemovesHalfOfEachHiddenLayerFromTheWrittenModel()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Prune(Options(TestData.Mlp(7, 16, 12), "magnitude-l2", 0.5, o =>
        {
            o.Granularity = PruningGranularity.Neuron;
            o.Scope = PruningScope.Layer;
        })).Fit(TestData.Multiclass(ml));
        var model = pruned.Model;
        // fc1 [16, 8] loses 8 rows; fc2 [12, 16] 6 rows and fc1's 8 columns; fc3 [3, 12] keeps its outputs (the model's) and loses 6 columns.
        CollectionAssert.AreEqual(new long[] { 8, 8 }, model.GetInitializer("fc1.weight").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 8 }, model.GetInitializer("fc1.bias").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 6, 8 }, model.GetInitializer("fc2.weight").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 6 }, model.GetInitializer("fc3.weight").Dims.ToArray());
        // The removal leaves no zeros behind: the kept weights are the dense ones.
        Assert.AreEqual(0, Weights(pruned, "fc1.weight").Count(v => v == 0));
        var report = pruned.Report.Structured!;
        Assert.HasCount(2, report.Groups);
        Assert.AreEqual(8, report.Groups[0].Kept);
        Assert.AreEqual(6, report.Groups[1].Kept);
        Assert.IsNotNull(report.Verification);
        Assert.IsLessThanOrEqualTo(1e-5, report.Verification.MaxRelativeDifference);
        Assert.IsLessThan(report.Before.Parameters, report.After.Parameters);
        StringAssert.Contains(pruned.Report.Method, "50.0 % of neurons");
    }

    [TestMethod]
    public void Prune_NeuronGranularity_KeepsTheRowsOfLargestL2Norm()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp();
        var w = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.weight"));
        var norms = Enumerable.Range(0, 16).Select(u => Math.Sqrt(w.Skip(u * 8).Take(8).Sum(v => (double)v * v))).ToArray();
        var expected = Enumerable.Range(0, 16).OrderBy(u => norms[u]).Take(4).Order().ToArray();
        var pruned = ml.Pruning().Prune(Options(model, "magnitude-l2", 0.25, o =>
        {
            o.Granularity = PruningGranularity.Neuron;
            o.Structured.RemoveUnits = false; // the masked model, to read which rows were chosen
            o.Scope = PruningScope.Layer;
            o.ExcludedLayers.Add("fc2.weight");
        })).Fit(TestData.Multiclass(ml));
        CollectionAssert.AreEqual(expected, ZeroRows(Weights(pruned, "fc1.weight"), 16));
    }

    [TestMethod]
    public void Prune_DataAwareCriteria_PruneLargeWeightsOnAFeatureTheDataNeverUses()
    {
        // Magnitude keeps the large weights on the dead feature; Wanda (‖X_j‖ = 0) and Taylor (∂L/∂w = x·δ = 0) prune them first.
        var ml = new MLContext(1);
        var data = WithDeadFeature(ml);
        static int KeptOnDeadFeature(float[] w) => Enumerable.Range(0, 16).Count(u => w[u * TestData.FeatureCount + TestData.FeatureCount - 1] != 0);
        var magnitude = ml.Pruning().Prune(Options(LargeWeightsOnLastFeature(), "magnitude", 0.3, o => o.Scope = PruningScope.Layer)).Fit(data);
        var wanda = ml.Pruning().Prune(Options(LargeWeightsOnLastFeature(), "wanda", 0.3, o => o.Scope = PruningScope.Layer)).Fit(data);
        var taylor = ml.Pruning().Prune(Options(LargeWeightsOnLastFeature(), "taylor", 0.3, o =>
        {
            o.Scope = PruningScope.Layer;
            o.LabelColumnName = "Label";
        })).Fit(data);
        Assert.AreEqual(16, KeptOnDeadFeature(Weights(magnitude, "fc1.weight")));
        Assert.AreEqual(0, KeptOnDeadFeature(Weights(wanda, "fc1.weight")));
        Assert.AreEqual(0, KeptOnDeadFeature(Weights(taylor, "fc1.weight")));
        Assert.AreEqual(0.3, taylor.Report.Layers[0].Sparsity, 0.01);
    }

    [TestMethod]
    [DataRow("activation")]
    [DataRow("apoz")]
    [DataRow("entropy")]
    [DataRow("gsap")]
    [DataRow("min-redundancy")]
    public void Prune_ActivationCriteria_PruneADeadNeuronFirst(string criterion)
    {
        // fc1 unit 5 has a bias far below anything its weights can reach: after ReLU it is always 0.
        var ml = new MLContext(1);
        var model = TestData.Mlp();
        var bias = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.bias"));
        bias[5] = -1000;
        OnnxTensor.SetFloats(model.GetInitializer("fc1.bias"), bias);
        var pruned = ml.Pruning().Prune(Options(model, criterion, 1.0 / 16, o =>
        {
            o.Granularity = PruningGranularity.Neuron;
            o.Structured.RemoveUnits = false; // the masked model, to read which rows were chosen
            o.Scope = PruningScope.Layer;
            o.LabelColumnName = "Label";
            o.ExcludedLayers.Add("fc2.weight");
        })).Fit(TestData.Multiclass(ml));
        CollectionAssert.AreEqual(new[] { 5 }, ZeroRows(Weights(pruned, "fc1.weight"), 16));
    }

    [TestMethod]
    public void Prune_GsapOnEveryHiddenLayer_GatesEachLayerOnItsOwnUnits()
    {
        // One gate per layer: inserting fc1's gate must not shift the node fc2's gate is placed after.
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Prune(Options(TestData.Mlp(7, 16, 12), "gsap", 0.25, o =>
        {
            o.Granularity = PruningGranularity.Neuron;
            o.Structured.RemoveUnits = false; // the masked model, to read which rows were chosen
            o.Scope = PruningScope.Layer;
            o.LabelColumnName = "Label";
            o.ExcludedLayers.Add("fc3.weight");
        })).Fit(TestData.Multiclass(ml));
        Assert.AreEqual(4, ZeroRows(Weights(pruned, "fc1.weight"), 16).Length);
        Assert.AreEqual(3, ZeroRows(Weights(pruned, "fc2.weight"), 12).Length);
    }

    [TestMethod]
    public void Prune_Fpgm_PrunesTheUnitTheOthersCanReplace()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp();
        var w = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.weight"));
        // Unit 3 becomes the mean of all units: the closest to the geometric median.
        for (int k = 0; k < 8; k++) w[3 * 8 + k] = Enumerable.Range(0, 16).Where(u => u != 3).Average(u => w[u * 8 + k]);
        OnnxTensor.SetFloats(model.GetInitializer("fc1.weight"), w);
        var pruned = ml.Pruning().Prune(Options(model, "fpgm", 1.0 / 16, o =>
        {
            o.Granularity = PruningGranularity.Neuron;
            o.Structured.RemoveUnits = false; // the masked model, to read which rows were chosen
            o.Scope = PruningScope.Layer;
            o.ExcludedLayers.Add("fc2.weight");
        })).Fit(TestData.Multiclass(ml));
        CollectionAssert.AreEqual(new[] { 3 }, ZeroRows(Weights(pruned, "fc1.weight"), 16));
    }

    [TestMethod]
    public void Prune_RandomCriterion_SeedDecidesTheMask()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        float[] Run(int seed) => Weights(ml.Pruning().Prune(Options(TestData.Mlp(), "random", 0.5, o => o.Seed = seed)).Fit(data), "fc1.weight");
        CollectionAssert.AreEqual(Run(3), Run(3));
        CollectionAssert.AreNotEqual(Run(3), Run(4));
    }

    [TestMethod]
    public void Prune_Iterative_ReachesTheTargetAndKeepsWhatEarlierRoundsPruned()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var messages = new List<string>();
        ml.Log += (_, e) => { if (e.Message.Contains("Round ")) messages.Add(e.Message); };
        var pruned = ml.Pruning().Prune(Options(TestData.Mlp(), "wanda", 0.8, o =>
        {
            o.Schedule = PruningSchedule.Iterative;
            o.Rounds = 3;
            o.Scope = PruningScope.Layer;
        })).Fit(data);
        Assert.AreEqual(0.8, pruned.Report.Layers[0].Sparsity, 0.005);
        Assert.AreEqual(3, messages.Count, string.Join("\n", messages));
        StringAssert.Contains(pruned.Report.Method, "iterative (3 rounds)");
    }

    [TestMethod]
    public void Prune_GradualWithFineTune_ReachesTheTargetExactly()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Prune(Options(TestData.Mlp(), "magnitude", 0.75, o =>
        {
            o.Schedule = PruningSchedule.Gradual;
            o.PruningFrequency = 2;
            o.FineTune = new FineTuneOptions { Epochs = 3, BatchSize = 32 };
        })).Fit(TestData.Multiclass(ml));
        Assert.AreEqual(0.75, pruned.Report.Sparsity, 0.005);
    }

    [TestMethod]
    public void Prune_IterativeWithFineTune_PrunedWeightsStayZero()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Prune(Options(TestData.Mlp(), "taylor", 0.6, o =>
        {
            o.Schedule = PruningSchedule.Iterative;
            o.Rounds = 2;
            o.FineTune = new FineTuneOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.01 };
        })).Fit(TestData.Multiclass(ml));
        Assert.AreEqual(0.6, pruned.Report.Sparsity, 0.005);
    }

    [TestMethod]
    public void Prune_BadOptions_FailWhenTheEstimatorIsBuilt_NamingTheOption()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp();
        var unknown = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(model, "obs", 0.5)));
        StringAssert.Contains(unknown.Message, "Known criteria:");
        var granularity = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(model, "fpgm", 0.5)));
        Assert.AreEqual("Granularity", granularity.ParamName);
        var labels = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().Prune(Options(model, "taylor", 0.5)));
        StringAssert.Contains(labels.Message, "LabelColumnName");
        var rounds = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(model, "magnitude", 0.5, o =>
        {
            o.Schedule = PruningSchedule.Iterative;
            o.Rounds = 0;
        })));
        Assert.AreEqual("Rounds", rounds.ParamName);
        var gradual = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().Prune(Options(model, "wanda", 0.5, o =>
        {
            o.Schedule = PruningSchedule.Gradual;
            o.FineTune = new FineTuneOptions();
        })));
        StringAssert.Contains(gradual.Message, "Iterative");
        var calibration = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(model, "wanda", 0.5, o => o.CalibrationRows = 0)));
        Assert.AreEqual("CalibrationRows", calibration.ParamName);
        var channels = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().Prune(Options(model, "magnitude", 0.5, o => o.Granularity = PruningGranularity.Channel)));
        StringAssert.Contains(channels.Message, "Conv");
    }

    [TestMethod]
    public void Prune_ColumnsTheModelDoesNotHave_FailWhenTheEstimatorIsBuilt()
    {
        var ml = new MLContext(1);
        var output = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(TestData.Mlp(), "magnitude", 0.5, o => o.OutputColumnNames = ["Scores"])));
        Assert.AreEqual("OutputColumnNames", output.ParamName);
        StringAssert.Contains(output.Message, "Model outputs: ");
        var input = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(TestData.Mlp(), "magnitude", 0.5, o => o.InputColumnNames = ["fc1.weight"])));
        Assert.AreEqual("InputColumnNames", input.ParamName);
    }

    [TestMethod]
    public void Prune_OptionsChangedAfterBuilding_AreCheckedAgainAtFit()
    {
        var ml = new MLContext(1);
        var estimator = ml.Pruning().Prune(Options(TestData.Mlp(), "magnitude", 0.5));
        estimator.Options.Sparsity = 0.25;
        Assert.AreEqual(0.25, estimator.Fit(TestData.Multiclass(ml)).Report.Sparsity, 0.01);
        estimator.Options.Sparsity = 1.5;
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.Fit(TestData.Multiclass(ml)));
        Assert.AreEqual("Sparsity", ex.ParamName);
    }

    [TestMethod]
    public void Prune_LabelColumnMissingFromData_ThrowsCouldNotFindBeforeAnyWork()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.Rows(20, 1));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            ml.Pruning().Prune(Options(TestData.Mlp(), "taylor", 0.5, o => o.LabelColumnName = "Label")).Fit(data));
        StringAssert.Contains(ex.Message, "Could not find input column 'Label'");
    }

    [TestMethod]
    public void Prune_CalibrationRowsBeyondTheData_UsesWhatThereIsAndWarns()
    {
        var ml = new MLContext(1);
        var warnings = new List<string>();
        ml.Log += (_, e) => { if (e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Warning) warnings.Add(e.Message); };
        var pruned = ml.Pruning().Prune(Options(TestData.Mlp(), "wanda", 0.5, o => o.CalibrationRows = 5000)).Fit(TestData.Multiclass(ml, 300));
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
        Assert.IsTrue(warnings.Any(w => w.Contains("CalibrationRows is 5000, but the data has 300 rows")), string.Join("\n", warnings));
    }

    [TestMethod]
    public void Prune_InfiniteActivation_ThrowsNamingTheLayer()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp();
        var bias = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.bias"));
        bias[2] = float.PositiveInfinity;
        OnnxTensor.SetFloats(model.GetInitializer("fc1.bias"), bias);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ml.Pruning().Prune(Options(model, "activation", 0.5, o =>
        {
            o.Granularity = PruningGranularity.Neuron;
            o.ExcludedLayers.Add("fc2.weight");
        })).Fit(TestData.Multiclass(ml)));
        StringAssert.Contains(ex.Message, "Layer 'fc1.weight'");
        StringAssert.Contains(ex.Message, "Infinity on calibration row 0");
    }

    [TestMethod]
    public void Prune_InputColumnOfWrongWidth_ThrowsNamingColumnAndShapes()
    {
        var ml = new MLContext(1);
        var narrow = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(_ => new NarrowRow()));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(TestData.Mlp(), "wanda", 0.5)).Fit(narrow));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Features'");
        StringAssert.Contains(ex.Message, "Vector<Single, 8>");
    }

    [TestMethod]
    public void PruneOptions_JsonRoundTrip_KeepsEveryOption()
    {
        var options = new PruneOptions
        {
            ModelPath = "model.onnx", OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = "taylor", Sparsity = 0.8,
            Scope = PruningScope.Layer, Granularity = PruningGranularity.Neuron, Schedule = PruningSchedule.Iterative, Rounds = 4,
            CalibrationRows = 512, LabelColumnName = "Label", Seed = 42, SparsityRampEnd = 0.5, PruningFrequency = 10,
            ExcludedLayers = { "fc3.weight" }, LayerSparsity = { ["fc1.weight"] = 0.9 },
            FineTune = new FineTuneOptions { Epochs = 3, LearningRate = 0.01 },
        };
        string json = JsonSerializer.Serialize(options);
        StringAssert.Contains(json, "\"Granularity\":\"Neuron\"");
        var back = JsonSerializer.Deserialize<PruneOptions>(json)!;
        Assert.AreEqual(json, JsonSerializer.Serialize(back));
        Assert.AreEqual(0.9, back.LayerSparsity["fc1.weight"]);
        Assert.AreEqual(3, back.FineTune!.Epochs);
        Assert.AreEqual(42, back.Seed);
    }

    private sealed class NarrowRow
    {
        [Microsoft.ML.Data.VectorType(7)]
        public float[] Features { get; set; } = new float[7];
    }
}
