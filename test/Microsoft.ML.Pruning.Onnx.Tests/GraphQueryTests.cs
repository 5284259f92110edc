using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class GraphQueryTests
{
    [TestMethod]
    public void GetInitializer_Dense_ReturnsLiveTensor()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());

        Assert.AreSame(model.Graph.Initializer[1], model.GetInitializer("b"));
        Assert.IsTrue(model.HasInitializer("W"));
        Assert.IsFalse(model.TryGetInitializer("X", out _));
    }

    [TestMethod]
    public void GetInitializer_Unknown_ThrowsKeyNotFoundNamingIt()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());

        var ex = Assert.ThrowsExactly<KeyNotFoundException>(() => model.GetInitializer("nope"));
        Assert.Contains("'nope'", ex.Message);
    }

    [TestMethod]
    public void ReplaceInitializer_Dense_KeepsPosition()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());
        var replacement = OnnxTensor.FromFloats("", [9f, 9f, 9f, 9f, 9f], [5]);

        model.ReplaceInitializer("b", replacement);

        Assert.AreEqual("W", model.Graph.Initializer[0].Name);
        Assert.AreSame(replacement, model.Graph.Initializer[1]);
        Assert.AreEqual("b", replacement.Name);
        model.Validate();
    }

    [TestMethod]
    public void ReplaceInitializer_Sparse_StaysSparseAtItsPosition()
    {
        var proto = TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20);
        proto.Graph.Node[0].Input.Add("c");
        proto.Graph.Initializer.Add(OnnxTensor.FromFloats("c", new float[20], [20]));
        var model = OnnxModel.FromProto(proto);
        Assert.AreEqual(2, model.Compact(SparseEncoding.SparseInitializer));
        var newWeight = new float[400];
        newWeight[7] = 1f;

        model.ReplaceInitializer("W", OnnxTensor.FromFloats("W", newWeight, [20, 20]));

        Assert.AreEqual("W", model.Graph.SparseInitializer[0].Values.Name);
        CollectionAssert.AreEqual(new long[] { 7 }, OnnxTensor.ToInt64Array(model.Graph.SparseInitializer[0].Indices));
    }

    [TestMethod]
    public void ReplaceInitializer_SparseConstantNode_StaysInItsNode()
    {
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20));
        Assert.AreEqual(1, model.Compact(SparseEncoding.ConstantNode));
        var newWeight = new float[400];
        newWeight[7] = 1f;

        model.ReplaceInitializer("W", OnnxTensor.FromFloats("W", newWeight, [20, 20]));

        var sparse = model.Graph.Node[0].Attribute.Single().SparseTensor;
        Assert.AreEqual("W", sparse.Values.Name);
        CollectionAssert.AreEqual(new long[] { 7 }, OnnxTensor.ToInt64Array(sparse.Indices));
        Assert.IsEmpty(model.Graph.Initializer);
        model.Validate();
    }

    [TestMethod]
    public void ReplaceInitializer_SparseConstantNodeByScalar_BecomesDenseInitializer()
    {
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20));
        Assert.AreEqual(1, model.Compact(SparseEncoding.ConstantNode));

        model.ReplaceInitializer("W", OnnxTensor.FromFloats("W", [3f], []));

        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "Constant"));
        Assert.AreEqual("W", model.Graph.Initializer.Single().Name);
        model.Validate();
    }

    [TestMethod]
    public void ReplaceInitializer_WrongSizeOrName_ThrowsArgument()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());

        Assert.ThrowsExactly<ArgumentException>(() => model.ReplaceInitializer("b", OnnxTensor.FromFloats("other", [1f], [1])));
        var ex = Assert.ThrowsExactly<ArgumentException>(() => model.ReplaceInitializer("b", WithDims(OnnxTensor.FromFloats("b", [1f], [1]), 5)));
        Assert.Contains("raw_data", ex.Message);
        Assert.ThrowsExactly<KeyNotFoundException>(() => model.ReplaceInitializer("nope", OnnxTensor.FromFloats("nope", [1f], [1])));
    }

    [TestMethod]
    public void FindProducer_NodeOutput_ReturnsNode_OtherwiseNull()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());

        Assert.AreEqual("add", model.FindProducer("z")?.Name);
        Assert.IsNull(model.FindProducer("X"));
        Assert.IsNull(model.FindProducer("W"));
        Assert.IsNull(model.FindProducer(""));
    }

    [TestMethod]
    public void FindConsumers_DirectAndInsideSubgraph_ReturnsOwningNodes()
    {
        var model = OnnxModel.FromProto(LoopReadingOuterWeight());

        CollectionAssert.AreEqual(new[] { "scale", "loop" }, model.FindConsumers("W").Select(n => n.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "loop" }, model.FindConsumers("s").Select(n => n.Name).ToArray());
        Assert.IsEmpty(model.FindConsumers("Y"));
        Assert.IsTrue(model.IsGraphOutput("Y"));
        Assert.IsFalse(model.IsGraphOutput("s"));
    }

    [TestMethod]
    public void FindConsumers_NameShadowedInSubgraph_NotCounted()
    {
        var proto = LoopReadingOuterWeight();
        var body = proto.Graph.Node[1].Attribute[0].G;
        body.Initializer.Add(OnnxTensor.FromFloats("W", [1f, 1f], [2]));
        var model = OnnxModel.FromProto(proto);

        CollectionAssert.AreEqual(new[] { "scale" }, model.FindConsumers("W").Select(n => n.Name).ToArray());
    }

    [TestMethod]
    public void GetShape_FromInitializerInputAndValueInfo_SymbolicDimsNull()
    {
        var proto = TestModels.MatMul();
        proto.Graph.ValueInfo.Add(TestModelBuilder.FloatValue("h", -1, 5));
        var model = OnnxModel.FromProto(proto);

        CollectionAssert.AreEqual(new long?[] { 4, 5 }, model.GetShape("W"));
        CollectionAssert.AreEqual(new long?[] { null, 4 }, model.GetShape("X"));
        CollectionAssert.AreEqual(new long?[] { null, 5 }, model.GetShape("h"));
        CollectionAssert.AreEqual(new long?[] { null, 5 }, model.GetShape("Y"));
        Assert.IsNull(model.GetShape("z"));
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void GetShape_SparseWeight_ReturnsDenseDims(SparseEncoding encoding)
    {
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20));
        Assert.AreEqual(1, model.Compact(encoding));

        CollectionAssert.AreEqual(new long?[] { 20, 20 }, model.GetShape("W"));
    }

    [TestMethod]
    public void GetOpsetVersion_DefaultDomainEitherSpelling_ReturnsImport()
    {
        var proto = TestModels.MatMul();
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 2 });
        var model = OnnxModel.FromProto(proto);

        Assert.AreEqual(13L, model.GetOpsetVersion());
        Assert.AreEqual(13L, model.GetOpsetVersion("ai.onnx"));
        Assert.AreEqual(2L, model.GetOpsetVersion("ai.onnx.ml"));
        Assert.IsNull(model.GetOpsetVersion("com.microsoft"));
    }

    [TestMethod]
    public void GetNodeDisplayName_UnnamedNode_GeneratesWithoutRenaming()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());

        Assert.AreEqual("MatMul_0", model.GetNodeDisplayName(model.Graph.Node[0]));
        Assert.AreEqual("add", model.GetNodeDisplayName(model.Graph.Node[1]));
        Assert.AreEqual("", model.Graph.Node[0].Name);
        Assert.ThrowsExactly<ArgumentException>(() => model.GetNodeDisplayName(model.Graph.Node[0].Clone()));
    }

    /// <summary>X → Mul(W) → s; Loop whose body reads W and s from the outer graph.</summary>
    private static ModelProto LoopReadingOuterWeight()
    {
        var body = new GraphProto { Name = "body" };
        body.Input.Add(TestModelBuilder.FloatValue("i"));
        body.Input.Add(TestModelBuilder.FloatValue("cond_in"));
        body.Node.Add(new NodeProto { OpType = "Identity", Name = "keep", Input = { "cond_in" }, Output = { "cond_out" } });
        body.Node.Add(new NodeProto { OpType = "Add", Name = "inner", Input = { "s", "W" }, Output = { "scan_out" } });
        body.Output.Add(TestModelBuilder.FloatValue("cond_out"));
        body.Output.Add(TestModelBuilder.FloatValue("scan_out"));
        return new TestModelBuilder()
            .Input("X", 2)
            .Input("trip")
            .Input("cond")
            .Weight("W", [2])
            .Node("Mul", ["X", "W"], ["s"], "scale")
            .Node("Loop", ["trip", "cond"], ["Y"], "loop", TestModelBuilder.GraphAttribute("body", body))
            .Output("Y", -1, 2)
            .Build();
    }

    private static TensorProto WithDims(TensorProto tensor, long dim)
    {
        tensor.Dims[0] = dim;
        return tensor;
    }
}
