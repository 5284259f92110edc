using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Structured;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static Microsoft.ML.Pruning.Tests.Structured.StructuredTestSupport;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class StructuredRemovalTests
{
    private const float Tolerance = 1e-5f;

    [TestMethod]
    public void Remove_MlpGemmTransB1_MatchesMaskedModelAndShrinksInitializers()
    {
        var model = Mlp(inputs: 4, hidden: 5, outputs: 3, seed: 3);
        model.Graph.ValueInfo.Add(ShapedValue("H", "N", 5));
        model.Graph.ValueInfo.Add(ShapedValue("A", "N", 5));
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 5,
            [Slice("W1", 0, ChannelRole.Producer, 5), Slice("B1", 0, ChannelRole.Parameter, 5), Slice("W2", 0, ChannelRole.Consumer, 5)],
            [new ChannelValue("H", 1, 0, 1, 0, 5), new ChannelValue("A", 1, 0, 1, 0, 5)], [], false, "fc1 → relu1 → fc2");
        var keep = new Dictionary<string, bool[]> { ["W1"] = [true, false, true, false, true] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [6, 4])));

        Assert.AreEqual(12, ElementCount(removed, "W1"));
        Assert.AreEqual(3, ElementCount(removed, "B1"));
        Assert.AreEqual(9, ElementCount(removed, "W2"));
        Assert.AreEqual(3, removed.GetShape("H")![1]);
        Assert.AreEqual(3, removed.GetShape("A")![1]);
        Assert.AreEqual(20, ElementCount(model, "W1"));
    }

    [TestMethod]
    public void Remove_GemmTransB0_SlicesTheProducerColumns()
    {
        var nodes = new[]
        {
            Node("Gemm", ["X", "W1", "B1"], ["H"], "fc1"),
            Node("Relu", ["H"], ["A"], "relu1"),
            Node("Gemm", ["A", "W2", "B2"], ["Y"], "fc2", Attr("transB", 1L)),
        };
        var model = BuildModel(13, nodes, [Floats("W1", [4, 5], 1), Floats("B1", [5], 2), Floats("W2", [3, 5], 3), Floats("B2", [3], 4)], ["X"], ["Y"]);
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 5,
            [Slice("W1", 1, ChannelRole.Producer, 5), Slice("B1", 0, ChannelRole.Parameter, 5), Slice("W2", 1, ChannelRole.Consumer, 5)],
            [new ChannelValue("H", 1, 0, 1, 0, 5), new ChannelValue("A", 1, 0, 1, 0, 5)], [], false, "fc1 → relu1 → fc2");
        var keep = new Dictionary<string, bool[]> { ["W1"] = [false, true, true, false, false] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [6, 4])));

        CollectionAssert.AreEqual(new long[] { 4, 2 }, Dims(removed, "W1"));
        CollectionAssert.AreEqual(new long[] { 3, 2 }, Dims(removed, "W2"));
    }

    [TestMethod]
    public void Remove_MatMulWithAddBias_MatchesMaskedModel()
    {
        var nodes = new[]
        {
            Node("MatMul", ["X", "W1"], ["M"], "mm1"),
            Node("Add", ["M", "B1"], ["H"], "bias1"),
            Node("Relu", ["H"], ["A"], "relu1"),
            Node("MatMul", ["A", "W2"], ["Y"], "mm2"),
        };
        var model = BuildModel(13, nodes, [Floats("W1", [4, 6], 1), Floats("B1", [6], 2), Floats("W2", [6, 3], 3)], ["X"], ["Y"]);
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 6,
            [Slice("W1", 1, ChannelRole.Producer, 6), Slice("B1", 0, ChannelRole.Parameter, 6), Slice("W2", 0, ChannelRole.Consumer, 6)],
            [new ChannelValue("M", 1, 0, 1, 0, 6), new ChannelValue("H", 1, 0, 1, 0, 6), new ChannelValue("A", 1, 0, 1, 0, 6)], [], false, "mm1 → bias1 → relu1 → mm2");
        var keep = new Dictionary<string, bool[]> { ["W1"] = [true, true, false, true, false, false] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [5, 4])));

        CollectionAssert.AreEqual(new long[] { 4, 3 }, Dims(removed, "W1"));
        CollectionAssert.AreEqual(new long[] { 3 }, Dims(removed, "B1"));
        CollectionAssert.AreEqual(new long[] { 3, 3 }, Dims(removed, "W2"));
    }

    [TestMethod]
    public void Remove_ConvBatchNormReluConv_MatchesMaskedModelAndPassesChecker()
    {
        var model = ConvBatchNormConv();
        SetShape(model.Graph.Input, "X", "N", 2, 5, 5);
        SetShape(model.Graph.Output, "Y", "N", 3, 5, 5);
        model.Graph.ValueInfo.Add(ShapedValue("C1", 2L, 4L, 5L, 5L));
        model.Graph.ValueInfo.Add(ShapedValue("N1", 2L, 4L, 5L, 5L));
        var group = ConvBatchNormGroup();
        var keep = new Dictionary<string, bool[]> { ["W1"] = [true, false, false, true] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [2, 2, 5, 5])));

        CollectionAssert.AreEqual(new long[] { 2, 2, 3, 3 }, Dims(removed, "W1"));
        CollectionAssert.AreEqual(new long[] { 3, 2, 3, 3 }, Dims(removed, "W2"));
        foreach (string name in new[] { "B1", "scale", "bias", "mean", "var" })
            CollectionAssert.AreEqual(new long[] { 2 }, Dims(removed, name), name);
        CollectionAssert.AreEqual(new long?[] { 2, 2, 5, 5 }, removed.GetShape("C1"));
        CollectionAssert.AreEqual(new long?[] { 2, 2, 5, 5 }, removed.GetShape("N1"));
        AssertPassesOnnxChecker(removed);
    }

    [TestMethod]
    public void Remove_ConvFlattenGemm_RemovesABlockOfHeightTimesWidthFeaturesPerChannel()
    {
        var nodes = new[]
        {
            Node("Conv", ["X", "W1", "B1"], ["C"], "conv1", Attr("pads", new long[] { 1, 1, 1, 1 })),
            Node("Relu", ["C"], ["R"], "relu1"),
            Node("Flatten", ["R"], ["F"], "flatten"),
            Node("Gemm", ["F", "W2", "B2"], ["Y"], "fc", Attr("transB", 1L)),
        };
        var model = BuildModel(13, nodes, [Floats("W1", [3, 2, 3, 3], 1), Floats("B1", [3], 2), Floats("W2", [5, 48], 3), Floats("B2", [5], 4)], ["X"], ["Y"]);
        model.Graph.ValueInfo.Add(ShapedValue("F", 2L, 48L));
        var group = new ChannelGroup("W1", ChannelGroupKind.Channel, 3,
            [Slice("W1", 0, ChannelRole.Producer, 3), Slice("B1", 0, ChannelRole.Parameter, 3), Slice("W2", 1, ChannelRole.Consumer, 3, block: 16)],
            [new ChannelValue("C", 1, 0, 1, 0, 3), new ChannelValue("R", 1, 0, 1, 0, 3), new ChannelValue("F", 1, 0, 16, 0, 3)], [], false,
            "conv1 → relu1 → flatten → fc");
        var keep = new Dictionary<string, bool[]> { ["W1"] = [true, false, true] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [2, 2, 4, 4])));

        CollectionAssert.AreEqual(new long[] { 5, 32 }, Dims(removed, "W2"));
        CollectionAssert.AreEqual(new long?[] { 2, 32 }, removed.GetShape("F"));
    }

    [TestMethod]
    public void Remove_ResidualPair_RemovesTheChannelFromBothProducers()
    {
        var nodes = new[]
        {
            Node("Conv", ["X", "Wa", "Ba"], ["Ca"], "conv_a", Attr("pads", new long[] { 1, 1, 1, 1 })),
            Node("Conv", ["X", "Wb", "Bb"], ["Cb"], "conv_b"),
            Node("Add", ["Ca", "Cb"], ["S"], "residual"),
            Node("Relu", ["S"], ["R"], "relu"),
            Node("Conv", ["R", "Wc", "Bc"], ["Y"], "conv_c", Attr("pads", new long[] { 1, 1, 1, 1 })),
        };
        var model = BuildModel(13, nodes,
            [Floats("Wa", [4, 2, 3, 3], 1), Floats("Ba", [4], 2), Floats("Wb", [4, 2, 1, 1], 3), Floats("Bb", [4], 4), Floats("Wc", [3, 4, 3, 3], 5), Floats("Bc", [3], 6)],
            ["X"], ["Y"]);
        var group = new ChannelGroup("Wa", ChannelGroupKind.Channel, 4,
            [
                Slice("Wa", 0, ChannelRole.Producer, 4), Slice("Ba", 0, ChannelRole.Parameter, 4),
                Slice("Wb", 0, ChannelRole.Producer, 4), Slice("Bb", 0, ChannelRole.Parameter, 4),
                Slice("Wc", 1, ChannelRole.Consumer, 4),
            ],
            [new ChannelValue("Ca", 1, 0, 1, 0, 4), new ChannelValue("Cb", 1, 0, 1, 0, 4), new ChannelValue("S", 1, 0, 1, 0, 4), new ChannelValue("R", 1, 0, 1, 0, 4)],
            [], false, "conv_a, conv_b → residual → relu → conv_c");
        var keep = new Dictionary<string, bool[]> { ["Wa"] = [false, true, false, true] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [2, 2, 5, 5])));

        CollectionAssert.AreEqual(new long[] { 2, 2, 3, 3 }, Dims(removed, "Wa"));
        CollectionAssert.AreEqual(new long[] { 2, 2, 1, 1 }, Dims(removed, "Wb"));
        CollectionAssert.AreEqual(new long[] { 3, 2, 3, 3 }, Dims(removed, "Wc"));
    }

    [TestMethod]
    public void Remove_ConcatOfTwoGroupsIntoGemm_ComposesBothGroupsOnTheConsumer()
    {
        var model = ConcatModel();
        model.Graph.ValueInfo.Add(ShapedValue("J", "N", 8));
        var groups = ConcatGroups();
        var keep = new Dictionary<string, bool[]>
        {
            ["W1"] = [false, true, true],
            ["W2"] = [true, false, true, false, false],
        };

        var removed = AssertRemovalMatchesMask(model, groups, keep, Inputs(("X", [6, 4])));

        CollectionAssert.AreEqual(new long[] { 2, 4 }, Dims(removed, "W3"));
        CollectionAssert.AreEqual(new long[] { 2, 4 }, Dims(removed, "W1"));
        CollectionAssert.AreEqual(new long[] { 2, 4 }, Dims(removed, "W2"));
        Assert.AreEqual(4, removed.GetShape("J")![1]);
        // W3's kept columns are 1, 2 (first group) and 3, 5 (second group, offset 3).
        float[] original = OnnxTensor.ToFloatArray(model.GetInitializer("W3"));
        float[] sliced = OnnxTensor.ToFloatArray(removed.GetInitializer("W3"));
        int[] keptColumns = [1, 2, 3, 5];
        for (int row = 0; row < 2; row++)
            for (int k = 0; k < keptColumns.Length; k++)
                Assert.AreEqual(original[row * 8 + keptColumns[k]], sliced[row * 4 + k]);
    }

    [TestMethod]
    public void Remove_OnlyOneOfTwoConcatGroups_LeavesTheOtherWhole()
    {
        var model = ConcatModel();
        var keep = new Dictionary<string, bool[]> { ["W2"] = [true, true, false, true, true] };

        var removed = AssertRemovalMatchesMask(model, ConcatGroups(), keep, Inputs(("X", [6, 4])));

        CollectionAssert.AreEqual(new long[] { 3, 4 }, Dims(removed, "W1"));
        CollectionAssert.AreEqual(new long[] { 2, 7 }, Dims(removed, "W3"));
    }

    [TestMethod]
    public void Remove_TwoGroupsOnBothAxesOfOneWeight_SlicesItOnce()
    {
        var model = Perceptron([4, 6, 5, 3], seed: 2); // fc1 → relu1 → fc2 → relu2 → fc3, transB = 1
        ChannelGroup Layer(int i, int width) => new($"fc{i}.weight", ChannelGroupKind.Neuron, width,
            [Slice($"fc{i}.weight", 0, ChannelRole.Producer, width), Slice($"fc{i}.bias", 0, ChannelRole.Parameter, width), Slice($"fc{i + 1}.weight", 1, ChannelRole.Consumer, width)],
            [new ChannelValue($"z{i}", 1, 0, 1, 0, width), new ChannelValue($"r{i}", 1, 0, 1, 0, width)], [], false, $"fc{i} → relu{i} → fc{i + 1}");
        var keep = new Dictionary<string, bool[]>
        {
            ["fc1.weight"] = [true, false, true, true, false, true],
            ["fc2.weight"] = [false, true, true, false, true],
        };

        var removed = AssertRemovalMatchesMask(model, [Layer(1, 6), Layer(2, 5)], keep, Inputs(("input", [5, 4])));

        CollectionAssert.AreEqual(new long[] { 3, 4 }, Dims(removed, "fc2.weight"));
        CollectionAssert.AreEqual(new long[] { 3, 3 }, Dims(removed, "fc3.weight"));
    }

    [TestMethod]
    public void Remove_GroupReachingTheGraphOutput_KeepsTheMaskedOutputsKeptColumns()
    {
        var model = Perceptron([4, 6, 5], seed: 4); // fc1 → relu1 → fc2 = output z2 [N, 5]
        model.Graph.Output[0].Type = ShapedValue("z2", "N", 5).Type;
        var group = new ChannelGroup("fc2.weight", ChannelGroupKind.Neuron, 5,
            [Slice("fc2.weight", 0, ChannelRole.Producer, 5), Slice("fc2.bias", 0, ChannelRole.Parameter, 5)],
            [new ChannelValue("z2", 1, 0, 1, 0, 5)], [], true, "fc2");
        bool[] flags = [true, false, false, true, true];
        var keep = new Dictionary<string, bool[]> { ["fc2.weight"] = flags };
        var inputs = Inputs(("input", [3, 4]));

        var removed = StructuredRemoval.Remove(model, [group], keep);

        Assert.AreEqual(3, removed.GetShape("z2")![1]);
        float[] masked = Run(Masked(model, [group], keep), inputs)["z2"];
        float[] actual = Run(removed, inputs)["z2"];
        float[] keptColumns = [.. Enumerable.Range(0, masked.Length).Where(i => flags[i % 5]).Select(i => masked[i])];
        Assert.IsLessThanOrEqualTo(Tolerance, MaxAbsDifference(keptColumns, actual));
    }

    [TestMethod]
    public void Remove_DepthwiseConvInThePath_UpdatesItsGroupAttribute()
    {
        var nodes = new[]
        {
            Node("Conv", ["X", "W1", "B1"], ["C1"], "conv1", Attr("pads", new long[] { 1, 1, 1, 1 })),
            Node("Relu", ["C1"], ["R1"], "relu1"),
            Node("Conv", ["R1", "Wd", "Bd"], ["C2"], "depthwise", Attr("group", 4L), Attr("pads", new long[] { 1, 1, 1, 1 })),
            Node("Relu", ["C2"], ["R2"], "relu2"),
            Node("Conv", ["R2", "W3", "B3"], ["Y"], "pointwise"),
        };
        var model = BuildModel(13, nodes,
            [Floats("W1", [4, 2, 3, 3], 1), Floats("B1", [4], 2), Floats("Wd", [4, 1, 3, 3], 3), Floats("Bd", [4], 4), Floats("W3", [3, 4, 1, 1], 5), Floats("B3", [3], 6)],
            ["X"], ["Y"]);
        SetShape(model.Graph.Input, "X", "N", 2, 5, 5);
        SetShape(model.Graph.Output, "Y", "N", 3, 5, 5);
        var group = new ChannelGroup("W1", ChannelGroupKind.Channel, 4,
            [
                Slice("W1", 0, ChannelRole.Producer, 4), Slice("B1", 0, ChannelRole.Parameter, 4),
                Slice("Wd", 0, ChannelRole.Parameter, 4), Slice("Bd", 0, ChannelRole.Parameter, 4),
                Slice("W3", 1, ChannelRole.Consumer, 4),
            ],
            [new ChannelValue("C1", 1, 0, 1, 0, 4), new ChannelValue("R1", 1, 0, 1, 0, 4), new ChannelValue("C2", 1, 0, 1, 0, 4), new ChannelValue("R2", 1, 0, 1, 0, 4)],
            [], false, "conv1 → relu1 → depthwise → relu2 → pointwise");
        var keep = new Dictionary<string, bool[]> { ["W1"] = [true, false, true, true] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [2, 2, 5, 5])));

        var depthwise = removed.Graph.Node.Single(n => n.Name == "depthwise");
        Assert.AreEqual(3, depthwise.Attribute.Single(a => a.Name == "group").I);
        Assert.AreEqual(4, model.Graph.Node.Single(n => n.Name == "depthwise").Attribute.Single(a => a.Name == "group").I);
        CollectionAssert.AreEqual(new long[] { 3, 1, 3, 3 }, Dims(removed, "Wd"));
        AssertPassesOnnxChecker(removed);
    }

    [TestMethod]
    public void Remove_GroupedNonDepthwiseConv_IsNotSupported()
    {
        var nodes = new[] { Node("Conv", ["X", "W1"], ["Y"], "grouped", Attr("group", 2L)) };
        var model = BuildModel(13, nodes, [Floats("W1", [4, 2, 1, 1], 1)], ["X"], ["Y"]);
        var group = new ChannelGroup("W1", ChannelGroupKind.Channel, 4, [Slice("W1", 0, ChannelRole.Producer, 4)], [], [], true, "grouped");

        var error = Assert.ThrowsExactly<NotSupportedException>(() =>
            StructuredRemoval.Remove(model, [group], new Dictionary<string, bool[]> { ["W1"] = [true, false, true, true] }));
        StringAssert.Contains(error.Message, "grouped");
    }

    [TestMethod]
    public void Remove_HeadCountInASharedReshapeConstant_ClonesTheConstantForTheGroupsReshapeOnly()
    {
        var model = HeadsModel();
        SetShape(model.Graph.Input, "X", "N", 3, 8);
        SetShape(model.Graph.Output, "Y", "N", 3, 5);
        var group = new ChannelGroup("Wq", ChannelGroupKind.Head, 2,
            [Slice("Wq", 1, ChannelRole.Producer, 2, block: 4), Slice("Wo", 0, ChannelRole.Consumer, 2, block: 4)],
            [new ChannelValue("Q", 2, 0, 4, 0, 2), new ChannelValue("Q4", 2, 0, 1, 0, 2), new ChannelValue("Q4r", 2, 0, 1, 0, 2), new ChannelValue("Q3", 2, 0, 4, 0, 2)],
            [new ShapeConstant("headShape", 2, 1, 0, "reshape_q"), new ShapeConstant("flatShape", 2, 4, 0, "reshape_q_back")],
            false, "mm_q → reshape_q → relu_q → reshape_q_back → mm_o");
        var keep = new Dictionary<string, bool[]> { ["Wq"] = [false, true] };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [2, 3, 8])));

        var reshapeQ = removed.Graph.Node.Single(n => n.Name == "reshape_q");
        var reshapeK = removed.Graph.Node.Single(n => n.Name == "reshape_k");
        Assert.AreEqual("headShape", reshapeK.Input[1]);
        Assert.AreNotEqual("headShape", reshapeQ.Input[1]);
        CollectionAssert.AreEqual(new long[] { 0, 0, 2, 4 }, ConstantValue(removed, "headShape"));
        CollectionAssert.AreEqual(new long[] { 0, 0, 1, 4 }, ConstantValue(removed, reshapeQ.Input[1]));
        CollectionAssert.AreEqual(new long[] { 0, 0, 4 }, OnnxTensor.ToInt64Array(removed.GetInitializer("flatShape")));
        CollectionAssert.AreEqual(new long[] { 0, 0, 8 }, OnnxTensor.ToInt64Array(removed.GetInitializer("flatShapeK")));
        CollectionAssert.AreEqual(new long[] { 8, 4 }, Dims(removed, "Wq"));
        CollectionAssert.AreEqual(new long[] { 4, 5 }, Dims(removed, "Wo"));
        AssertPassesOnnxChecker(removed);
    }

    [TestMethod]
    public void Remove_SparseWeights_AreSlicedLikeDenseOnes()
    {
        var model = Mlp(inputs: 30, hidden: 20, outputs: 3, seed: 5);
        // Mostly zeros so Compact stores W1 as a Constant node with sparse_value; W2 becomes a sparse_initializer.
        var w1 = model.GetInitializer("W1");
        OnnxTensor.SetFloats(w1, OnnxTensor.ToFloatArray(w1).Select((v, i) => i % 5 == 0 ? v : 0f).ToArray());
        Assert.IsGreaterThanOrEqualTo(1, model.Compact());
        Assert.IsTrue(model.Graph.Node.Any(n => n.OpType == "Constant" && n.Output[0] == "W1"));
        var w2 = model.GetInitializer("W2");
        model.Graph.Initializer.Remove(w2);
        model.Graph.SparseInitializer.Add(OnnxSparseTensor.FromDense(w2));
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 20,
            [Slice("W1", 0, ChannelRole.Producer, 20), Slice("B1", 0, ChannelRole.Parameter, 20), Slice("W2", 0, ChannelRole.Consumer, 20)],
            [], [], false, "fc1 → relu1 → fc2");
        var keep = new Dictionary<string, bool[]> { ["W1"] = Enumerable.Range(0, 20).Select(i => i % 3 != 1).ToArray() };

        var removed = AssertRemovalMatchesMask(model, [group], keep, Inputs(("X", [4, 30])));

        CollectionAssert.AreEqual(new long[] { 13, 30 }, Dims(removed, "W1"));
        CollectionAssert.AreEqual(new long[] { 13, 3 }, Dims(removed, "W2"));
        Assert.IsTrue(model.Graph.Node.Any(n => n.OpType == "Constant" && n.Output[0] == "W1"), "the input model keeps its sparse Constant");
    }

    [TestMethod]
    public void Remove_KeepWithoutAnyKeptChannel_ThrowsNamingTheGroup()
    {
        var model = Mlp();
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 5, [Slice("W1", 0, ChannelRole.Producer, 5)], [], [], false, "fc1");

        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            StructuredRemoval.Remove(model, [group], new Dictionary<string, bool[]> { ["W1"] = new bool[5] }));
        StringAssert.Contains(error.Message, "'W1'");
        var wrongLength = Assert.ThrowsExactly<ArgumentException>(() =>
            StructuredRemoval.Remove(model, [group], new Dictionary<string, bool[]> { ["W1"] = [true, false] }));
        StringAssert.Contains(wrongLength.Message, "'W1'");
    }

    [TestMethod]
    public void Remove_ShapeConstantThatDoesNotHoldTheGroupsWidth_Throws()
    {
        var model = HeadsModel();
        var group = new ChannelGroup("Wq", ChannelGroupKind.Head, 2, [Slice("Wq", 1, ChannelRole.Producer, 2, block: 4)], [],
            [new ShapeConstant("headShape", 3, 1, 0, "reshape_q")], false, "mm_q");

        var error = Assert.ThrowsExactly<ArgumentException>(() =>
            StructuredRemoval.Remove(model, [group], new Dictionary<string, bool[]> { ["Wq"] = [true, false] }));
        StringAssert.Contains(error.Message, "headShape");
    }

    [TestMethod]
    public void Remove_GroupWithoutKeepEntry_IsLeftWhole()
    {
        var model = Mlp();
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 5, [Slice("W1", 0, ChannelRole.Producer, 5)], [], [], false, "fc1");

        var removed = StructuredRemoval.Remove(model, [group], new Dictionary<string, bool[]>());

        CollectionAssert.AreEqual(model.ToBytes(), removed.ToBytes());
        Assert.AreNotSame(model, removed);
    }

    // ---- helpers ----

    private static OnnxModel AssertRemovalMatchesMask(
        OnnxModel model, IReadOnlyList<ChannelGroup> groups, Dictionary<string, bool[]> keep, Dictionary<string, (float[], int[])> inputs)
    {
        byte[] before = model.ToBytes();
        var masked = Masked(model, groups, keep);
        var removed = StructuredRemoval.Remove(model, groups, keep);
        CollectionAssert.AreEqual(before, model.ToBytes(), "the input model must not change");

        var original = Run(model, inputs);
        var expected = Run(masked, inputs);
        var actual = Run(removed, inputs);
        float maskEffect = 0;
        foreach (var (name, values) in expected)
        {
            Assert.IsLessThanOrEqualTo(Tolerance, MaxAbsDifference(values, actual[name]), $"output {name}");
            maskEffect = MathF.Max(maskEffect, MaxAbsDifference(values, original[name]));
        }
        Assert.IsGreaterThan(1e-3f, maskEffect, "the removed channels must matter, or the comparison proves nothing");
        Assert.IsLessThan(TotalWeightCount(model), TotalWeightCount(removed));
        return removed;
    }

    private static OnnxModel ConvBatchNormConv()
    {
        var nodes = new[]
        {
            Node("Conv", ["X", "W1", "B1"], ["C1"], "conv1", Attr("pads", new long[] { 1, 1, 1, 1 })),
            Node("BatchNormalization", ["C1", "scale", "bias", "mean", "var"], ["N1"], "bn1", Attr("epsilon", 1e-5f)),
            Node("Relu", ["N1"], ["R1"], "relu1"),
            Node("Conv", ["R1", "W2", "B2"], ["Y"], "conv2", Attr("pads", new long[] { 1, 1, 1, 1 })),
        };
        var variance = OnnxTensor.FromFloats("var", [0.5f, 1.5f, 0.8f, 1.2f], [4]);
        return BuildModel(13, nodes,
            [
                Floats("W1", [4, 2, 3, 3], 1), Floats("B1", [4], 2), Floats("scale", [4], 3), Floats("bias", [4], 4), Floats("mean", [4], 5), variance,
                Floats("W2", [3, 4, 3, 3], 6), Floats("B2", [3], 7),
            ],
            ["X"], ["Y"]);
    }

    private static ChannelGroup ConvBatchNormGroup() => new("W1", ChannelGroupKind.Channel, 4,
        [
            Slice("W1", 0, ChannelRole.Producer, 4), Slice("B1", 0, ChannelRole.Parameter, 4),
            Slice("scale", 0, ChannelRole.Parameter, 4), Slice("bias", 0, ChannelRole.Parameter, 4),
            Slice("mean", 0, ChannelRole.Statistic, 4), Slice("var", 0, ChannelRole.Statistic, 4),
            Slice("W2", 1, ChannelRole.Consumer, 4),
        ],
        [new ChannelValue("C1", 1, 0, 1, 0, 4), new ChannelValue("N1", 1, 0, 1, 0, 4), new ChannelValue("R1", 1, 0, 1, 0, 4)],
        [], false, "conv1 → bn1 → relu1 → conv2");

    private static OnnxModel ConcatModel()
    {
        var nodes = new[]
        {
            Node("Gemm", ["X", "W1", "B1"], ["H1"], "fc1", Attr("transB", 1L)),
            Node("Relu", ["H1"], ["A1"], "relu1"),
            Node("Gemm", ["X", "W2", "B2"], ["H2"], "fc2", Attr("transB", 1L)),
            Node("Relu", ["H2"], ["A2"], "relu2"),
            Node("Concat", ["A1", "A2"], ["J"], "concat", Attr("axis", 1L)),
            Node("Gemm", ["J", "W3", "B3"], ["Y"], "fc3", Attr("transB", 1L)),
        };
        return BuildModel(13, nodes,
            [Floats("W1", [3, 4], 1), Floats("B1", [3], 2), Floats("W2", [5, 4], 3), Floats("B2", [5], 4), Floats("W3", [2, 8], 5), Floats("B3", [2], 6)],
            ["X"], ["Y"]);
    }

    private static ChannelGroup[] ConcatGroups() =>
    [
        new("W1", ChannelGroupKind.Neuron, 3,
            [Slice("W1", 0, ChannelRole.Producer, 3), Slice("B1", 0, ChannelRole.Parameter, 3), Slice("W3", 1, ChannelRole.Consumer, 3)],
            [new ChannelValue("H1", 1, 0, 1, 0, 3), new ChannelValue("A1", 1, 0, 1, 0, 3), new ChannelValue("J", 1, 0, 1, 0, 3)], [], false, "fc1 → relu1 → concat → fc3"),
        new("W2", ChannelGroupKind.Neuron, 5,
            [Slice("W2", 0, ChannelRole.Producer, 5), Slice("B2", 0, ChannelRole.Parameter, 5), Slice("W3", 1, ChannelRole.Consumer, 5, offset: 3)],
            [new ChannelValue("H2", 1, 0, 1, 0, 5), new ChannelValue("A2", 1, 0, 1, 0, 5), new ChannelValue("J", 1, 3, 1, 0, 5)], [], false, "fc2 → relu2 → concat → fc3"),
    ];

    /// <summary>
    /// Two attention-like branches over X [B, 3, 8]: MatMul → Reshape [0,0,2,4] (2 heads of 4) → Relu → Reshape [0,0,8] →
    /// MatMul, summed. The head shape is one Constant node read by both branches' Reshapes.
    /// </summary>
    private static OnnxModel HeadsModel()
    {
        var headShape = Node("Constant", [], ["headShape"], "head_shape_constant", Attr("value", OnnxTensor.FromInt64s("", [0, 0, 2, 4], [4])));
        var nodes = new[]
        {
            headShape,
            Node("MatMul", ["X", "Wq"], ["Q"], "mm_q"),
            Node("Reshape", ["Q", "headShape"], ["Q4"], "reshape_q"),
            Node("Relu", ["Q4"], ["Q4r"], "relu_q"),
            Node("Reshape", ["Q4r", "flatShape"], ["Q3"], "reshape_q_back"),
            Node("MatMul", ["Q3", "Wo"], ["Y1"], "mm_o"),
            Node("MatMul", ["X", "Wk"], ["K"], "mm_k"),
            Node("Reshape", ["K", "headShape"], ["K4"], "reshape_k"),
            Node("Relu", ["K4"], ["K4r"], "relu_k"),
            Node("Reshape", ["K4r", "flatShapeK"], ["K3"], "reshape_k_back"),
            Node("MatMul", ["K3", "Wk2"], ["Y2"], "mm_k2"),
            Node("Add", ["Y1", "Y2"], ["Y"], "sum"),
        };
        return BuildModel(13, nodes,
            [
                Floats("Wq", [8, 8], 1), Floats("Wo", [8, 5], 2), Floats("Wk", [8, 8], 3), Floats("Wk2", [8, 5], 4),
                OnnxTensor.FromInt64s("flatShape", [0, 0, 8], [3]), OnnxTensor.FromInt64s("flatShapeK", [0, 0, 8], [3]),
            ],
            ["X"], ["Y"]);
    }

    private static long[] ConstantValue(OnnxModel model, string name) =>
        OnnxTensor.ToInt64Array(model.Graph.Node.Single(n => n.OpType == "Constant" && n.Output[0] == name).Attribute.Single(a => a.Name == "value").T);

    private static ChannelSlice Slice(string tensor, int axis, ChannelRole role, int count, long offset = 0, long block = 1) =>
        new(tensor, axis, offset, block, 0, count, role, tensor);

    private static Dictionary<string, (float[], int[])> Inputs(params (string Name, int[] Shape)[] inputs) =>
        inputs.Select((input, i) => (input.Name, Value: (RandomValues(input.Shape.Aggregate(1, (a, b) => a * b), 100 + i), input.Shape)))
            .ToDictionary(p => p.Name, p => p.Value);

    private static void SetShape(IEnumerable<ValueInfoProto> values, string name, params object[] dims) =>
        values.Single(v => v.Name == name).Type = ShapedValue(name, dims).Type;

    private static ValueInfoProto ShapedValue(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in dims)
            shape.Dim.Add(dim is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim) });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Float, Shape = shape } },
        };
    }

    private static long TotalWeightCount(OnnxModel model)
    {
        var dense = model.Clone();
        dense.Densify();
        return dense.Graph.Initializer.Sum(t => OnnxTensor.ElementCount(t));
    }

    private static long ElementCount(OnnxModel model, string name) => OnnxTensor.ElementCount(model.Clone().GetInitializer(name));

    private static long[] Dims(OnnxModel model, string name) => OnnxTensor.Shape(model.Clone().GetInitializer(name));
}
