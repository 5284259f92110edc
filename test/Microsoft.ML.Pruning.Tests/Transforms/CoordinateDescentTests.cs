using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class CoordinateDescentTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private static readonly string[] Inputs = ["Features"];
    private static readonly Lazy<(OnnxModel Model, IDataView Train, IDataView Test)> Trained = new(Train);

    /// <summary>An 8-32-16-3 MLP trained on the blobs (seeded), with held-out rows.</summary>
    private static (OnnxModel Model, IDataView Train, IDataView Test) Train()
    {
        var ml = new MLContext(1);
        var train = TestData.Multiclass(ml, 600, seed: 1);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions
        {
            HiddenLayers = [32, 16], Epochs = 20, BatchSize = 32, LearningRate = 0.01, Seed = 1,
        }).Fit(train).Model;
        return (model, train, TestData.Multiclass(ml, 600, seed: 2));
    }

    private static CoordinateDescentPruningOptions Options(OnnxModel model, double sparsity, Action<CoordinateDescentPruningOptions>? edit = null)
    {
        var options = new CoordinateDescentPruningOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, CalibrationRows = 512,
        };
        edit?.Invoke(options);
        return options;
    }

    private static double Accuracy(MLContext ml, ITransformer model, IDataView data) =>
        ml.MulticlassClassification.Evaluate(model.Transform(data)).MicroAccuracy;

    private static float[] Weights(OnnxModel model, string name) => OnnxTensor.ToFloatArray(model.GetInitializer(name));

    /// <summary>The first <paramref name="rows"/> feature rows of <paramref name="data"/>, row-major.</summary>
    private static float[] FeatureRows(IDataView data, int rows)
    {
        var x = new List<float>();
        using var cursor = data.GetRowCursor([data.Schema["Features"]]);
        var getter = cursor.GetGetter<VBuffer<float>>(data.Schema["Features"]);
        VBuffer<float> buffer = default;
        for (int r = 0; r < rows && cursor.MoveNext(); r++)
        {
            getter(ref buffer);
            x.AddRange(buffer.DenseValues());
        }
        return [.. x];
    }

    /// <summary>Mean squared difference of the Score column of two scorings.</summary>
    private static double OutputError(IDataView expected, IDataView actual)
    {
        var a = TestData.ScoreColumn(expected);
        var b = TestData.ScoreColumn(actual);
        return a.Zip(b).Average(p => p.First.Zip(p.Second).Average(v => (v.First - v.Second) * (double)(v.First - v.Second)));
    }

    [TestMethod]
    public void CoordinateDescent_Workout_FitsScoresSavesAndReloads()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var pruned = EstimatorWorkout.Run(ml, ml.Pruning().CoordinateDescent(TestData.Mlp(7, 16, 12), Outputs, Inputs, 0.5, 256), data, Outputs,
            bad, typeof(ArgumentOutOfRangeException));
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
        Assert.HasCount(3, pruned.Report.Reconstruction);
        StringAssert.StartsWith(pruned.Report.Method, "CoordinateDescent (sequential, least-squares refit), 50.0 % of weights, layer scope");
    }

    [TestMethod]
    public void CoordinateDescent_CompactInputModel_PrunesLikeItsDenseForm()
    {
        // A compact model keeps sparse weights in Constant nodes; densifying the copy that is pruned shifts node indices.
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        var sparse = model.Clone();
        var fc1 = Weights(sparse, "fc1.weight");
        for (int i = 0; i < fc1.Length; i++) if (i % 5 != 0) fc1[i] = 0;
        OnnxTensor.SetFloats(sparse.GetInitializer("fc1.weight"), fc1);
        var compact = sparse.Clone();
        Assert.IsGreaterThan(0, compact.Compact(), "the test needs a weight stored sparsely");

        var fromCompact = ml.Pruning().CoordinateDescent(Options(compact, 0.5)).Fit(train).Model;
        var fromDense = ml.Pruning().CoordinateDescent(Options(sparse, 0.5)).Fit(train).Model;

        foreach (string name in new[] { "fc1.weight", "fc2.weight", "fc3.weight" })
            CollectionAssert.AreEqual(Weights(Densified(fromDense), name), Weights(Densified(fromCompact), name), name);
    }

    [TestMethod]
    public void CoordinateDescent_ConsumerWeighting_TakesWeightsFromUnitsTheNextLayerDoesNotRead()
    {
        // fc2 reads nothing from fc1's units 0-7: with consumer weighting their rows cost (almost) nothing to lose.
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        var deaf = model.Clone();
        var fc2 = Weights(deaf, "fc2.weight"); // [16, 32]
        for (int k = 0; k < 16; k++)
            for (int i = 0; i < 8; i++) fc2[(k * 32) + i] = 0;
        OnnxTensor.SetFloats(deaf.GetInitializer("fc2.weight"), fc2);

        int KeptInDeafRows(bool weighting)
        {
            var pruned = ml.Pruning().CoordinateDescent(Options(deaf, 0.5, o => o.ConsumerWeighting = weighting)).Fit(train).Model;
            var fc1 = Weights(Densified(pruned), "fc1.weight"); // [32, 8]
            return fc1.Take(8 * 8).Count(v => v != 0);
        }

        int weighted = KeptInDeafRows(true), unweighted = KeptInDeafRows(false);
        Assert.IsGreaterThan(16, unweighted, "without weighting the rows keep about half their weights");
        Assert.IsLessThan(unweighted / 4, weighted);
    }

    [TestMethod]
    [DataRow("attention_mask")]
    [DataRow(null)]
    public void CoordinateDescent_PaddingMaskInput_LeavesPaddedTokensOutOfX(string? paddingMask)
    {
        // Token rows of 2 to 6 ids, padded per batch with id 0 (whose embedding is not zero) and mask 0; the MatMul reads
        // the unmasked embeddings, the mask applies after it.
        var ml = new MLContext(1);
        var rows = Tests.Data.DataRows.Tokens(count: 40);
        var model = Tests.Data.InputModels.Build(
            [
                Engine.TestGraphs.Node("Gather", ["Embedding", "input_ids"], ["E"], "embed"),
                Engine.TestGraphs.Node("MatMul", ["E", "W"], ["Z3"], "proj"),
                Engine.TestGraphs.Node("Cast", ["attention_mask"], ["Mf"], "mask_cast", Engine.TestGraphs.Attr("to", (long)Engine.TestGraphs.Float)),
                Engine.TestGraphs.Node("Unsqueeze", ["Mf", "Axis2"], ["M3"], "mask_unsqueeze"),
                Engine.TestGraphs.Node("Mul", ["Z3", "M3"], ["Zm"], "mask_mul"),
                Engine.TestGraphs.Node("ReduceMean", ["Zm"], ["Z"], "pool", Engine.TestGraphs.Attr("axes", new long[] { 1 }), Engine.TestGraphs.Attr("keepdims", 0L)),
                Engine.TestGraphs.Node("Softmax", ["Z"], ["Score"], "softmax", Engine.TestGraphs.Attr("axis", 1L)),
            ],
            [Engine.TestGraphs.Floats("Embedding", [20, 6], 9), Engine.TestGraphs.Floats("W", [6, 3], 10), OnnxTensor.FromInt64s("Axis2", [2], [1])],
            [Tests.Data.InputModels.Declared("input_ids", Engine.TestGraphs.Int64, "batch", "sequence"),
             Tests.Data.InputModels.Declared("attention_mask", Engine.TestGraphs.Int64, "batch", "sequence")],
            [Tests.Data.InputModels.Declared("Score", Engine.TestGraphs.Float, "batch", 3)]);

        var report = ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
        {
            Model = model, OutputColumnNames = ["Score"], InputColumnNames = ["input_ids", "attention_mask"], Sparsity = 0.5,
            CalibrationRows = rows.Length, PaddingMaskInput = paddingMask,
        }).Fit(Tests.Data.DataRows.TokenView(ml, rows)).Report;

        long tokens = rows.Sum(r => (long)r.InputIds.Length);
        long padded = rows.Chunk(256).Sum(batch => (long)batch.Length * batch.Max(r => r.InputIds.Length)); // one calibration batch
        Assert.IsLessThan(padded, tokens, "the rows must need padding");
        Assert.AreEqual(paddingMask is null ? padded : tokens, report.Reconstruction.Single().CalibrationPositions);
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void CoordinateDescent_FreeIntercept_BiasTakesTheMeanOfTheLostOutput(bool freeIntercept)
    {
        // fc1 sees the features in both models, so its pre-activation error on the calibration rows is exact to compute.
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        const int rows = 512;
        var fitted = ml.Pruning().CoordinateDescent(Options(model, 0.7, o => { o.FreeIntercept = freeIntercept; o.CalibrationRows = rows; })).Fit(train);
        var pruned = Densified(fitted.Model);
        Assert.AreEqual(freeIntercept, fitted.Report.Reconstruction.Single(r => r.Name == "fc1.weight").Note?.Contains("bias was refit") == true);
        float[] x = FeatureRows(train, rows), w = Weights(model, "fc1.weight"), b = Weights(model, "fc1.bias");
        float[] wp = Weights(pruned, "fc1.weight"), bp = Weights(pruned, "fc1.bias");

        double largestMeanError = 0, scale = 0;
        for (int k = 0; k < 32; k++)
        {
            double sum = 0;
            for (int r = 0; r < rows; r++)
            {
                double dense = b[k], after = bp[k];
                for (int j = 0; j < 8; j++)
                {
                    dense += x[(r * 8) + j] * (double)w[(k * 8) + j];
                    after += x[(r * 8) + j] * (double)wp[(k * 8) + j];
                }
                sum += after - dense;
                scale = Math.Max(scale, Math.Abs(dense));
            }
            largestMeanError = Math.Max(largestMeanError, Math.Abs(sum / rows));
        }

        if (freeIntercept) Assert.IsLessThan(1e-4 * scale, largestMeanError, "the bias absorbs the mean error");
        else Assert.IsGreaterThan(1e-3 * scale, largestMeanError, "without it some unit's error has a mean");
        CollectionAssert.AreEqual(freeIntercept ? null : b, freeIntercept ? null : bp);
    }

    private static OnnxModel Densified(OnnxModel model)
    {
        var copy = model.Clone();
        copy.Densify();
        return copy;
    }

    [TestMethod]
    public void CoordinateDescent_LayerScope_EachLayerKeepsExactCount()
    {
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        var report = ml.Pruning().CoordinateDescent(Options(model, 0.8, o => o.LayerSparsity["fc3.weight"] = 0.5)).Fit(train).Report;
        foreach (var layer in report.Layers)
        {
            double target = layer.Name == "fc3.weight" ? 0.5 : 0.8;
            Assert.AreEqual(layer.Parameters - MaskSelector.TargetPrunedCount(layer.Parameters, target), layer.NonZeros, layer.Name);
        }
    }

    [TestMethod]
    public void CoordinateDescent_SameSparsityPerRow_EveryRowKeepsItsShare()
    {
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;

        int[] RowCounts(bool perRow, string layer, int rows, int inputs)
        {
            var pruned = Densified(ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.SameSparsityPerRow = perRow)).Fit(train).Model);
            var w = Weights(pruned, layer);
            return [.. Enumerable.Range(0, rows).Select(r => w.Skip(r * inputs).Take(inputs).Count(v => v != 0))];
        }

        // fc1 is [32, 8] (4 kept per row at 50 %), fc2 [16, 32] (16 per row).
        CollectionAssert.AreEqual(Enumerable.Repeat(4, 32).ToArray(), RowCounts(true, "fc1.weight", 32, 8));
        CollectionAssert.AreEqual(Enumerable.Repeat(16, 16).ToArray(), RowCounts(true, "fc2.weight", 16, 32));
        // One λ per layer (the default) lets the rows differ.
        Assert.IsGreaterThan(1, RowCounts(false, "fc1.weight", 32, 8).Distinct().Count());
    }

    [TestMethod]
    public void CoordinateDescent_GlobalScope_KeepsMagnitudesPerLayerCounts()
    {
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        var cd = ml.Pruning().CoordinateDescent(Options(model, 0.8, o => o.Scope = PruningScope.Global)).Fit(train).Report;
        var magnitude = ml.Pruning().Magnitude(model, Outputs, Inputs, 0.8, PruningScope.Global).Fit(train).Report;
        CollectionAssert.AreEqual(magnitude.Layers.Select(l => l.NonZeros).ToArray(), cd.Layers.Select(l => l.NonZeros).ToArray());
        Assert.AreEqual(0.8, cd.Sparsity, 0.005);
    }

    [TestMethod]
    public void CoordinateDescent_OneShotAt80Percent_BeatsMagnitudeOnHeldOutAccuracy()
    {
        var ml = new MLContext(1);
        var (model, train, test) = Trained.Value;
        double dense = Accuracy(ml, ml.Pruning().Magnitude(model, Outputs, Inputs, 0).Fit(train), test);
        var cd = ml.Pruning().CoordinateDescent(Options(model, 0.8)).Fit(train);
        double cdAccuracy = Accuracy(ml, cd, test);
        double magnitude = Accuracy(ml, ml.Pruning().Magnitude(model, Outputs, Inputs, 0.8, PruningScope.Layer).Fit(train), test);
        Console.WriteLine($"dense {dense:F4}, coordinate descent {cdAccuracy:F4}, magnitude {magnitude:F4}");
        Console.WriteLine(cd.Report);
        Assert.IsGreaterThanOrEqualTo(magnitude + 0.05, cdAccuracy, $"coordinate descent {cdAccuracy} vs magnitude {magnitude} (dense {dense})");
        Assert.IsGreaterThanOrEqualTo(dense - 0.05, cdAccuracy, $"coordinate descent {cdAccuracy} vs dense {dense}");
    }

    [TestMethod]
    public void CoordinateDescent_ReconstructionError_ReportedAndBelowMagnitudeMasks()
    {
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        var cd = ml.Pruning().CoordinateDescent(Options(model, 0.8)).Fit(train);
        var first = cd.Report.Reconstruction.Single(r => r.Name == "fc1.weight");
        Assert.AreEqual(512, first.CalibrationPositions);

        // fc1 reads the features, so its X is the same for every method: magnitude's error from the solver's Gram matrix.
        var gram = GramMatrix.FromCalibrationRows(FeatureRows(train, 512), 512, TestData.FeatureCount);
        var magnitude = ml.Pruning().Magnitude(model, Outputs, Inputs, 0.8, PruningScope.Layer).Fit(train).Model;
        var w = Weights(model, "fc1.weight"); // Gemm with transB = 1: [out, in]
        var pruned = Weights(magnitude, "fc1.weight");
        double residual = 0, output = 0;
        int n = TestData.FeatureCount;
        for (int row = 0; row < w.Length / n; row++)
        {
            var d = new double[n];
            var full = new double[n];
            for (int j = 0; j < n; j++) { d[j] = w[row * n + j] - pruned[row * n + j]; full[j] = w[row * n + j]; }
            residual += gram.QuadraticForm(d);
            output += gram.QuadraticForm(full);
        }
        double magnitudeError = Math.Sqrt(residual / output);
        Console.WriteLine($"fc1 relative error: coordinate descent {first.RelativeError:G4}, magnitude {magnitudeError:G4}"); // 0.467 vs 0.586 when written
        Assert.IsGreaterThan(0.0, first.RelativeError);
        Assert.IsLessThan(0.9 * magnitudeError, first.RelativeError, $"coordinate descent {first.RelativeError} vs magnitude {magnitudeError}");
        foreach (var layer in cd.Report.Reconstruction)
        {
            Assert.IsTrue(double.IsFinite(layer.RelativeError) && layer.RelativeError < 1, $"{layer.Name}: {layer.RelativeError}");
            Assert.IsNotNull(layer.MaxDualityGap);
            Assert.IsGreaterThan(0L, layer.Iterations, layer.Name);
        }
        string text = cd.Report.ToString();
        StringAssert.Contains(text, "rel. error");
        StringAssert.Contains(text, first.RelativeError.ToString("G4", System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    public void CoordinateDescent_SequentialAndParallel_BothRunAndSequentialIsNotWorseOnOutput()
    {
        var ml = new MLContext(1);
        var (model, train, test) = Trained.Value;
        var dense = ml.Pruning().Magnitude(model, Outputs, Inputs, 0).Fit(train).Transform(test);
        var sequential = ml.Pruning().CoordinateDescent(Options(model, 0.8)).Fit(train);
        var parallel = ml.Pruning().CoordinateDescent(Options(model, 0.8, o => o.Sequential = false)).Fit(train);
        double sequentialError = OutputError(dense, sequential.Transform(test));
        double parallelError = OutputError(dense, parallel.Transform(test));
        Console.WriteLine($"output MSE vs dense: sequential {sequentialError:G4}, parallel {parallelError:G4}");
        StringAssert.Contains(parallel.Report.Method, "parallel");
        Assert.AreEqual(sequential.Report.TotalNonZeros, parallel.Report.TotalNonZeros);
        Assert.IsLessThanOrEqualTo(parallelError * 1.05, sequentialError, $"sequential {sequentialError} vs parallel {parallelError}");
        // The first layer sees the same X either way.
        Assert.AreEqual(sequential.Report.Reconstruction[0].RelativeError, parallel.Report.Reconstruction[0].RelativeError, 1e-9);
    }

    [TestMethod]
    public void CoordinateDescent_Lambda_SparsityFollowsLambda()
    {
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        var small = ml.Pruning().CoordinateDescent(Options(model, 0, o => o.Lambda = 0.001)).Fit(train).Report;
        var large = ml.Pruning().CoordinateDescent(Options(model, 0, o => o.Lambda = 0.1)).Fit(train).Report;
        Console.WriteLine(large);
        Assert.IsGreaterThan(small.Sparsity, large.Sparsity, $"λ 0.1: {large.Sparsity}, λ 0.001: {small.Sparsity}");
        Assert.IsGreaterThan(0.0, large.Sparsity);
        foreach (var layer in large.Reconstruction) Assert.AreEqual(0.1, layer.Lambda!.Value, 1e-12, layer.Name);
        StringAssert.Contains(large.Method, "λ = 0.1");
    }

    [TestMethod]
    public void CoordinateDescentOptions_JsonRoundTrip_KeepsEveryOption()
    {
        var options = new CoordinateDescentPruningOptions
        {
            ModelPath = "model.onnx", OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = 0, Lambda = 0.25, Damping = 0.02,
            MaxIterations = 77, Tolerance = 1e-5, ConsumerWeighting = false, FreeIntercept = false, PaddingMaskInput = "mask", Sequential = false, Refit = false, CalibrationRows = 300, Scope = PruningScope.Global,
            MaxConvPositionsPerRow = 500, MaxGramMegabytes = 99, AdaptivePower = 0.5, SameSparsityPerRow = true,
            ExcludedLayers = { "fc3.weight" }, FineTune = new FineTuneOptions { Epochs = 2 },
        };
        string json = JsonSerializer.Serialize(options);
        var back = JsonSerializer.Deserialize<CoordinateDescentPruningOptions>(json)!;
        Assert.AreEqual(json, JsonSerializer.Serialize(back));
        Assert.AreEqual(0.25, back.Lambda);
        Assert.AreEqual(0.02, back.Damping);
        Assert.AreEqual(77, back.MaxIterations);
        Assert.AreEqual(1e-5, back.Tolerance);
        Assert.IsFalse(back.ConsumerWeighting);
        Assert.IsFalse(back.FreeIntercept);
        Assert.AreEqual("mask", back.PaddingMaskInput);
        Assert.IsFalse(back.Sequential);
        Assert.IsFalse(back.Refit);
        Assert.AreEqual(500, back.MaxConvPositionsPerRow);
        Assert.AreEqual(99, back.MaxGramMegabytes);
        Assert.AreEqual(0.5, back.AdaptivePower);
        Assert.IsTrue(back.SameSparsityPerRow);
        Assert.AreEqual(1.0, new CoordinateDescentPruningOptions().AdaptivePower);
        Assert.AreEqual(PruningScope.Global, back.Scope);
        Assert.AreEqual(PruningScope.Layer, new CoordinateDescentPruningOptions().Scope);
    }

    [TestMethod]
    public void CoordinateDescent_NegativeLambda_ThrowsNamingLambda()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().CoordinateDescent(Options(TestData.Mlp(), 0, o => o.Lambda = -1)));
        Assert.AreEqual("Lambda", ex.ParamName);
    }

    [TestMethod]
    public void CoordinateDescent_SameSparsityPerRowWithLambda_ThrowsNamingIt()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().CoordinateDescent(Options(TestData.Mlp(), 0, o =>
        {
            o.Lambda = 0.1;
            o.SameSparsityPerRow = true;
        })));
        Assert.AreEqual("SameSparsityPerRow", ex.ParamName);
        StringAssert.Contains(ex.Message, "Lambda");
    }

    [TestMethod]
    public void CoordinateDescent_SparsityAndLambda_ThrowsNamingBoth()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentException>(() => ml.Pruning().CoordinateDescent(Options(TestData.Mlp(), 0.5, o => o.Lambda = 0.1)));
        StringAssert.Contains(ex.Message, "Sparsity");
        StringAssert.Contains(ex.Message, "Lambda");
    }

    [TestMethod]
    [DataRow("Damping")]
    [DataRow("AdaptivePower")]
    [DataRow("MaxIterations")]
    [DataRow("Tolerance")]
    [DataRow("MaxConvPositionsPerRow")]
    [DataRow("MaxGramMegabytes")]
    public void CoordinateDescent_BadSolverOption_ThrowsNamingIt(string option)
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().CoordinateDescent(Options(TestData.Mlp(), 0.5, o =>
        {
            if (option == "Damping") o.Damping = -0.1;
            if (option == "AdaptivePower") o.AdaptivePower = double.NaN;
            if (option == "MaxIterations") o.MaxIterations = 0;
            if (option == "Tolerance") o.Tolerance = 0;
            if (option == "MaxConvPositionsPerRow") o.MaxConvPositionsPerRow = 0;
            if (option == "MaxGramMegabytes") o.MaxGramMegabytes = 0;
        })));
        Assert.AreEqual(option, ex.ParamName);
    }

    [TestMethod]
    public void CoordinateDescent_InfiniteActivation_ThrowsNamingLayer()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp(7, 16, 12);
        var fc1 = model.GetInitializer("fc1.weight");
        var w = OnnxTensor.ToFloatArray(fc1);
        w[0] = 3e38f; // fc1's first unit overflows to +Inf, which fc2 reads
        OnnxTensor.SetFloats(fc1, w);
        var options = Options(model, 0.5, o => o.ExcludedLayers.Add("fc1.weight"));
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ml.Pruning().CoordinateDescent(options).Fit(TestData.Multiclass(ml)));
        StringAssert.Contains(ex.Message, "fc2.weight");
    }

    [TestMethod]
    public void CoordinateDescent_ConvLayer_IsNoLongerRefused()
    {
        var ml = new MLContext(1);
        var proto = TestData.Mlp().Proto.Clone();
        var conv = new NodeProto { OpType = "Conv", Name = "conv" };
        conv.Input.Add("Features");
        conv.Input.Add("conv.weight");
        conv.Output.Add("conv_out");
        proto.Graph.Node.Add(conv);
        proto.Graph.Initializer.Add(OnnxTensor.FromFloats("conv.weight", new float[4 * 8], [4L, 8, 1]));
        var model = OnnxModel.FromProto(proto);
        var estimator = ml.Pruning().CoordinateDescent(model, Outputs, Inputs, 0.5); // Conv layers: CoordinateDescentConvTests
        Assert.IsNotNull(estimator);
    }

    [TestMethod]
    public void CoordinateDescent_FewerCalibrationRowsThanInputs_WarnsAndDamps()
    {
        var ml = new MLContext(1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) messages.Add(e.Message); };
        var pruned = ml.Pruning().CoordinateDescent(Options(TestData.Mlp(7, 16, 12), 0.5, o => o.CalibrationRows = 5)).Fit(TestData.Multiclass(ml));
        var fc1 = pruned.Report.Reconstruction.Single(r => r.Name == "fc1.weight");
        Assert.AreEqual(5, fc1.CalibrationPositions);
        Assert.IsGreaterThan(0.0, fc1.Damping);
        StringAssert.Contains(fc1.Note, "singular");
        Assert.IsTrue(messages.Any(m => m.Contains("fc1.weight") && m.Contains("singular")), "the log warns about the singular Gram matrix");
        Assert.AreEqual(0.5, pruned.Report.Sparsity, 0.01);
    }

    [TestMethod]
    public void CoordinateDescent_FineTune_KeepsPrunedWeightsZero()
    {
        var ml = new MLContext(1);
        var (model, train, _) = Trained.Value;
        var oneShot = ml.Pruning().CoordinateDescent(Options(model, 0.8)).Fit(train);
        var tuned = ml.Pruning().CoordinateDescent(Options(model, 0.8, o => o.FineTune = new FineTuneOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.001 })).Fit(train);
        Assert.HasCount(1, tuned.Report.FineTuning);
        foreach (var layer in tuned.Report.Layers)
        {
            var before = Weights(oneShot.Model, layer.Name);
            var after = Weights(tuned.Model, layer.Name);
            for (int i = 0; i < before.Length; i++)
                if (before[i] == 0) Assert.AreEqual(0f, after[i], $"{layer.Name}[{i}]");
        }
    }
}
