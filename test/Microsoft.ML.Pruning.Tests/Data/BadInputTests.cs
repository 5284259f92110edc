using System;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>
/// Data and models that do not fit: each is refused before any training or pruning work, with the column, the model
/// input or output and the expected type or shape named, and nothing written to stderr (managed or native).
/// </summary>
[TestClass]
public sealed class BadInputTests
{
    private sealed class WideRow
    {
        [VectorType(783), ColumnName("input")] public float[] Input { get; set; } = [];
        public uint Class { get; set; }
    }

    private static IDataView Wide(MLContext ml) => DataRows.WithKeyLabel(ml, ml.Data.LoadFromEnumerable(
        Enumerable.Range(0, 20).Select(i => new WideRow { Input = new float[783], Class = (uint)(i % 10) })));

    private static MagnitudePruningOptions Options(OnnxModel model, string output, string input, FineTuneOptions? fineTune = null) => new()
    {
        Model = model, OutputColumnNames = [output], InputColumnNames = [input], Sparsity = 0.5, FineTune = fineTune,
    };

    /// <summary>Runs <paramref name="action"/>, expecting <typeparamref name="T"/> and silence on stderr.</summary>
    private static T Refused<T>(Action action) where T : Exception
    {
        T ex;
        string stderr;
        using (var capture = new StandardErrorCapture())
        {
            ex = Assert.ThrowsExactly<T>(action);
            stderr = capture.Stop();
        }
        Assert.AreEqual("", stderr, "nothing may be written to stderr");
        return ex;
    }

    [TestMethod]
    public void FineTune_SingleLabelOnTenClassOutput_ThrowsNamingLabelOutputShapeAndExpectedType()
    {
        var ml = new MLContext(1);
        var data = ml.Transforms.CopyColumns("input", "Features").Fit(TestData.Regression(ml)).Transform(TestData.Regression(ml));
        var model = Perceptron([TestData.FeatureCount, 10], 3); // no declared shapes: the output's is learned by running it
        var estimator = ml.Pruning().Magnitude(Options(model, "z1", "input", new FineTuneOptions()));
        var ex = Refused<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(ex.Message, "Label column 'Label' (Single)");
        StringAssert.Contains(ex.Message, "model output 'z1' has shape [1, 10]");
        StringAssert.Contains(ex.Message, "expected a Key label with 10 values");
    }

    [TestMethod]
    public void FineTune_KeyLabelWithOtherClassCount_ThrowsNamingBothCounts()
    {
        var ml = new MLContext(1);
        var estimator = ml.Pruning().Magnitude(Options(TestData.Mlp(hidden: [4]), "Score", "Features", new FineTuneOptions()));
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "IsPositive").Fit(TestData.Binary(ml)).Transform(TestData.Binary(ml));
        var ex = Refused<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(ex.Message, "has 2 classes");
        StringAssert.Contains(ex.Message, $"model output 'Score' has shape [1, {TestData.ClassCount}]");
        StringAssert.Contains(ex.Message, $"expected a Key label with {TestData.ClassCount} values");
    }

    [TestMethod]
    public void FineTune_ValidationDataWithOtherClassCount_ThrowsBeforeReadingRows()
    {
        var ml = new MLContext(1);
        var validation = ml.Transforms.Conversion.MapValueToKey("Label", "IsPositive").Fit(TestData.Binary(ml)).Transform(TestData.Binary(ml));
        var estimator = ml.Pruning().Magnitude(Options(TestData.Mlp(hidden: [4]), "Score", "Features", new FineTuneOptions { ValidationData = validation }));
        var ex = Refused<ArgumentOutOfRangeException>(() => estimator.Fit(TestData.Multiclass(ml)));
        StringAssert.Contains(ex.Message, $"ValidationData: label column 'Label' has 2 classes; the training data's has {TestData.ClassCount}");
    }

    [TestMethod]
    public void FineTune_NarrowColumnOnUndeclaredInput_ThrowsNamingColumnInputAndShapes()
    {
        var ml = new MLContext(1);
        var estimator = ml.Pruning().Magnitude(Options(TestGraphs.LeNet300100(), "z3", "input", new FineTuneOptions { Epochs = 1 }));
        var ex = Refused<InvalidOperationException>(() => estimator.Fit(Wide(ml)));
        StringAssert.Contains(ex.Message, "column 'input' (Vector<Single, 783>) for model input 'input' of shape undeclared, fed as [1, 783]");
        StringAssert.Contains(ex.Message, "784", "ONNX Runtime's words name the weight's width");
    }

    [TestMethod]
    public void FineTune_NarrowColumnOnDeclaredInput_ThrowsSchemaMismatchWithTheInputShape()
    {
        var ml = new MLContext(1);
        var model = TestGraphs.LeNet300100();
        model.Graph.Input[0] = InputModels.Declared("input", Float, "N", 784);
        var estimator = ml.Pruning().Magnitude(Options(model, "z3", "input", new FineTuneOptions { Epochs = 1 }));
        var ex = Refused<ArgumentOutOfRangeException>(() => estimator.Fit(Wide(ml)));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'input': expected Vector<Single, 784>, got Vector<Single, 783> (model input 'input' has shape [?, 784])");
    }

    [TestMethod]
    public void FineTune_ImageColumnOfWrongSize_ThrowsNamingColumnAndShapes()
    {
        var ml = new MLContext(1);
        var data = ml.Transforms.CopyColumns("image", "Features").Fit(TestData.Multiclass(ml)).Transform(TestData.Multiclass(ml));
        var estimator = ml.Pruning().Magnitude(Options(InputModels.Image(["N", 1, "H", 3]), "Score", "image", new FineTuneOptions()));
        var ex = Refused<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        StringAssert.Contains(ex.Message, $"Column 'image' (Vector<Single, {TestData.FeatureCount}>) does not fit model input 'image' of shape [N, 1, H, 3]");

        // 8 values do fill [N, 1, H, 4] (H = 2), but the model needs 16: running it on the first row says so.
        estimator = ml.Pruning().Magnitude(Options(InputModels.Image(["N", 1, "H", 4]), "Score", "image", new FineTuneOptions()));
        var run = Refused<InvalidOperationException>(() => estimator.Fit(data));
        StringAssert.Contains(run.Message, $"column 'image' (Vector<Single, {TestData.FeatureCount}>) for model input 'image' of shape [N, 1, H, 4], fed as [1, 1, 2, 4]");
        StringAssert.Contains(run.Message, "W: {3,16}");
    }

    [TestMethod]
    public void FineTune_UnsupportedOp_ThrowsWhenTheEstimatorIsBuilt()
    {
        Assert.DoesNotContain("Hardmax", OnnxTorchModule.SupportedOperators, "the test needs an op the engine lacks");
        var model = Perceptron([TestData.FeatureCount, 3], 3);
        model.Graph.Node.Add(Node("Hardmax", ["z1"], ["hard"], "pick"));
        model.Graph.Output.Clear();
        model.Graph.Output.Add(Value("hard", Float));
        var ml = new MLContext(1);
        var ex = Refused<NotSupportedException>(() => ml.Pruning().Magnitude(Options(model, "hard", "input", new FineTuneOptions())));
        StringAssert.Contains(ex.Message, "'Hardmax' (Hardmax node 'pick')");
        StringAssert.Contains(ex.Message, "Supported operators: ");
        StringAssert.Contains(ex.Message, "Gemm");

        // Without FineTune the engine is not needed: the same model prunes.
        var data = ml.Transforms.CopyColumns("input", "Features").Fit(TestData.Multiclass(ml)).Transform(TestData.Multiclass(ml));
        Assert.AreEqual(0.5, ml.Pruning().Magnitude(Options(model, "hard", "input")).Fit(data).Report.Sparsity, 0.01);
    }

    [TestMethod]
    public void FineTune_SupportedOpWithUnsupportedAttribute_ThrowsWhenTheEstimatorIsBuiltNamingTheAttribute()
    {
        var model = Perceptron([TestData.FeatureCount, 3], 3); // z1 = Gemm(input, fc1.weight, fc1.bias): [N, 3]
        var pads = new Onnx.Protobuf.TensorProto { Name = "pads", DataType = (int)Onnx.Protobuf.TensorProto.Types.DataType.Int64, Dims = { 4 } };
        pads.Int64Data.AddRange([0, 1, 0, 1]);
        model.Graph.Initializer.Add(pads);
        var mode = new Onnx.Protobuf.AttributeProto
        {
            Name = "mode", Type = Onnx.Protobuf.AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("mirror"),
        };
        model.Graph.Node.Add(Node("Pad", ["z1", "pads"], ["padded"], "pad_scores", mode));
        model.Graph.Output.Clear();
        model.Graph.Output.Add(Value("padded", Float));
        var ml = new MLContext(1);
        var ex = Refused<NotSupportedException>(() => ml.Pruning().Magnitude(Options(model, "padded", "input", new FineTuneOptions())));
        StringAssert.Contains(ex.Message, "Pad node 'pad_scores'");
        StringAssert.Contains(ex.Message, "attribute 'mode'");
        StringAssert.Contains(ex.Message, "mirror");
    }

    [TestMethod]
    public void FineTune_OutputWithoutFloatInitializer_ThrowsWhenTheEstimatorIsBuilt()
    {
        var model = Perceptron([TestData.FeatureCount, 3], 3); // z1 = Gemm(input, fc1.weight, fc1.bias)
        model.Graph.Node.Add(Node("Softmax", ["input"], ["direct"], "direct_softmax"));
        model.Graph.Output.Add(Value("direct", Float));
        var ml = new MLContext(1);
        var options = Options(model, "z1", "input", new FineTuneOptions { ScoreColumnName = "direct" });
        options.OutputColumnNames = ["z1", "direct"];
        var ex = Refused<InvalidOperationException>(() => ml.Pruning().Magnitude(options));
        StringAssert.Contains(ex.Message, "Output 'direct' does not depend on any FLOAT initializer");
    }

    [TestMethod]
    public void FineTune_OutputIndependentOfPrunedWeights_ThrowsWhenTheEstimatorIsBuilt()
    {
        var model = Perceptron([TestData.FeatureCount, 3], 3);
        model.Graph.Initializer.Add(TestGraphs.Floats("offset", [TestData.FeatureCount], 1));
        model.Graph.Node.Add(Node("Add", ["input", "offset"], ["shifted"], "shift"));
        model.Graph.Output.Add(Value("shifted", Float));
        var ml = new MLContext(1);
        var options = Options(model, "shifted", "input", new FineTuneOptions());
        options.OutputColumnNames = ["shifted", "z1"];
        var ex = Refused<InvalidOperationException>(() => ml.Pruning().Magnitude(options));
        StringAssert.Contains(ex.Message, "Output 'shifted' depends on none of the weights being pruned (fc1.weight)");
    }
}
