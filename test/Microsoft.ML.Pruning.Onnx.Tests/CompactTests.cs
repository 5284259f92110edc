using System.Linq;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class CompactTests
{
    [TestMethod]
    public void Compact_NinetyPercentZeroWeight_BecomesSparseAndSmaller()
    {
        float[] weight = NinetyPercentZeros(64 * 32);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 64, 32));
        long denseBytes = model.ToBytes().LongLength;

        int converted = model.Compact();

        Assert.AreEqual(1, converted);
        Assert.IsEmpty(model.Graph.Initializer);
        var sparse = model.Graph.SparseInitializer.Single();
        Assert.AreEqual("W", sparse.Values.Name);
        Assert.AreEqual((int)TensorProto.Types.DataType.Int64, sparse.Indices.DataType);
        Assert.IsLessThan(denseBytes / 2, model.ToBytes().LongLength);
        var reloaded = OnnxModel.Load(model.ToBytes());
        CollectionAssert.AreEqual(weight, OnnxTensor.ToFloatArray(reloaded.GetInitializer("W")));
    }

    [TestMethod]
    public void Compact_DenseWeight_StaysDense()
    {
        var model = OnnxModel.FromProto(TestModels.Conv());
        byte[] before = model.ToBytes();

        Assert.AreEqual(0, model.Compact());

        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    [TestMethod]
    public void Compact_HalfZeroWeight_StaysDenseBecauseSparseIsNotSmaller()
    {
        var weight = Enumerable.Range(0, 100).Select(i => i % 2 == 0 ? 0f : i).ToArray();
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 10, 10));

        Assert.AreEqual(0, model.Compact());
        Assert.IsEmpty(model.Graph.SparseInitializer);
    }

    [TestMethod]
    public void Compact_WeightThatIsAlsoGraphInput_StaysValid()
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20));
        var model = OnnxModel.FromProto(proto);

        model.Compact();

        model.Validate();
        Assert.AreEqual("W", model.Graph.SparseInitializer.Single().Values.Name);
        Assert.IsTrue(model.Graph.Input.Any(i => i.Name == "W"));
    }

    [TestMethod]
    public void Compact_OldIrVersion_RaisedToSix()
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.IrVersion = 3;
        proto.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20)); // IR 3 lists initializers as inputs
        var model = OnnxModel.FromProto(proto);

        model.Compact();

        Assert.AreEqual(6L, model.Proto.IrVersion);
    }

    [TestMethod]
    public void Densify_AfterCompact_RestoresValues()
    {
        float[] weight = NinetyPercentZeros(400);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 20, 20));
        model.Compact();

        Assert.AreEqual(1, model.Densify());

        Assert.IsEmpty(model.Graph.SparseInitializer);
        CollectionAssert.AreEqual(weight, OnnxTensor.ToFloatArray(model.Graph.Initializer.Single()));
    }

    [TestMethod]
    public void GetInitializer_OfSparseInitializer_DensifiesSoEditsAreLive()
    {
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20));
        model.Compact();

        OnnxTensor.SetFloats(model.GetInitializer("W"), Enumerable.Repeat(2f, 400).ToArray());

        Assert.IsEmpty(model.Graph.SparseInitializer);
        Assert.IsTrue(OnnxTensor.ToFloatArray(model.GetInitializer("W")).All(v => v == 2f));
    }

    internal static float[] NinetyPercentZeros(int count)
    {
        var values = new float[count];
        for (int i = 3; i < count; i += 10) values[i] = 0.5f + i;
        return values;
    }
}
