using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>CoordinateDescent with Granularity Neuron: group-Lasso neuron selection and least-squares refit of the consumer.</summary>
[TestClass]
public sealed class StructuredCoordinateDescentTests
{
    private static readonly string[] Outputs = ["Score", "PredictedLabel"];
    private static readonly string[] Inputs = ["Features"];
    private const int CalibrationRows = 300;
    private static readonly Lazy<(OnnxModel Model, IDataView Train)> Trained = new(Train);

    /// <summary>An 8-16-12-3 MLP trained on the blobs (seeded).</summary>
    private static (OnnxModel Model, IDataView Train) Train()
    {
        var ml = new MLContext(1);
        var train = TestData.Multiclass(ml, 300, seed: 1);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions
        {
            HiddenLayers = [16, 12], Epochs = 15, BatchSize = 32, LearningRate = 0.01, Seed = 1,
        }).Fit(train).Model;
        return (model, train);
    }

    private static CoordinateDescentPruningOptions Options(OnnxModel model, double sparsity, Action<CoordinateDescentPruningOptions>? edit = null)
    {
        var options = new CoordinateDescentPruningOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, CalibrationRows = CalibrationRows,
            Granularity = PruningGranularity.Neuron,
            Structured = new StructuredOptions { RemoveUnits = false }, // the masked model: these tests read zero rows and columns
        };
        edit?.Invoke(options);
        return options;
    }

    private static float[] Weights(OnnxModel model, string name) => OnnxTensor.ToFloatArray(model.GetInitializer(name));

    /// <summary>Which of a [units, inputs] weight's rows (output units) have a non-zero weight.</summary>
    private static bool[] LiveRows(float[] w, int units, int inputs) =>
        [.. Enumerable.Range(0, units).Select(u => Enumerable.Range(0, inputs).Any(j => w[(u * inputs) + j] != 0))];

    /// <summary>Which of a [units, inputs] weight's columns (inputs) have a non-zero weight.</summary>
    private static bool[] LiveColumns(float[] w, int units, int inputs) =>
        [.. Enumerable.Range(0, inputs).Select(j => Enumerable.Range(0, units).Any(u => w[(u * inputs) + j] != 0))];

    private static double OutputError(IDataView expected, IDataView actual)
    {
        var a = TestData.ScoreColumn(expected);
        var b = TestData.ScoreColumn(actual);
        return a.Zip(b).Average(p => p.First.Zip(p.Second).Average(v => (v.First - v.Second) * (double)(v.First - v.Second)));
    }

    [TestMethod]
    public void Neuron_DefaultOptions_RemoveTheNeuronsFromTheWrittenModelAndVerify()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().CoordinateDescent(Options(TestData.Mlp(7, 16, 12), 0.5, o => o.Structured = new StructuredOptions())).Fit(TestData.Multiclass(ml));

        var model = pruned.Model;
        CollectionAssert.AreEqual(new long[] { 8, 8 }, model.GetInitializer("fc1.weight").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 6, 8 }, model.GetInitializer("fc2.weight").Dims.ToArray());
        CollectionAssert.AreEqual(new long[] { 3, 6 }, model.GetInitializer("fc3.weight").Dims.ToArray());
        Assert.IsLessThanOrEqualTo(1e-4, pruned.Report.Structured!.Verification!.MaxRelativeDifference);
        Assert.HasCount(2, pruned.Report.Reconstruction);
    }

    [TestMethod]
    public void Neuron_HalfOfHiddenNeurons_KeepsExactCountsAndZeroesRowsBiasesAndColumns()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp(7, 16, 12);
        var pruned = ml.Pruning().CoordinateDescent(Options(model, 0.5)).Fit(TestData.Multiclass(ml)).Model;

        var fc1 = Weights(pruned, "fc1.weight");
        var fc2 = Weights(pruned, "fc2.weight");
        var fc3 = Weights(pruned, "fc3.weight");
        bool[] hidden1 = LiveRows(fc1, 16, TestData.FeatureCount);
        bool[] hidden2 = LiveRows(fc2, 12, 16);
        Assert.AreEqual(8, hidden1.Count(k => k), "fc1 keeps 8 of 16 neurons");
        Assert.AreEqual(6, hidden2.Count(k => k), "fc2 keeps 6 of 12 neurons");
        Assert.IsTrue(LiveRows(fc3, TestData.ClassCount, 12).All(k => k), "the last layer's outputs are all kept");
        // A removed neuron's consumer column is zero; a kept neuron's column is not.
        CollectionAssert.AreEqual(hidden1, LiveColumns(fc2, 12, 16));
        CollectionAssert.AreEqual(hidden2, LiveColumns(fc3, TestData.ClassCount, 12));
        var bias1 = Weights(pruned, "fc1.bias");
        var bias2 = Weights(pruned, "fc2.bias");
        var denseBias1 = Weights(model, "fc1.bias");
        for (int u = 0; u < 16; u++) Assert.AreEqual(hidden1[u] ? denseBias1[u] : 0f, bias1[u], $"fc1.bias[{u}]");
        for (int u = 0; u < 12; u++) if (!hidden2[u]) Assert.AreEqual(0f, bias2[u], $"fc2.bias[{u}]");
        // The producer's kept rows are its dense rows; only the consumers are refit.
        var dense1 = Weights(model, "fc1.weight");
        for (int i = 0; i < fc1.Length; i++) Assert.AreEqual(hidden1[i / TestData.FeatureCount] ? dense1[i] : 0f, fc1[i], $"fc1.weight[{i}]");
    }

    [TestMethod]
    public void Neuron_Report_OneRowPerConsumerWithKeptCounts()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().CoordinateDescent(Options(TestData.Mlp(7, 16, 12), 0.5)).Fit(TestData.Multiclass(ml));
        var report = pruned.Report;

        CollectionAssert.AreEqual(new[] { "fc2.weight", "fc3.weight" }, report.Reconstruction.Select(r => r.Name).ToArray());
        StringAssert.Contains(report.Reconstruction[0].Note, "kept 8 of 16 neurons of 'fc1.weight'");
        StringAssert.Contains(report.Reconstruction[1].Note, "kept 6 of 12 neurons of 'fc2.weight'");
        foreach (var row in report.Reconstruction)
        {
            Assert.IsTrue(row.RelativeError is > 0 and < 1, $"{row.Name}: {row.RelativeError}");
            Assert.IsGreaterThan(0.0, row.Lambda!.Value, row.Name);
            Assert.IsNotNull(row.MaxDualityGap);
            Assert.IsGreaterThan(0L, row.Iterations, row.Name);
            Assert.AreEqual(CalibrationRows, row.CalibrationPositions);
        }
        StringAssert.StartsWith(report.Method, "CoordinateDescent (sequential, least-squares refit), 50.0 % of neurons, layer scope");
        // Sparsity of the weights: fc1 loses 8 rows of 8, fc2 8 columns and 6 rows (of the 8 kept columns), fc3 6 columns.
        var layers = report.Layers.ToDictionary(l => l.Name);
        Assert.AreEqual(8 * 8, layers["fc1.weight"].NonZeros);
        Assert.IsLessThanOrEqualTo(6L * 8, layers["fc2.weight"].NonZeros);
        Assert.IsLessThanOrEqualTo(3L * 6, layers["fc3.weight"].NonZeros);
    }

    [TestMethod]
    public void Neuron_OutputError_BelowL2NormNeuronPruningOfTheSameNeurons()
    {
        var ml = new MLContext(1);
        var (model, train) = Trained.Value;
        var dense = ml.Pruning().Magnitude(model, Outputs, Inputs, 0).Fit(train).Transform(train);
        foreach (double sparsity in new[] { 0.25, 0.5, 0.75 })
        {
            var cd = ml.Pruning().CoordinateDescent(Options(model, sparsity)).Fit(train);
            var l2 = ml.Pruning().Prune(new PruneOptions
            {
                Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = "magnitude-l2", Granularity = PruningGranularity.Neuron, Structured = new StructuredOptions { RemoveUnits = false },
                Sparsity = sparsity, Scope = PruningScope.Layer, ExcludedLayers = { "fc3.weight" },
            }).Fit(train);
            // The same number of neurons is removed from each hidden layer.
            foreach (var (name, units, inputs) in new[] { ("fc1.weight", 16, TestData.FeatureCount), ("fc2.weight", 12, 16) })
                Assert.AreEqual(LiveRows(Weights(l2.Model, name), units, inputs).Count(k => k), LiveRows(Weights(cd.Model, name), units, inputs).Count(k => k), name);
            double cdError = OutputError(dense, cd.Transform(train));
            double l2Error = OutputError(dense, l2.Transform(train));
            Console.WriteLine($"{sparsity:P0} of neurons: output MSE vs dense on the calibration rows, CoordinateDescent {cdError:G4}, L2-norm neurons {l2Error:G4}");
            Assert.IsLessThan(0.5 * l2Error, cdError, $"at {sparsity}: CoordinateDescent {cdError} vs L2 norm {l2Error}");
        }
    }

    [TestMethod]
    public void Neuron_ConsumerBias_RefitSoTheOutputErrorHasZeroMean()
    {
        // Least squares with a free intercept leaves residuals of zero mean: on the calibration rows, fc2's pre-activation
        // output after pruning fc1's neurons differs from the dense one by zero on average, for every output.
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = TestData.Mlp(7, 16, 12);
        var pruned = ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.LayerSparsity["fc2.weight"] = 0)).Fit(data).Model;
        Assert.AreNotEqual(Weights(model, "fc2.bias")[0], Weights(pruned, "fc2.bias")[0], "the consumer's bias moved");
        StringAssert.Contains(ml.Pruning().CoordinateDescent(Options(model, 0.5)).Fit(data).Report.Reconstruction[0].Note, "bias was refit");

        var rows = TestData.Rows(CalibrationRows, seed: 1);
        double[] Fc2(OnnxModel m, float[] x)
        {
            var (w1, b1, w2, b2) = (Weights(m, "fc1.weight"), Weights(m, "fc1.bias"), Weights(m, "fc2.weight"), Weights(m, "fc2.bias"));
            var h = Enumerable.Range(0, 16).Select(u => Math.Max(0, b1[u] + Enumerable.Range(0, x.Length).Sum(i => (double)w1[(u * x.Length) + i] * x[i]))).ToArray();
            return [.. Enumerable.Range(0, 12).Select(k => b2[k] + Enumerable.Range(0, 16).Sum(u => (double)w2[(k * 16) + u] * h[u]))];
        }
        var differences = rows.Select(r => Fc2(pruned, r.Features).Zip(Fc2(model, r.Features), (a, b) => a - b).ToArray()).ToList();
        for (int k = 0; k < 12; k++)
        {
            double mean = differences.Average(d => d[k]);
            double spread = Math.Sqrt(differences.Average(d => d[k] * d[k]));
            Assert.IsLessThan(1e-3 * Math.Max(spread, 1e-6) + 1e-5, Math.Abs(mean), $"output {k}: mean difference {mean}, RMS {spread}");
        }
    }

    [TestMethod]
    public void Neuron_CompactInputModel_PrunesLikeItsDenseForm()
    {
        // Weights stored as Constant nodes (sparse_value) shift node indices when the pipeline densifies its copy.
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var sparse = TestData.Mlp(7, 16, 12);
        foreach (string name in new[] { "fc1.weight", "fc2.weight", "fc3.weight" })
        {
            var w = Weights(sparse, name);
            for (int i = 0; i < w.Length; i++) if (i % 4 != 0) w[i] = 0;
            OnnxTensor.SetFloats(sparse.GetInitializer(name), w);
        }
        var compact = sparse.Clone();
        Assert.IsGreaterThan(0, compact.Compact());
        Assert.IsTrue(compact.Graph.Node.Any(n => n.OpType == "Constant"));

        var fromCompact = ml.Pruning().CoordinateDescent(Options(compact, 0.5)).Fit(data);
        var fromDense = ml.Pruning().CoordinateDescent(Options(sparse, 0.5)).Fit(data);

        foreach (string name in new[] { "fc1.weight", "fc2.weight", "fc3.weight", "fc2.bias" })
            CollectionAssert.AreEqual(Weights(fromDense.Model, name), Weights(fromCompact.Model, name), name);
    }

    [TestMethod]
    public void Neuron_LayerSparsity_OverridesTheProducer()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().CoordinateDescent(Options(TestData.Mlp(7, 16, 12), 0.5, o => o.LayerSparsity["fc1.weight"] = 0.25)).Fit(TestData.Multiclass(ml));
        StringAssert.Contains(pruned.Report.Reconstruction[0].Note, "kept 12 of 16 neurons of 'fc1.weight'");
        StringAssert.Contains(pruned.Report.Reconstruction[1].Note, "kept 6 of 12 neurons of 'fc2.weight'");
    }

    [TestMethod]
    public void Neuron_GlobalScope_TakesTheL2NormAllocation()
    {
        var ml = new MLContext(1);
        var (model, train) = Trained.Value;
        var cd = ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.Scope = PruningScope.Global)).Fit(train).Model;
        var l2 = ml.Pruning().Prune(new PruneOptions
        {
            Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = "magnitude-l2", Granularity = PruningGranularity.Neuron, Structured = new StructuredOptions { RemoveUnits = false },
            Sparsity = 0.5, Scope = PruningScope.Global, ExcludedLayers = { "fc3.weight" },
        }).Fit(train).Model;
        int cd1 = LiveRows(Weights(cd, "fc1.weight"), 16, TestData.FeatureCount).Count(k => k);
        int cd2 = LiveRows(Weights(cd, "fc2.weight"), 12, 16).Count(k => k);
        Assert.AreEqual(14, cd1 + cd2, "half of the 28 hidden neurons are kept");
        Assert.AreEqual(LiveRows(Weights(l2, "fc1.weight"), 16, TestData.FeatureCount).Count(k => k), cd1);
        Assert.AreEqual(LiveRows(Weights(l2, "fc2.weight"), 12, 16).Count(k => k), cd2);
    }

    [TestMethod]
    public void Neuron_Lambda_LargerLambdaRemovesMoreNeurons()
    {
        var ml = new MLContext(1);
        var (model, train) = Trained.Value;
        var small = ml.Pruning().CoordinateDescent(Options(model, 0, o => o.Lambda = 0.01)).Fit(train).Model;
        var large = ml.Pruning().CoordinateDescent(Options(model, 0, o => o.Lambda = 0.5)).Fit(train);
        int Kept(OnnxModel m) => LiveRows(Weights(m, "fc1.weight"), 16, TestData.FeatureCount).Count(k => k) + LiveRows(Weights(m, "fc2.weight"), 12, 16).Count(k => k);
        Console.WriteLine($"kept neurons: λ 0.01 {Kept(small)}, λ 0.5 {Kept(large.Model)}");
        Assert.IsLessThan(Kept(small), Kept(large.Model));
        Assert.IsLessThan(28, Kept(large.Model), "λ 0.5 removes neurons");
        foreach (var row in large.Report.Reconstruction) Assert.AreEqual(0.5, row.Lambda!.Value, 1e-12, row.Name);
    }

    [TestMethod]
    public void Neuron_HugeLambda_KeepsOneNeuronPerLayerAndSaysSo()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().CoordinateDescent(Options(TestData.Mlp(7, 16, 12), 0, o => o.Lambda = 1e6)).Fit(TestData.Multiclass(ml));
        Assert.AreEqual(1, LiveRows(Weights(pruned.Model, "fc1.weight"), 16, TestData.FeatureCount).Count(k => k));
        Assert.AreEqual(1, LiveRows(Weights(pruned.Model, "fc2.weight"), 12, 16).Count(k => k));
        foreach (var row in pruned.Report.Reconstruction) StringAssert.Contains(row.Note, "would remove every neuron; one is kept");
    }

    [TestMethod]
    public void Neuron_WithoutRefit_KeepsExactCountsWithTheLassoValues()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = TestData.Mlp(7, 16, 12);
        var lasso = ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.Refit = false)).Fit(data);
        var refit = ml.Pruning().CoordinateDescent(Options(model, 0.5)).Fit(data);
        Assert.AreEqual(8, LiveRows(Weights(lasso.Model, "fc1.weight"), 16, TestData.FeatureCount).Count(k => k));
        Assert.AreEqual(6, LiveRows(Weights(lasso.Model, "fc2.weight"), 12, 16).Count(k => k));
        Assert.IsFalse(lasso.Report.Reconstruction[0].Note!.Contains("least-squares refit"));
        StringAssert.Contains(lasso.Report.Method, "Lasso values");
        // The refit removes the shrinkage: on the same X (the first pair), its error is lower.
        Assert.IsLessThan(lasso.Report.Reconstruction[0].RelativeError, refit.Report.Reconstruction[0].RelativeError);
    }

    [TestMethod]
    public void Neuron_SequentialAndParallel_FirstPairSeesTheSameInputs()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var model = TestData.Mlp(7, 16, 12);
        var sequential = ml.Pruning().CoordinateDescent(Options(model, 0.5)).Fit(data).Report;
        var parallel = ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.Sequential = false)).Fit(data).Report;
        StringAssert.Contains(parallel.Method, "parallel");
        Assert.AreEqual(sequential.Reconstruction[0].RelativeError, parallel.Reconstruction[0].RelativeError, 1e-9);
        for (int i = 0; i < 2; i++) Assert.AreEqual(sequential.Reconstruction[i].Note!.Split(" (")[0], parallel.Reconstruction[i].Note!.Split(" (")[0]);
    }

    [TestMethod]
    public void Neuron_MatMulWithBiasAdd_RemovesColumnsOfTheStoredInOutLayout()
    {
        var ml = new MLContext(1);
        var model = MatMulMlp();
        var pruned = ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.OutputColumnNames = ["Score"])).Fit(TestData.Multiclass(ml)).Model;
        // MatMul weights are [in, out]: a neuron of w1 is a column, its consumer's input a row of w2.
        var w1 = Weights(pruned, "w1");
        var w2 = Weights(pruned, "w2");
        var b1 = Weights(pruned, "b1");
        bool[] kept = [.. Enumerable.Range(0, 10).Select(u => Enumerable.Range(0, TestData.FeatureCount).Any(i => w1[(i * 10) + u] != 0))];
        Assert.AreEqual(5, kept.Count(k => k));
        for (int u = 0; u < 10; u++)
        {
            Assert.AreEqual(kept[u], Enumerable.Range(0, 3).Any(k => w2[(u * 3) + k] != 0), $"w2 row {u}");
            if (!kept[u]) Assert.AreEqual(0f, b1[u], $"b1[{u}]");
        }
    }

    [TestMethod]
    public void Neuron_FineTune_KeepsRemovedNeuronsZero()
    {
        var ml = new MLContext(1);
        var (model, train) = Trained.Value;
        var tuned = ml.Pruning().CoordinateDescent(Options(model, 0.5, o => o.FineTune = new FineTuneOptions { Epochs = 1, BatchSize = 32, LearningRate = 0.01 })).Fit(train);
        Assert.HasCount(1, tuned.Report.FineTuning);
        var fc1 = Weights(tuned.Model, "fc1.weight");
        var fc2 = Weights(tuned.Model, "fc2.weight");
        bool[] hidden1 = LiveRows(fc1, 16, TestData.FeatureCount);
        Assert.AreEqual(8, hidden1.Count(k => k));
        CollectionAssert.AreEqual(hidden1, LiveColumns(fc2, 12, 16), "fc2's columns of removed fc1 neurons stay zero");
        Assert.AreEqual(6, LiveRows(fc2, 12, 16).Count(k => k));
    }

    [TestMethod]
    public void Neuron_OnlyOneLayer_ThrowsSayingNoNeuronFeedsALayer()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Pruning().CoordinateDescent(Options(TestData.Mlp(7, 16), 0.5, o => o.ExcludedLayers.Add("fc1.weight"))));
        StringAssert.Contains(ex.Message, "fc2.weight");
        StringAssert.Contains(ex.Message, "Neuron");
    }

    [TestMethod]
    public void Neuron_ConsumerIsConv_ThrowsNotSupportedNamingTheLayers()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => ml.Pruning().CoordinateDescent(Options(MatMulIntoConv(), 0.5, o => o.OutputColumnNames = ["Score"])));
        StringAssert.Contains(ex.Message, "'w1'");
        StringAssert.Contains(ex.Message, "Conv");
        StringAssert.Contains(ex.Message, "conv.weight");
    }

    [TestMethod]
    public void Channel_ConvLayer_ThrowsNotSupportedNamingTheLayer()
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => ml.Pruning().CoordinateDescent(Options(MatMulIntoConv(), 0.5, o =>
        {
            o.OutputColumnNames = ["Score"];
            o.Granularity = PruningGranularity.Channel;
        })));
        StringAssert.Contains(ex.Message, "conv.weight");
        StringAssert.Contains(ex.Message, "Channel");
    }

    /// <summary>Features [N, 8] → MatMul w1 [8, 10] → Add b1 → Relu → MatMul w2 [10, 3] → Add b2 → Score.</summary>
    private static OnnxModel MatMulMlp()
    {
        var random = new Random(3);
        float[] Uniform(int count, int fanIn) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2 - 1) / Math.Sqrt(fanIn)))];
        var graph = new GraphProto { Name = "matmul" };
        graph.Input.Add(Value("Features", TestData.FeatureCount));
        graph.Output.Add(Value("Score", 3));
        graph.Initializer.Add(OnnxTensor.FromFloats("w1", Uniform(TestData.FeatureCount * 10, TestData.FeatureCount), [TestData.FeatureCount, 10]));
        graph.Initializer.Add(OnnxTensor.FromFloats("b1", Uniform(10, TestData.FeatureCount), [10]));
        graph.Initializer.Add(OnnxTensor.FromFloats("w2", Uniform(30, 10), [10, 3]));
        graph.Initializer.Add(OnnxTensor.FromFloats("b2", Uniform(3, 10), [3]));
        graph.Node.Add(Node("MatMul", ["Features", "w1"], "h1"));
        graph.Node.Add(Node("Add", ["b1", "h1"], "h1b"));
        graph.Node.Add(Node("Relu", ["h1b"], "a1"));
        graph.Node.Add(Node("MatMul", ["a1", "w2"], "h2"));
        graph.Node.Add(Node("Add", ["h2", "b2"], "Score"));
        return Model(graph);
    }

    /// <summary>Features [N, 8] → MatMul w1 [8, 4] → Relu → Conv (weight [3, 4, 1]) reading it as [N, 4, 1]-shaped channels → Score.</summary>
    private static OnnxModel MatMulIntoConv()
    {
        var graph = new GraphProto { Name = "conv" };
        graph.Input.Add(Value("Features", TestData.FeatureCount));
        graph.Output.Add(Value("Score", 3));
        graph.Initializer.Add(OnnxTensor.FromFloats("w1", new float[TestData.FeatureCount * 4], [TestData.FeatureCount, 4]));
        graph.Initializer.Add(OnnxTensor.FromFloats("conv.weight", new float[12], [3, 4, 1]));
        graph.Node.Add(Node("MatMul", ["Features", "w1"], "h1"));
        graph.Node.Add(Node("Relu", ["h1"], "a1"));
        graph.Node.Add(Node("Conv", ["a1", "conv.weight"], "Score"));
        return Model(graph);
    }

    private static ValueInfoProto Value(string name, int features)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }

    private static NodeProto Node(string op, string[] inputs, string output)
    {
        var node = new NodeProto { OpType = op, Name = output + "_node" };
        node.Input.AddRange(inputs);
        node.Output.Add(output);
        return node;
    }

    private static OnnxModel Model(GraphProto graph)
    {
        var proto = new ModelProto { IrVersion = 8, Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        return OnnxModel.FromProto(proto);
    }
}
