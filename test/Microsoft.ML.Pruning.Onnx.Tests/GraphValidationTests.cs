using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class GraphValidationTests
{
    [TestMethod]
    public void Load_DuplicateInitializerNames_ThrowsNamingInitializer()
    {
        var model = TestModels.Gemm(transB: false);
        model.Graph.Initializer.Add(OnnxTensor.FromFloats("W", [1f], [1]));

        AssertInvalid.Model(model, "duplicate initializer 'W'");
    }

    [TestMethod]
    public void Load_SparseAndDenseInitializerSameName_Throws()
    {
        var model = TestModels.Gemm(transB: false);
        model.Graph.SparseInitializer.Add(OnnxSparseTensor.FromDense(OnnxTensor.FromFloats("b", [0f, 1f, 0f], [3])));

        AssertInvalid.Model(model, "duplicate initializer 'b'");
    }

    [TestMethod]
    public void Load_ConstantNodeWithSparseValue_Accepted()
    {
        float[] weight = CompactTests.NinetyPercentZeros(400);
        var proto = TestModels.GemmWithWeight(weight, 20, 20);
        var sparse = OnnxSparseTensor.FromDense(proto.Graph.Initializer[0]);
        proto.Graph.Initializer.Clear();
        proto.Graph.Node.Insert(0, CompactTests.ConstantNode("W", sparse));

        var model = OnnxModel.Load(proto.ToByteArray());

        CollectionAssert.AreEqual(weight, OnnxTensor.ToFloatArray(model.GetInitializer("W")));
    }

    [TestMethod]
    public void Load_ConstantNodeWithSparseValueIndexOutOfRange_ThrowsNamingNode()
    {
        var proto = TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20);
        var sparse = OnnxSparseTensor.FromDense(proto.Graph.Initializer[0]);
        sparse.Indices.Int64Data[^1] = 400;
        proto.Graph.Initializer.Clear();
        var node = CompactTests.ConstantNode("W", sparse);
        node.Name = "weight_const";
        proto.Graph.Node.Insert(0, node);

        AssertInvalid.Model(proto, "'W'", "attribute 'sparse_value' of node 'weight_const' (Constant, #0)", "linear index 400");
    }

    [TestMethod]
    public void Load_ConstantNodeWritesInitializerName_ThrowsNamingNode()
    {
        var proto = TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20);
        proto.Graph.Node.Insert(0, CompactTests.ConstantNode("W", OnnxSparseTensor.FromDense(proto.Graph.Initializer[0])));

        AssertInvalid.Model(proto, "unnamed node 'Constant_0' (Constant, #0) writes 'W'", "an initializer");
    }

    [TestMethod]
    public void Load_TwoNodesWriteSameOutput_ThrowsNamingBothNodes()
    {
        var model = TestModels.MatMul();
        model.Graph.Node.Add(new NodeProto { OpType = "Relu", Name = "again", Input = { "z" }, Output = { "h" } });

        AssertInvalid.Model(model, "node 'again'", "writes 'h'", "'MatMul_0'");
    }

    [TestMethod]
    public void Load_NodeOverwritesGraphInput_Throws()
    {
        var model = TestModels.MatMul();
        model.Graph.Node[2].Output[0] = "X";
        model.Graph.Output[0].Name = "X";

        AssertInvalid.Model(model, "node 'relu'", "writes 'X'", "graph input");
    }

    [TestMethod]
    public void Load_DanglingInput_ThrowsNamingNodeAndInput()
    {
        var model = TestModels.MatMul();
        model.Graph.Node[1].Input[1] = "missing_bias";

        AssertInvalid.Model(model, "node 'add'", "'missing_bias'", "not a graph input, an initializer or an output of an earlier node");
    }

    [TestMethod]
    public void Load_NodesOutOfTopologicalOrder_ThrowsNamingNodes()
    {
        var model = TestModels.MatMul();
        var relu = model.Graph.Node[2];
        model.Graph.Node.RemoveAt(2);
        model.Graph.Node.Insert(0, relu);

        AssertInvalid.Model(model, "node 'relu'", "before node 'add'", "topological order");
    }

    [TestMethod]
    public void Load_Cycle_ThrowsReportingCycle()
    {
        var model = TestModels.MatMul();
        model.Graph.Node[0].Input[0] = "z"; // MatMul reads Add's output, Add reads MatMul's

        AssertInvalid.Model(model, "form a cycle through", "'MatMul_0'");
    }

    [TestMethod]
    public void Load_NodeReadingItsOwnOutput_ThrowsReportingCycle()
    {
        var model = TestModels.MatMul();
        model.Graph.Node[2].Input[0] = "Y";

        AssertInvalid.Model(model, "form a cycle through node 'relu'");
    }

    [TestMethod]
    public void Load_GraphOutputNothingProduces_ThrowsNamingOutput()
    {
        var model = TestModels.MatMul();
        model.Graph.Output.Add(TestModelBuilder.FloatValue("ghost"));

        AssertInvalid.Model(model, "graph output 'ghost'");
    }

    [TestMethod]
    public void Load_EmptyOptionalInput_Loads()
    {
        var model = new TestModelBuilder()
            .Input("X", 2)
            .Node("Clip", ["X", "", "max"], ["Y"], "clip")
            .Weight("max", [], [1f])
            .Output("Y", 2)
            .Build();

        Assert.HasCount(1, OnnxModel.Load(model.ToByteArray()).Graph.Node);
    }

    [TestMethod]
    public void Load_GraphInputAlsoInitializer_Loads()
    {
        var model = TestModels.Gemm(transB: false);
        model.Graph.Input.Add(TestModelBuilder.FloatValue("W", 4, 3));

        Assert.HasCount(2, OnnxModel.Load(model.ToByteArray()).Graph.Input);
    }

    [TestMethod]
    public void Load_SubgraphReadingOuterValue_Loads()
    {
        Assert.HasCount(2, OnnxModel.Load(IfModel(innerInput: "h").ToByteArray()).Graph.Node);
    }

    [TestMethod]
    public void Load_SubgraphReadingUndefinedValue_ThrowsNamingSubgraphNode()
    {
        AssertInvalid.Model(IfModel(innerInput: "nowhere"), "node 'inner'", "'nowhere'", "subgraph 'then'", "node 'if'");
    }

    [TestMethod]
    public void Load_SubgraphReadingOwnersOutput_Throws()
    {
        AssertInvalid.Model(IfModel(innerInput: "Y"), "node 'inner'", "'Y'");
    }

    [TestMethod]
    public void Validate_AfterBreakingEdit_Throws()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());
        model.Graph.Node.RemoveAt(0);

        var ex = Assert.ThrowsExactly<System.IO.InvalidDataException>(model.Validate);
        Assert.Contains("'h'", ex.Message);
    }

    /// <summary>X → Relu → h; If(cond) with a then-branch Identity reading <paramref name="innerInput"/>.</summary>
    private static ModelProto IfModel(string innerInput)
    {
        GraphProto Branch(string name, string input)
        {
            var graph = new GraphProto { Name = name };
            graph.Node.Add(new NodeProto { OpType = "Identity", Name = "inner", Input = { input }, Output = { name + "_out" } });
            graph.Output.Add(TestModelBuilder.FloatValue(name + "_out", 2));
            return graph;
        }

        var cond = new ValueInfoProto
        {
            Name = "cond",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Bool, Shape = new() } },
        };
        var builder = new TestModelBuilder().Input("X", 2);
        builder.Graph.Input.Add(cond);
        return builder
            .Node("Relu", ["X"], ["h"], "relu")
            .Node("If", ["cond"], ["Y"], "if",
                TestModelBuilder.GraphAttribute("then_branch", Branch("then", innerInput)),
                TestModelBuilder.GraphAttribute("else_branch", Branch("else", "X")))
            .Output("Y", 2)
            .Build();
    }
}
