using System;
using System.Linq;
using Google.Protobuf;
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
    public void Compact_HalfZeroLeNetLayer_BecomesSparseBecauseSmaller()
    {
        float[] weight = RandomWeight(300 * 784, zeroFraction: 0.5, seed: 1);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 300, 784));
        long denseBytes = model.ToBytes().LongLength;

        Assert.AreEqual(1, model.Compact());

        Assert.IsLessThan(denseBytes * 0.9, model.ToBytes().LongLength); // ~3.5 bytes per element instead of 4
        Assert.IsEmpty(model.Graph.Initializer);
        CollectionAssert.AreEqual(weight, OnnxTensor.ToFloatArray(OnnxModel.Load(model.ToBytes()).GetInitializer("W")));
    }

    [TestMethod]
    public void Compact_FortyPercentZeroSmallLayer_BecomesSparseBecauseSmaller()
    {
        // Indices below 2^14 take 2 varint bytes: 0.6 x (4 + 2) = 3.6 bytes per element against 4.
        float[] weight = RandomWeight(100 * 100, zeroFraction: 0.4, seed: 2);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 100, 100));
        long denseBytes = model.ToBytes().LongLength;

        Assert.AreEqual(1, model.Compact());

        Assert.IsLessThan(denseBytes, model.ToBytes().LongLength);
    }

    [TestMethod]
    public void Compact_QuarterZeroWeight_StaysDenseBecauseSparseIsNotSmaller()
    {
        // 0.75 x (4 + 2) = 4.5 bytes per element against 4.
        float[] weight = RandomWeight(100 * 100, zeroFraction: 0.25, seed: 3);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 100, 100));
        byte[] before = model.ToBytes();
        var dense = model.Graph.Initializer.Single();
        Assert.IsGreaterThanOrEqualTo(OnnxSparseTensor.SerializedSize(dense), OnnxSparseTensor.SerializedSize(OnnxSparseTensor.FromDense(dense)));

        Assert.AreEqual(0, model.Compact());

        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    [TestMethod]
    public void Compact_RandomSparsities_ConvertsExactlyWhenTheSparseFileIsSmaller()
    {
        var random = new Random(7);
        int converted = 0, cases = 300;
        for (int c = 0; c < cases; c++)
        {
            int rows = random.Next(1, 200), cols = random.Next(1, 200);
            // Mostly near the break-even (about 1/3 to 1/2 zeros), some anywhere.
            double zeros = c % 4 == 0 ? random.NextDouble() : 0.25 + 0.3 * random.NextDouble();
            float[] weight = RandomWeight(rows * cols, zeros, seed: c);
            var proto = TestModels.GemmWithWeight(weight, rows, cols);
            string label = $"case {c}: {rows}x{cols}, {zeros:P1} zeros";

            // The other outcome, built by hand: the same model with the weight as a sparse initializer.
            var sparseByHand = proto.Clone();
            var tensor = sparseByHand.Graph.Initializer.Single();
            sparseByHand.Graph.Initializer.Clear();
            sparseByHand.Graph.SparseInitializer.Add(OnnxSparseTensor.FromDense(tensor));
            long denseFile = proto.ToByteArray().LongLength, sparseFile = sparseByHand.ToByteArray().LongLength;

            var model = OnnxModel.FromProto(proto.Clone());
            int count = model.Compact();

            Assert.AreEqual(sparseFile < denseFile ? 1 : 0, count, label);
            Assert.AreEqual(Math.Min(denseFile, sparseFile), model.ToBytes().LongLength, label);
            converted += count;
        }
        Assert.IsTrue(converted > cases / 4 && converted < cases * 3 / 4, $"{converted} of {cases} converted: the cases should straddle the break-even");
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

    /// <summary>Values in ±[0.1, 1.1) with exactly round(count x zeroFraction) zeros at random positions.</summary>
    internal static float[] RandomWeight(int count, double zeroFraction, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() + 0.1) * (random.Next(2) == 0 ? 1 : -1);
        int[] order = Enumerable.Range(0, count).ToArray();
        random.Shuffle(order);
        foreach (int i in order.Take((int)Math.Round(count * zeroFraction))) values[i] = 0f;
        return values;
    }

    internal static float[] NinetyPercentZeros(int count)
    {
        var values = new float[count];
        for (int i = 3; i < count; i += 10) values[i] = 0.5f + i;
        return values;
    }
}
