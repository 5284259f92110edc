using System.Linq;
using Microsoft.ML.Pruning.Structured;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static Microsoft.ML.Pruning.Tests.Structured.StructuredTestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>The dependency analysis on small graphs: which groups it finds, their slices and values, and what it refuses.</summary>
[TestClass]
public sealed class ChannelDependenciesTests
{
    [TestMethod]
    public void Analyze_GemmReluGemm_OneNeuronGroupWithProducerBiasAndConsumer()
    {
        var model = Build(
            [
                Node("Gemm", ["X", "W1", "B1"], ["H"], "fc1", Attr("transB", 1L)),
                Node("Relu", ["H"], ["A"], "relu1"),
                Node("Gemm", ["A", "W2", "B2"], ["Z"], "fc2"),
                Node("Softmax", ["Z"], ["Y"], "softmax"),
            ],
            [Floats("W1", [5, 4], 1), Floats("B1", [5], 2), Floats("W2", [5, 3], 3), Floats("B2", [3], 4)],
            [("X", [2, 4])], ["Y"]);

        var graph = Analyze(model);

        Assert.HasCount(1, graph.Groups);
        var group = graph.Group("W1");
        Assert.AreEqual(ChannelGroupKind.Neuron, group.Kind);
        Assert.AreEqual(5, group.Width);
        Assert.AreEqual(new ChannelSlice("W1", 0, 0, 1, 0, 5, ChannelRole.Producer, "fc1"), group.Slice("W1", ChannelRole.Producer));
        Assert.AreEqual(new ChannelSlice("B1", 0, 0, 1, 0, 5, ChannelRole.Parameter, "fc1"), group.Slice("B1", ChannelRole.Parameter));
        Assert.AreEqual(new ChannelSlice("W2", 0, 0, 1, 0, 5, ChannelRole.Consumer, "fc2"), group.Slice("W2", ChannelRole.Consumer));
        Assert.HasCount(3, group.Slices);
        CollectionAssert.AreEquivalent(new[] { "H", "A" }, group.Values.Select(v => v.Value).ToArray());
        Assert.IsTrue(group.Values.All(v => v.Axis == 1 && v.Block == 1 && v.Count == 5));
        Assert.AreEqual("fc1 → relu1 → fc2", group.Path);
        Assert.IsFalse(group.ReachesOutput);
        Assert.Contains("reduces over the channels", graph.Unprunable("W2").Reason);
        Assert.Contains("softmax", graph.Unprunable("W2").Reason);
    }

    [TestMethod]
    public void Analyze_ConvBatchNormReluConv_ScaleAndBiasAreParametersStatisticsAreNot()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W1", "B1"], ["C1"], "conv1", Attr("pads", new long[] { 1, 1, 1, 1 })),
                Node("BatchNormalization", ["C1", "s", "b", "m", "v"], ["N1"], "bn1"),
                Node("Relu", ["N1"], ["R1"], "relu1"),
                Node("Conv", ["R1", "W2"], ["Y"], "conv2"),
            ],
            [Floats("W1", [4, 3, 3, 3], 1), Floats("B1", [4], 2), Floats("s", [4], 3), Floats("b", [4], 4), Floats("m", [4], 5), OnesLike("v", 4), Floats("W2", [5, 4, 1, 1], 6)],
            [("X", [1, 3, 6, 6])], ["Y"]);

        var graph = Analyze(model);

        var group = graph.Group("W1");
        Assert.AreEqual(ChannelGroupKind.Channel, group.Kind);
        Assert.AreEqual(4, group.Width);
        Assert.AreEqual(0, group.Slice("W1", ChannelRole.Producer).Axis);
        Assert.AreEqual(0, group.Slice("B1", ChannelRole.Parameter).Axis);
        group.Slice("s", ChannelRole.Parameter);
        group.Slice("b", ChannelRole.Parameter);
        group.Slice("m", ChannelRole.Statistic);
        group.Slice("v", ChannelRole.Statistic);
        Assert.AreEqual(1, group.Slice("W2", ChannelRole.Consumer).Axis);
        CollectionAssert.AreEquivalent(new[] { "C1", "N1", "R1" }, group.Values.Select(v => v.Value).ToArray());
        Assert.AreEqual("conv1 → bn1 → relu1 → conv2", group.Path);
        Assert.HasCount(1, graph.Groups);
        Assert.Contains("graph output Y", graph.Unprunable("W2").Reason);
    }

    [TestMethod]
    public void Analyze_ResidualAdd_MergesTheTwoProducersIntoOneGroup()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W0"], ["C0"], "conv0"),
                Node("Relu", ["C0"], ["R0"], "relu0"),
                Node("Conv", ["R0", "W1"], ["C1"], "conv1", Attr("pads", new long[] { 1, 1, 1, 1 })),
                Node("Add", ["C1", "R0"], ["S"], "add"),
                Node("Relu", ["S"], ["R1"], "relu1"),
                Node("Conv", ["R1", "W2"], ["C2"], "conv2"),
                Node("GlobalAveragePool", ["C2"], ["Y"], "pool"),
            ],
            [Floats("W0", [4, 3, 1, 1], 1), Floats("W1", [4, 4, 3, 3], 2), Floats("W2", [2, 4, 1, 1], 3)],
            [("X", [1, 3, 5, 5])], ["Y"]);

        var graph = Analyze(model);

        Assert.HasCount(1, graph.Groups);
        var group = graph.Group("W0");
        group.Slice("W0", ChannelRole.Producer);
        group.Slice("W1", ChannelRole.Producer);
        Assert.AreEqual(1, group.Slice("W1", ChannelRole.Consumer).Axis);
        Assert.AreEqual(1, group.Slice("W2", ChannelRole.Consumer).Axis);
        CollectionAssert.AreEquivalent(new[] { "C0", "R0", "C1", "S", "R1" }, group.Values.Select(v => v.Value).ToArray());
        Assert.AreEqual("conv0 → relu0 → conv1 → add → relu1 → conv2", group.Path);
    }

    [TestMethod]
    public void Analyze_ResidualAddWithAnUnanalysedBranch_LeavesTheProducerDense()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W1"], ["C1"], "conv1"),
                Node("Add", ["C1", "X"], ["S"], "add"),
                Node("Conv", ["S", "W2"], ["Y"], "conv2"),
            ],
            [Floats("W1", [3, 3, 1, 1], 1), Floats("W2", [2, 3, 1, 1], 2)],
            [("X", [1, 3, 4, 4])], ["Y"]);

        var graph = Analyze(model);

        Assert.IsEmpty(graph.Groups);
        StringAssert.Contains(graph.Unprunable("W1").Reason, "add (Add) combines the channels with X");
    }

    [TestMethod]
    public void Analyze_ConcatAlongChannels_ConsumerSlicesGetOffsets()
    {
        var model = Build(
            [
                Node("Conv", ["X", "WA"], ["A"], "convA"),
                Node("Conv", ["X", "WB"], ["B"], "convB"),
                Node("Concat", ["A", "B"], ["C"], "concat", Attr("axis", 1L)),
                Node("Conv", ["C", "WC"], ["D"], "convC"),
                Node("Relu", ["D"], ["Y"], "relu"),
            ],
            [Floats("WA", [3, 2, 1, 1], 1), Floats("WB", [5, 2, 1, 1], 2), Floats("WC", [4, 8, 1, 1], 3)],
            [("X", [1, 2, 4, 4])], ["Y"]);

        var graph = Analyze(model);

        Assert.HasCount(2, graph.Groups);
        Assert.AreEqual(new ChannelSlice("WC", 1, 0, 1, 0, 3, ChannelRole.Consumer, "convC"), graph.Group("WA").Slice("WC", ChannelRole.Consumer));
        Assert.AreEqual(new ChannelSlice("WC", 1, 3, 1, 0, 5, ChannelRole.Consumer, "convC"), graph.Group("WB").Slice("WC", ChannelRole.Consumer));
        Assert.AreEqual(new ChannelValue("C", 1, 3, 1, 0, 5), graph.Group("WB").Value("C"));
        Assert.AreEqual(new ChannelValue("C", 1, 0, 1, 0, 3), graph.Group("WA").Value("C"));
    }

    [TestMethod]
    public void Analyze_SplitAlongChannels_ConsumersGetTheirPartOfTheChannels()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W"], ["C"], "conv"),
                Node("Split", ["C"], ["P", "Q"], "split", Attr("axis", 1L), Attr("split", new long[] { 2, 4 })),
                Node("Conv", ["P", "WP"], ["YP"], "convP"),
                Node("Conv", ["Q", "WQ"], ["YQ"], "convQ"),
            ],
            [Floats("W", [6, 2, 1, 1], 1), Floats("WP", [1, 2, 1, 1], 2), Floats("WQ", [1, 4, 1, 1], 3)],
            [("X", [1, 2, 3, 3])], ["YP", "YQ"], opset: 11);

        var graph = Analyze(model);

        var group = graph.Group("W");
        Assert.AreEqual(new ChannelSlice("WP", 1, 0, 1, 0, 2, ChannelRole.Consumer, "convP"), group.Slice("WP", ChannelRole.Consumer));
        Assert.AreEqual(new ChannelSlice("WQ", 1, 0, 1, 2, 4, ChannelRole.Consumer, "convQ"), group.Slice("WQ", ChannelRole.Consumer));
        Assert.AreEqual(new ChannelValue("Q", 1, 0, 1, 2, 4), group.Value("Q"));
    }

    [TestMethod]
    public void Analyze_FlattenIntoGemm_EachChannelIsABlockOfHeightTimesWidthFeatures()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W", "B"], ["C"], "conv", Attr("pads", new long[] { 1, 1, 1, 1 })),
                Node("Relu", ["C"], ["R"], "relu"),
                Node("MaxPool", ["R"], ["P"], "pool", Attr("kernel_shape", new long[] { 2, 2 }), Attr("strides", new long[] { 2, 2 })),
                Node("Flatten", ["P"], ["F"], "flatten"),
                Node("Gemm", ["F", "WG"], ["Y"], "fc"),
            ],
            [Floats("W", [3, 2, 3, 3], 1), Floats("B", [3], 2), Floats("WG", [48, 5], 3)],
            [("X", [1, 2, 8, 8])], ["Y"]);

        var graph = Analyze(model);

        var group = graph.Group("W");
        Assert.AreEqual(ChannelGroupKind.Channel, group.Kind);
        Assert.AreEqual(new ChannelSlice("WG", 0, 0, 16, 0, 3, ChannelRole.Consumer, "fc"), group.Slice("WG", ChannelRole.Consumer));
        Assert.AreEqual(new ChannelValue("F", 1, 0, 16, 0, 3), group.Value("F"));
        Assert.IsEmpty(group.ShapeConstants);
    }

    [TestMethod]
    public void Analyze_ReshapeIntoMatMul_TheTargetEntryBecomesAShapeConstant()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W"], ["C"], "conv"),
                Node("Reshape", ["C", "shape"], ["F"], "reshape"),
                Node("MatMul", ["F", "WM"], ["Y"], "fc"),
            ],
            [Floats("W", [3, 2, 1, 1], 1), Int64s("shape", 1, 12), Floats("WM", [12, 5], 3)],
            [("X", [1, 2, 2, 2])], ["Y"]);

        var graph = Analyze(model);

        var group = graph.Group("W");
        Assert.AreEqual(new ChannelSlice("WM", 0, 0, 4, 0, 3, ChannelRole.Consumer, "fc"), group.Slice("WM", ChannelRole.Consumer));
        Assert.AreEqual(new ShapeConstant("shape", 1, 4, 0, "reshape"), group.ShapeConstants.Single());
    }

    [TestMethod]
    public void Analyze_ReshapeThatSplitsFeaturesIntoHeads_LeavesTheProjectionToHeadGranularity()
    {
        var model = Build(
            [
                Node("MatMul", ["X", "WQ"], ["Q"], "query"),
                Node("Reshape", ["Q", "heads"], ["H"], "split_heads"),
                Node("Transpose", ["H"], ["Y"], "transpose", Attr("perm", new long[] { 0, 2, 1, 3 })),
            ],
            [Floats("WQ", [8, 8], 1), Int64s("heads", 0, 0, 2, 4)],
            [("X", [1, 3, 8])], ["Y"]);

        var graph = Analyze(model);

        Assert.IsEmpty(graph.Groups);
        StringAssert.Contains(graph.Unprunable("WQ").Reason, "split_heads (Reshape) splits features into heads: use Granularity Head");
    }

    [TestMethod]
    public void Analyze_Sigmoid_LeavesTheLayerDenseNamingTheNode()
    {
        var model = Build(
            [
                Node("Gemm", ["X", "W1"], ["H"], "fc1"),
                Node("Sigmoid", ["H"], ["S"], "gate"),
                Node("Gemm", ["S", "W2"], ["Y"], "fc2"),
            ],
            [Floats("W1", [4, 6], 1), Floats("W2", [6, 2], 2)],
            [("X", [1, 4])], ["Y"]);

        var graph = Analyze(model);

        Assert.IsEmpty(graph.Groups);
        StringAssert.Contains(graph.Unprunable("W1").Reason, "gate makes removed channels non-zero before fc2 (Gemm)");
        Assert.AreEqual("fc1", graph.Unprunable("W1").Node);
    }

    [TestMethod]
    public void Analyze_SiluAndGeluSubgraphs_MulWithAZeroOperandRestoresZero()
    {
        // SiLU: h·σ(h); GELU as BERT exports it: 0.5·h·(1 + erf(h/√2)).
        var model = Build(
            [
                Node("Gemm", ["X", "W1"], ["H"], "fc1"),
                Node("Sigmoid", ["H"], ["S"], "sigmoid"),
                Node("Mul", ["H", "S"], ["A"], "silu"),
                Node("Gemm", ["A", "W2"], ["G"], "fc2"),
                Node("Div", ["G", "sqrt2"], ["G1"], "div"),
                Node("Erf", ["G1"], ["G2"], "erf"),
                Node("Add", ["G2", "one"], ["G3"], "add_one"),
                Node("Mul", ["G", "G3"], ["G4"], "mul"),
                Node("Mul", ["G4", "half"], ["G5"], "mul_half"),
                Node("Gemm", ["G5", "W3"], ["Y"], "fc3"),
            ],
            [Floats("W1", [4, 6], 1), Floats("W2", [6, 5], 2), Floats("W3", [5, 2], 3), Scalar("sqrt2", 1.4142135f), Scalar("one", 1f), Scalar("half", 0.5f)],
            [("X", [1, 4])], ["Y"]);

        var graph = Analyze(model);

        CollectionAssert.AreEqual(new[] { "W1", "W2" }, graph.Groups.Select(g => g.Id).ToArray(), StructuredTestGraphs.Describe(graph.Unprunable));
        Assert.AreEqual("fc2 → div → erf → add_one → mul → mul_half → fc3", graph.Group("W2").Path);
        graph.Group("W2").Slice("W3", ChannelRole.Consumer);
    }

    [TestMethod]
    public void Analyze_GroupReachingAGraphOutput_IsUnprunableUnlessOutputsMayShrink()
    {
        var model = Build(
            [Node("Gemm", ["X", "W", "B"], ["H"], "fc"), Node("Relu", ["H"], ["Y"], "relu")],
            [Floats("W", [4, 3], 1), Floats("B", [3], 2)],
            [("X", [2, 4])], ["Y"]);

        var kept = Analyze(model);
        var shrunk = Analyze(model, pruneOutputs: true);

        Assert.IsEmpty(kept.Groups);
        StringAssert.Contains(kept.Unprunable("W").Reason, "graph output Y");
        var group = shrunk.Group("W");
        Assert.IsTrue(group.ReachesOutput);
        Assert.AreEqual(new ChannelValue("Y", 1, 0, 1, 0, 3), group.Value("Y"));
        Assert.IsEmpty(shrunk.Unprunable);
    }

    [TestMethod]
    public void Analyze_DepthwiseConv_PassesTheChannelsWithFiltersAndBiasAsParameters()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W1"], ["C1"], "pointwise"),
                Node("Conv", ["C1", "WD", "BD"], ["D"], "depthwise", Attr("group", 4L), Attr("pads", new long[] { 1, 1, 1, 1 })),
                Node("Relu", ["D"], ["R"], "relu"),
                Node("Conv", ["R", "W2"], ["Y"], "project"),
            ],
            [Floats("W1", [4, 3, 1, 1], 1), Floats("WD", [4, 1, 3, 3], 2), Floats("BD", [4], 3), Floats("W2", [2, 4, 1, 1], 4)],
            [("X", [1, 3, 5, 5])], ["Y"]);

        var graph = Analyze(model);

        var group = graph.Group("W1");
        Assert.AreEqual(0, group.Slice("WD", ChannelRole.Parameter).Axis);
        Assert.AreEqual(0, group.Slice("BD", ChannelRole.Parameter).Axis);
        Assert.AreEqual(1, group.Slice("W2", ChannelRole.Consumer).Axis);
        CollectionAssert.AreEquivalent(new[] { "C1", "D", "R" }, group.Values.Select(v => v.Value).ToArray());
        Assert.IsFalse(graph.Unprunable.Any(u => u.Layer == "WD"), StructuredTestGraphs.Describe(graph.Unprunable));
    }

    [TestMethod]
    public void Analyze_DepthwiseConvInAGroupThatFails_IsListedWithTheGroupsReason()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W1"], ["C1"], "pointwise"),
                Node("Conv", ["C1", "WD"], ["D"], "depthwise", Attr("group", 4L)),
                Node("Sigmoid", ["D"], ["S"], "gate"),
                Node("Conv", ["S", "W2"], ["Y"], "project"),
            ],
            [Floats("W1", [4, 3, 1, 1], 1), Floats("WD", [4, 1, 1, 1], 2), Floats("W2", [2, 4, 1, 1], 3)],
            [("X", [1, 3, 2, 2])], ["Y"]);

        var graph = Analyze(model, pruneOutputs: true);

        Assert.AreEqual("W2", graph.Groups.Single().Id);
        StringAssert.Contains(graph.Unprunable("W1").Reason, "gate makes removed channels non-zero before project (Conv)");
        Assert.AreEqual(graph.Unprunable("W1").Reason, graph.Unprunable("WD").Reason);
    }

    [TestMethod]
    public void Analyze_DepthwiseConvOnTheGraphInputAndGroupedConv_AreUnprunableWithReasons()
    {
        var model = Build(
            [
                Node("Conv", ["X", "WD"], ["D"], "depthwise", Attr("group", 4L)),
                Node("Conv", ["D", "WG"], ["G"], "grouped", Attr("group", 2L)),
                Node("Conv", ["G", "W"], ["Y"], "conv"),
            ],
            [Floats("WD", [4, 1, 1, 1], 1), Floats("WG", [6, 2, 1, 1], 2), Floats("W", [2, 6, 1, 1], 3)],
            [("X", [1, 4, 3, 3])], ["Y"]);

        var graph = Analyze(model);

        Assert.IsEmpty(graph.Groups);
        StringAssert.Contains(graph.Unprunable("WD").Reason, "depthwise");
        StringAssert.Contains(graph.Unprunable("WG").Reason, "grouped Conv (group=2)");
    }

    [TestMethod]
    public void Analyze_LayerNormalizationOverTheFeatures_ReducesOverTheChannels()
    {
        var model = Build(
            [
                Node("MatMul", ["X", "W1"], ["H"], "fc1"),
                Node("LayerNormalization", ["H", "gamma", "beta"], ["N"], "norm", Attr("axis", -1L)),
                Node("MatMul", ["N", "W2"], ["Y"], "fc2"),
            ],
            [Floats("W1", [4, 6], 1), Floats("gamma", [6], 2), Floats("beta", [6], 3), Floats("W2", [6, 2], 4)],
            [("X", [1, 3, 4])], ["Y"], opset: 17);

        var graph = Analyze(model);

        StringAssert.Contains(graph.Unprunable("W1").Reason, "norm (LayerNormalization) reduces over the channels");
    }

    [TestMethod]
    public void Analyze_SharedBias_LeavesBothLayersDense()
    {
        var model = Build(
            [
                Node("Gemm", ["X", "W1", "B"], ["H1"], "fc1"),
                Node("Gemm", ["X", "W2", "B"], ["H2"], "fc2"),
                Node("Relu", ["H1"], ["R1"], "relu1"),
                Node("Relu", ["H2"], ["R2"], "relu2"),
                Node("Gemm", ["R1", "W3"], ["Y1"], "fc3"),
                Node("Gemm", ["R2", "W4"], ["Y2"], "fc4"),
            ],
            [Floats("W1", [4, 3], 1), Floats("W2", [4, 3], 2), Floats("B", [3], 3), Floats("W3", [3, 2], 4), Floats("W4", [3, 2], 5)],
            [("X", [1, 4])], ["Y1", "Y2"]);

        var graph = Analyze(model);

        Assert.IsEmpty(graph.Groups);
        StringAssert.Contains(graph.Unprunable("W1").Reason, "B axis 0 carries the channels of two groups");
        StringAssert.Contains(graph.Unprunable("W2").Reason, "B axis 0 carries the channels of two groups");
    }

    [TestMethod]
    public void Analyze_ChannelsOnTheRightOfAMatMulOrTransposedIntoGemm_AreConsumedThere()
    {
        // fc1's units go to axis 0 by a Transpose; then L·T (the initializer on the left) and Gemm(T, transA=1) read them.
        var model = Build(
            [
                Node("Gemm", ["X", "W1"], ["H"], "fc1"),
                Node("Relu", ["H"], ["R"], "relu"),
                Node("Transpose", ["R"], ["T"], "transpose", Attr("perm", new long[] { 1, 0 })),
                Node("MatMul", ["L", "T"], ["Y1"], "left"),
                Node("Gemm", ["T", "W2"], ["Y2"], "fc2", Attr("transA", 1L), Attr("transB", 1L)),
            ],
            [Floats("W1", [4, 6], 1), Floats("L", [3, 6], 2), Floats("W2", [2, 6], 3)],
            [("X", [5, 4])], ["Y1", "Y2"]);

        var group = Analyze(model).Group("W1");

        Assert.AreEqual(new ChannelSlice("L", 1, 0, 1, 0, 6, ChannelRole.Consumer, "left"), group.Slice("L", ChannelRole.Consumer));
        Assert.AreEqual(new ChannelSlice("W2", 1, 0, 1, 0, 6, ChannelRole.Consumer, "fc2"), group.Slice("W2", ChannelRole.Consumer));
        Assert.AreEqual(new ChannelValue("T", 0, 0, 1, 0, 6), group.Value("T"));
    }

    [TestMethod]
    public void Analyze_PadAndSliceOfSpatialAxes_PassTheChannelsPaddingTheChannelAxisDoesNot()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W1"], ["C1"], "conv1"),
                Node("Pad", ["C1", "pads"], ["P1"], "pad"),
                Node("Slice", ["P1", "starts", "ends", "axes"], ["S1"], "slice"),
                Node("Conv", ["S1", "W2"], ["C2"], "conv2"),
                Node("Pad", ["C2", "channelPads"], ["P2"], "padChannels"),
                Node("Conv", ["P2", "W3"], ["Y"], "conv3"),
            ],
            [
                Floats("W1", [4, 2, 1, 1], 1), Int64s("pads", 0, 0, 1, 1, 0, 0, 1, 1), Int64s("starts", 1), Int64s("ends", 3), Int64s("axes", 2),
                Floats("W2", [3, 4, 1, 1], 2), Int64s("channelPads", 0, 1, 0, 0, 0, 0, 0, 0), Floats("W3", [2, 4, 1, 1], 3),
            ],
            [("X", [1, 2, 4, 4])], ["Y"]);

        var graph = Analyze(model);

        Assert.AreEqual(1, graph.Group("W1").Slice("W2", ChannelRole.Consumer).Axis);
        StringAssert.Contains(graph.Unprunable("W2").Reason, "padChannels (Pad) pads the channel axis");
    }

    [TestMethod]
    public void Analyze_ValueReadInsideAnIfBranch_LeavesTheProducerDense()
    {
        var branch = new Onnx.Protobuf.GraphProto { Name = "branch" };
        branch.Node.Add(Node("Identity", ["R"], ["B"], "inner"));
        branch.Output.Add(Value("B", Float));
        var graph = new Onnx.Protobuf.GraphProto { Name = "if" };
        graph.Node.Add(Node("Gemm", ["X", "W"], ["H"], "fc"));
        graph.Node.Add(Node("Relu", ["H"], ["R"], "relu"));
        graph.Node.Add(Node("If", ["cond"], ["Y"], "choose",
            new Onnx.Protobuf.AttributeProto { Name = "then_branch", Type = Onnx.Protobuf.AttributeProto.Types.AttributeType.Graph, G = branch },
            new Onnx.Protobuf.AttributeProto { Name = "else_branch", Type = Onnx.Protobuf.AttributeProto.Types.AttributeType.Graph, G = branch.Clone() }));
        graph.Initializer.Add(Floats("W", [4, 3], 1));
        graph.Input.Add(Value("X", Float));
        graph.Input[0].Type.TensorType.Shape = new Onnx.Protobuf.TensorShapeProto();
        foreach (long d in new long[] { 2, 4 }) graph.Input[0].Type.TensorType.Shape.Dim.Add(new Onnx.Protobuf.TensorShapeProto.Types.Dimension { DimValue = d });
        graph.Input.Add(Value("cond", (int)Onnx.Protobuf.TensorProto.Types.DataType.Bool));
        graph.Input[1].Type.TensorType.Shape = new Onnx.Protobuf.TensorShapeProto();
        graph.Output.Add(Value("Y", Float));
        var proto = new Onnx.Protobuf.ModelProto { IrVersion = 8, Graph = graph };
        proto.OpsetImport.Add(new Onnx.Protobuf.OperatorSetIdProto { Version = 13 });

        var result = Analyze(Onnx.OnnxModel.FromProto(proto), pruneOutputs: true);

        Assert.IsEmpty(result.Groups);
        StringAssert.Contains(result.Unprunable("W").Reason, "choose (If) reads R inside a subgraph");
    }

    private static Onnx.Protobuf.TensorProto OnesLike(string name, int count) => Onnx.OnnxTensor.FromFloats(name, Enumerable.Repeat(1f, count).ToArray(), [count]);
}
