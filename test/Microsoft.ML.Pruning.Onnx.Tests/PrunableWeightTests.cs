using System.Linq;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class PrunableWeightTests
{
    [TestMethod]
    public void GetPrunableWeights_GemmWithoutTransB_OutputAxisOne()
    {
        var weight = OnnxModel.FromProto(TestModels.Gemm(transB: false)).GetPrunableWeights().Single();

        Assert.AreEqual("W", weight.Name);
        CollectionAssert.AreEqual(new long[] { 4, 3 }, weight.Shape);
        Assert.AreEqual("fc", weight.NodeName);
        Assert.AreEqual("Gemm", weight.OpType);
        Assert.AreEqual(PrunableWeightRole.GemmWeight, weight.Role);
        Assert.AreEqual(1, weight.InputIndex);
        Assert.AreEqual(1, weight.OutputAxis);
        Assert.AreEqual(3L, weight.OutputUnits);
        Assert.AreEqual(12L, weight.ParameterCount);
    }

    [TestMethod]
    public void GetPrunableWeights_GemmWithTransB_OutputAxisZero()
    {
        var weight = OnnxModel.FromProto(TestModels.Gemm(transB: true)).GetPrunableWeights().Single();

        CollectionAssert.AreEqual(new long[] { 3, 4 }, weight.Shape);
        Assert.AreEqual(0, weight.OutputAxis);
        Assert.AreEqual(3L, weight.OutputUnits);
    }

    [TestMethod]
    public void GetPrunableWeights_UnnamedMatMul_GeneratedNameAndOutputAxisOne()
    {
        var model = OnnxModel.FromProto(TestModels.MatMul());

        var weight = model.GetPrunableWeights().Single();

        Assert.AreEqual("W", weight.Name);
        Assert.AreEqual("MatMul_0", weight.NodeName);
        Assert.AreEqual(0, weight.NodeIndex);
        Assert.AreEqual(PrunableWeightRole.MatMulWeight, weight.Role);
        Assert.AreEqual(1, weight.OutputAxis);
        Assert.AreEqual(20L, weight.ParameterCount);
        Assert.AreEqual("", model.Graph.Node[0].Name, "the proto must not be renamed");
    }

    [TestMethod]
    public void GetPrunableWeights_Conv_OutputAxisZero()
    {
        var weight = OnnxModel.FromProto(TestModels.Conv()).GetPrunableWeights().Single();

        Assert.AreEqual("W", weight.Name);
        Assert.AreEqual(PrunableWeightRole.ConvWeight, weight.Role);
        Assert.AreEqual(0, weight.OutputAxis);
        Assert.AreEqual(6L, weight.OutputUnits);
        Assert.AreEqual(108L, weight.ParameterCount);
    }

    [TestMethod]
    public void GetPrunableWeights_NoWeights_EmptyList()
    {
        Assert.IsEmpty(OnnxModel.FromProto(TestModels.NoWeights()).GetPrunableWeights());
    }

    [TestMethod]
    public void GetPrunableWeights_MatMulWithComputedOperandOrNonFloatWeight_NotListed()
    {
        var proto = new TestModelBuilder()
            .Input("X", 2, 2)
            .Input("Z", 2, 2)
            .Node("MatMul", ["X", "Z"], ["Y"], "computed")
            .Initializer(OnnxTensor.FromInt64s("shape", [2, 2], [2]))
            .Node("Reshape", ["Y", "shape"], ["R"], "reshape")
            .Output("R", 2, 2)
            .Build();

        Assert.IsEmpty(OnnxModel.FromProto(proto).GetPrunableWeights());
    }

    [TestMethod]
    public void GetPrunableWeights_WeightSharedByTwoNodes_ListedOnceForFirstUse()
    {
        var proto = new TestModelBuilder()
            .Input("X", 1, 4)
            .Weight("W", [4, 4])
            .Node("MatMul", ["X", "W"], ["h"], "first")
            .Node("MatMul", ["h", "W"], ["Y"], "second")
            .Output("Y", 1, 4)
            .Build();

        var weight = OnnxModel.FromProto(proto).GetPrunableWeights().Single();

        Assert.AreEqual("first", weight.NodeName);
    }

    [TestMethod]
    public void GetPrunableWeights_SparseInitializer_Listed()
    {
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(CompactTests.NinetyPercentZeros(400), 20, 20));
        model.Compact(SparseEncoding.SparseInitializer);

        var weight = model.GetPrunableWeights().Single();

        CollectionAssert.AreEqual(new long[] { 20, 20 }, weight.Shape);
        Assert.IsNotEmpty(model.Graph.SparseInitializer, "listing must not densify");
    }

    [TestMethod]
    public void GetPrunableWeights_SparseConstantNodes_ListedLikeTheDenseModel()
    {
        var dense = OnnxModel.FromProto(TestModels.Mlp([784, 300, 100, 10], 0.9));
        var model = dense.Clone();
        Assert.AreEqual(3, model.Compact(SparseEncoding.ConstantNode));
        byte[] compactBytes = model.ToBytes();

        var weights = model.GetPrunableWeights();

        CollectionAssert.AreEqual(compactBytes, model.ToBytes(), "listing must not densify");
        var expected = dense.GetPrunableWeights();
        Assert.HasCount(3, weights);
        for (int i = 0; i < weights.Count; i++)
        {
            CollectionAssert.AreEqual(expected[i].Shape, weights[i].Shape);
            Assert.AreEqual(expected[i] with { NodeIndex = expected[i].NodeIndex + 3, Shape = weights[i].Shape }, weights[i], "the three Constant nodes come first");
        }
        foreach (var w in model.GetPrunableWeights()) // each read turns one Constant node into an initializer
            CollectionAssert.AreEqual(OnnxTensor.ToFloatArray(dense.GetInitializer(w.Name)), OnnxTensor.ToFloatArray(model.GetInitializer(w.Name)), w.Name);
        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "Constant"));
    }

    [TestMethod]
    public void GetPrunableWeights_BackendSuite_EveryWeightIsFloatInitializerWithValidAxis()
    {
        int models = 0, weights = 0;
        foreach (string path in OnnxTestData.ModelPaths())
        {
            var model = OnnxModel.Load(path);
            foreach (var w in model.GetPrunableWeights())
            {
                var tensor = model.Graph.Initializer.Single(t => t.Name == w.Name);
                Assert.AreEqual((int)TensorProto.Types.DataType.Float, tensor.DataType, path);
                Assert.IsTrue(w.OutputAxis >= 0 && w.OutputAxis < w.Shape.Length, path);
                Assert.AreEqual(OnnxTensor.ElementCount(tensor), w.ParameterCount, path);
                weights++;
            }
            models++;
        }
        System.Console.WriteLine($"{weights} prunable weights in {models} backend-suite models");
        Assert.IsGreaterThan(0, weights);
    }
}
