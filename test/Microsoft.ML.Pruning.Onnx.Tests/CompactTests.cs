using System;
using System.IO;
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
    public void Compact_NoArguments_WritesConstantNodeBeforeItsConsumer()
    {
        float[] weight = NinetyPercentZeros(64 * 32);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 64, 32));
        long denseBytes = model.ToBytes().LongLength;

        Assert.AreEqual(1, model.Compact());

        Assert.IsEmpty(model.Graph.Initializer);
        Assert.IsEmpty(model.Graph.SparseInitializer);
        var constant = model.Graph.Node[0];
        Assert.AreEqual("Constant", constant.OpType);
        Assert.AreEqual("", constant.Domain);
        Assert.IsEmpty(constant.Input);
        CollectionAssert.AreEqual(new[] { "W" }, constant.Output.ToArray());
        var attribute = constant.Attribute.Single();
        Assert.AreEqual("sparse_value", attribute.Name);
        Assert.AreEqual(AttributeProto.Types.AttributeType.SparseTensor, attribute.Type);
        Assert.AreEqual("W", attribute.SparseTensor.Values.Name);
        Assert.AreEqual((int)TensorProto.Types.DataType.Int64, attribute.SparseTensor.Indices.DataType);
        CollectionAssert.AreEqual(new long[] { 64, 32 }, attribute.SparseTensor.Dims.ToArray());
        Assert.AreEqual("fc", model.Graph.Node[1].Name);
        Assert.IsLessThan(denseBytes / 2, model.ToBytes().LongLength);
        model.Validate();
    }

    [TestMethod]
    public void Compact_SparseInitializerEncoding_MovesWeightToSparseInitializers()
    {
        float[] weight = NinetyPercentZeros(64 * 32);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 64, 32));
        var nodesBefore = model.Graph.Node.Clone();

        Assert.AreEqual(1, model.Compact(SparseEncoding.SparseInitializer));

        Assert.IsEmpty(model.Graph.Initializer);
        var sparse = model.Graph.SparseInitializer.Single();
        Assert.AreEqual("W", sparse.Values.Name);
        Assert.AreEqual((int)TensorProto.Types.DataType.Int64, sparse.Indices.DataType);
        Assert.AreEqual(nodesBefore, model.Graph.Node);
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Compact_NinetyPercentZeroWeight_BecomesSparseAndSmaller(SparseEncoding encoding)
    {
        float[] weight = NinetyPercentZeros(64 * 32);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 64, 32));
        long denseBytes = model.ToBytes().LongLength;

        Assert.AreEqual(1, model.Compact(encoding));

        Assert.IsEmpty(model.Graph.Initializer);
        Assert.IsLessThan(denseBytes / 2, model.ToBytes().LongLength);
        var reloaded = OnnxModel.Load(model.ToBytes());
        CollectionAssert.AreEqual(weight, OnnxTensor.ToFloatArray(reloaded.GetInitializer("W")));
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Compact_DenseWeight_StaysDense(SparseEncoding encoding)
    {
        var model = OnnxModel.FromProto(TestModels.Conv());
        byte[] before = model.ToBytes();

        Assert.AreEqual(0, model.Compact(encoding));

        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Compact_HalfZeroLeNetLayer_BecomesSparseBecauseSmaller(SparseEncoding encoding)
    {
        float[] weight = RandomWeight(300 * 784, zeroFraction: 0.5, seed: 1);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 300, 784));
        long denseBytes = model.ToBytes().LongLength;

        Assert.AreEqual(1, model.Compact(encoding));

        Assert.IsLessThan(denseBytes * 0.9, model.ToBytes().LongLength); // ~3.5 bytes per element instead of 4
        Assert.IsEmpty(model.Graph.Initializer);
        CollectionAssert.AreEqual(weight, OnnxTensor.ToFloatArray(OnnxModel.Load(model.ToBytes()).GetInitializer("W")));
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Compact_FortyPercentZeroSmallLayer_BecomesSparseBecauseSmaller(SparseEncoding encoding)
    {
        // Indices below 2^14 take 2 varint bytes: 0.6 x (4 + 2) = 3.6 bytes per element against 4.
        float[] weight = RandomWeight(100 * 100, zeroFraction: 0.4, seed: 2);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 100, 100));
        long denseBytes = model.ToBytes().LongLength;

        Assert.AreEqual(1, model.Compact(encoding));

        Assert.IsLessThan(denseBytes, model.ToBytes().LongLength);
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Compact_QuarterZeroWeight_StaysDenseBecauseSparseIsNotSmaller(SparseEncoding encoding)
    {
        // 0.75 x (4 + 2) = 4.5 bytes per element against 4.
        float[] weight = RandomWeight(100 * 100, zeroFraction: 0.25, seed: 3);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 100, 100));
        byte[] before = model.ToBytes();
        var dense = model.Graph.Initializer.Single();
        Assert.IsGreaterThanOrEqualTo(OnnxSparseTensor.SerializedSize(dense), OnnxSparseTensor.SerializedSize(OnnxSparseTensor.FromDense(dense)));

        Assert.AreEqual(0, model.Compact(encoding));

        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Compact_RandomSparsities_ConvertsExactlyWhenTheSparseFileIsSmaller(SparseEncoding encoding)
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

            // The other outcome, built by hand: the same file with the weight stored sparsely.
            var sparseByHand = proto.Clone();
            var sparse = OnnxSparseTensor.FromDense(sparseByHand.Graph.Initializer.Single());
            sparseByHand.Graph.Initializer.Clear();
            if (encoding == SparseEncoding.SparseInitializer)
                sparseByHand.Graph.SparseInitializer.Add(sparse);
            else
                sparseByHand.Graph.Node.Insert(0, ConstantNode("W", sparse));
            long denseFile = proto.ToByteArray().LongLength, sparseFile = sparseByHand.ToByteArray().LongLength;

            var model = OnnxModel.FromProto(proto.Clone());
            int count = model.Compact(encoding);

            Assert.AreEqual(sparseFile < denseFile ? 1 : 0, count, label);
            CollectionAssert.AreEqual(sparseFile < denseFile ? sparseByHand.ToByteArray() : proto.ToByteArray(), model.ToBytes(), label);
            converted += count;
        }
        Assert.IsTrue(converted > cases / 4 && converted < cases * 3 / 4, $"{converted} of {cases} converted: the cases should straddle the break-even");
    }

    [TestMethod]
    public void Compact_SparseInitializerWeightThatIsAlsoGraphInput_StaysAGraphInput()
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20));
        var model = OnnxModel.FromProto(proto);

        model.Compact(SparseEncoding.SparseInitializer);

        model.Validate();
        Assert.AreEqual("W", model.Graph.SparseInitializer.Single().Values.Name);
        Assert.IsTrue(model.Graph.Input.Any(i => i.Name == "W"));
    }

    [TestMethod]
    public void Compact_ConstantNodeWeightThatIsAlsoGraphInput_RemovedFromGraphInputs()
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.IrVersion = 3;
        proto.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20)); // IR 3 lists initializers as inputs
        var model = OnnxModel.FromProto(proto);

        Assert.AreEqual(1, model.Compact(SparseEncoding.ConstantNode));

        model.Validate();
        CollectionAssert.AreEqual(new[] { "X" }, model.Graph.Input.Select(i => i.Name).ToArray());
        Assert.AreEqual("W", model.Graph.Node[0].Output.Single());
        Assert.AreEqual(6L, model.Proto.IrVersion);
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Compact_OldIrVersion_RaisedToSix(SparseEncoding encoding)
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.IrVersion = 3;
        proto.Graph.Input.Add(TestModelBuilder.FloatValue("W", 20, 20)); // IR 3 lists initializers as inputs
        var model = OnnxModel.FromProto(proto);

        model.Compact(encoding);

        Assert.AreEqual(6L, model.Proto.IrVersion);
    }

    [TestMethod]
    [DataRow(10L)]
    [DataRow(null)]
    public void Compact_ConstantNodeBelowOpset11_FallsBackToSparseInitializer(long? opset)
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.OpsetImport.Clear();
        if (opset is long version) proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = version });
        var model = OnnxModel.FromProto(proto);

        Assert.AreEqual(1, model.Compact(SparseEncoding.ConstantNode));

        Assert.AreEqual("W", model.Graph.SparseInitializer.Single().Values.Name);
        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "Constant"));
    }

    [TestMethod]
    public void Compact_ConstantNodeOpset11InAiOnnxSpelling_UsesConstantNode()
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.OpsetImport[0] = new OperatorSetIdProto { Domain = "ai.onnx", Version = 11 };
        var model = OnnxModel.FromProto(proto);

        Assert.AreEqual(1, model.Compact(SparseEncoding.ConstantNode));

        Assert.AreEqual("Constant", model.Graph.Node[0].OpType);
    }

    [TestMethod]
    public void Compact_ConstantNodeInitializerThatIsGraphOutput_StaysDense()
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.Graph.Output.Add(TestModelBuilder.FloatValue("W", 20, 20));
        var model = OnnxModel.FromProto(proto);

        Assert.AreEqual(0, model.Compact(SparseEncoding.ConstantNode));

        Assert.AreEqual("W", model.Graph.Initializer.Single().Name);
    }

    [TestMethod]
    public void Compact_ConstantNodeInitializerBoundByTrainingInfo_StaysDense()
    {
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.TrainingInfo.Add(new TrainingInfoProto { Algorithm = new GraphProto { Name = "step" }, UpdateBinding = { new StringStringEntryProto { Key = "W", Value = "W_new" } } });
        var model = OnnxModel.FromProto(proto);

        Assert.AreEqual(0, model.Compact(SparseEncoding.ConstantNode));

        Assert.AreEqual("W", model.Graph.Initializer.Single().Name);
    }

    [TestMethod]
    public void Compact_ConstantNodeWeightReadInsideSubgraph_NodeComesFirstAndModelStaysValid()
    {
        var body = new GraphProto { Name = "body" };
        body.Input.Add(TestModelBuilder.FloatValue("i"));
        body.Input.Add(TestModelBuilder.FloatValue("cond_in"));
        body.Node.Add(new NodeProto { OpType = "Identity", Name = "keep", Input = { "cond_in" }, Output = { "cond_out" } });
        body.Node.Add(new NodeProto { OpType = "Add", Name = "inner", Input = { "s", "W" }, Output = { "scan_out" } });
        body.Output.Add(TestModelBuilder.FloatValue("cond_out"));
        body.Output.Add(TestModelBuilder.FloatValue("scan_out"));
        var proto = new TestModelBuilder()
            .Input("X", 100).Input("trip").Input("cond")
            .Weight("V", [100], NinetyPercentZeros(100))
            .Weight("W", [100], NinetyPercentZeros(100))
            .Node("Mul", ["X", "V"], ["s"], "scale")
            .Node("Loop", ["trip", "cond"], ["Y"], "loop", TestModelBuilder.GraphAttribute("body", body))
            .Output("Y", -1, 100)
            .Build();
        var model = OnnxModel.FromProto(proto);

        Assert.AreEqual(2, model.Compact(SparseEncoding.ConstantNode));

        CollectionAssert.AreEqual(new[] { "V", "W", "s", "Y" }, model.Graph.Node.Select(n => n.Output[0]).ToArray());
        OnnxModel.Load(model.ToBytes()).Validate();
    }

    [TestMethod]
    public void Compact_UnknownEncoding_ThrowsArgumentOutOfRange()
    {
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20));

        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => model.Compact((SparseEncoding)7));

        Assert.AreEqual("encoding", ex.ParamName);
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void Densify_AfterCompact_RestoresValuesAndLeavesNoSparseStorage(SparseEncoding encoding)
    {
        float[] weight = NinetyPercentZeros(400);
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(weight, 20, 20));
        model.Compact(encoding);

        Assert.AreEqual(1, model.Densify());

        Assert.IsEmpty(model.Graph.SparseInitializer);
        CollectionAssert.AreEqual(new[] { "Gemm" }, model.Graph.Node.Select(n => n.OpType).ToArray());
        CollectionAssert.AreEqual(weight, OnnxTensor.ToFloatArray(model.Graph.Initializer.Single()));
        model.Validate();
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode, 0.9)]
    [DataRow(SparseEncoding.ConstantNode, 0.5)]
    [DataRow(SparseEncoding.SparseInitializer, 0.9)]
    [DataRow(SparseEncoding.SparseInitializer, 0.5)]
    public void Densify_AfterCompactSaveLoad_EqualsOriginalBitForBit(SparseEncoding encoding, double zeroFraction)
    {
        var original = TestModels.Mlp([784, 300, 100, 10], zeroFraction, seed: 5);
        original.Graph.Initializer[0].DocString = "doc strings and metadata travel with the values";
        original.Graph.Initializer[0].MetadataProps.Add(new StringStringEntryProto { Key = "k", Value = "v" });
        var model = OnnxModel.FromProto(original.Clone());
        int converted = model.Compact(encoding);
        Assert.AreEqual(3, converted, "the three weights are sparse enough, the biases are not");
        using var folder = new TempFolder();
        model.Save(folder.File("compact.onnx"));

        var loaded = OnnxModel.Load(folder.File("compact.onnx"));
        Assert.AreEqual(converted, loaded.Densify());

        // Restored initializers are appended: the expected file lists the kept ones first, each group in original order.
        var expected = original.Clone();
        var reordered = expected.Graph.Initializer.OrderBy(t => t.Name.EndsWith(".weight", StringComparison.Ordinal)).ToList();
        expected.Graph.Initializer.Clear();
        expected.Graph.Initializer.AddRange(reordered);
        CollectionAssert.AreEqual(expected.ToByteArray(), loaded.ToBytes());
    }

    [TestMethod]
    public void Densify_BothEncodingsInOneModel_RestoresBoth()
    {
        var proto = TestModels.Mlp([50, 40, 10], 0.9);
        var model = OnnxModel.FromProto(proto.Clone());
        Assert.AreEqual(2, model.Compact(SparseEncoding.SparseInitializer));
        var layer2 = model.Graph.SparseInitializer[1];
        model.Graph.SparseInitializer.RemoveAt(1);
        model.Graph.Node.Insert(0, ConstantNode("fc2.weight", layer2));
        model.Validate();

        Assert.AreEqual(2, model.Densify());

        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "Constant"));
        foreach (string name in new[] { "fc1.weight", "fc2.weight" })
            CollectionAssert.AreEqual(
                OnnxTensor.ToFloatArray(proto.Graph.Initializer.Single(t => t.Name == name)),
                OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == name)), name);
    }

    [TestMethod]
    public void Densify_ConstantNodesThatAreNotSparseWeights_LeftAlone()
    {
        var sparse = OnnxSparseTensor.FromDense(OnnxTensor.FromFloats("c", [0f, 2f, 0f], [3]));
        var proto = new TestModelBuilder()
            .Input("X", 3)
            .Node("Constant", [], ["dense"], "dense", new AttributeProto { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensor.FromFloats("", [1f, 2f, 3f], [3]) })
            .Node("Constant", [], ["out"], "graph_output", new AttributeProto { Name = "sparse_value", Type = AttributeProto.Types.AttributeType.SparseTensor, SparseTensor = sparse })
            .Node("Add", ["X", "dense"], ["Y"], "add")
            .Output("Y", 3)
            .Output("out", 3)
            .Build();
        var model = OnnxModel.FromProto(proto);
        byte[] before = model.ToBytes();

        Assert.AreEqual(0, model.Densify());

        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    [TestMethod]
    public void Densify_ConstantNodeWithStringValues_ThrowsNamingNodeAndChangesNothing()
    {
        var values = new TensorProto { Name = "s", DataType = (int)TensorProto.Types.DataType.String, Dims = { 1 }, StringData = { ByteString.CopyFromUtf8("a") } };
        var sparse = new SparseTensorProto { Values = values, Indices = OnnxTensor.FromInt64s("s_indices", [1], [1]), Dims = { 3 } };
        var proto = TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20);
        proto.Graph.Node.Insert(0, new NodeProto { OpType = "Constant", Name = "strings", Output = { "s" }, Attribute = { new AttributeProto { Name = "sparse_value", Type = AttributeProto.Types.AttributeType.SparseTensor, SparseTensor = sparse } } });
        var model = OnnxModel.FromProto(proto);
        model.Compact(SparseEncoding.SparseInitializer);
        byte[] before = model.ToBytes();

        var ex = Assert.ThrowsExactly<InvalidDataException>(() => model.Densify());

        Assert.Contains("node 'strings'", ex.Message);
        Assert.Contains("STRING", ex.Message);
        CollectionAssert.AreEqual(before, model.ToBytes());
    }

    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode)]
    [DataRow(SparseEncoding.SparseInitializer)]
    public void GetInitializer_OfSparseWeight_DensifiesSoEditsAreLive(SparseEncoding encoding)
    {
        var model = OnnxModel.FromProto(TestModels.GemmWithWeight(NinetyPercentZeros(400), 20, 20));
        model.Compact(encoding);
        Assert.IsTrue(model.HasInitializer("W"));

        OnnxTensor.SetFloats(model.GetInitializer("W"), Enumerable.Repeat(2f, 400).ToArray());

        Assert.IsEmpty(model.Graph.SparseInitializer);
        Assert.IsFalse(model.Graph.Node.Any(n => n.OpType == "Constant"));
        Assert.IsTrue(OnnxTensor.ToFloatArray(model.GetInitializer("W")).All(v => v == 2f));
        model.Validate();
    }

    /// <summary>A Constant node holding a sparse tensor as <see cref="SparseEncoding.ConstantNode"/> writes it.</summary>
    internal static NodeProto ConstantNode(string output, SparseTensorProto sparse) => new()
    {
        OpType = "Constant",
        Output = { output },
        Attribute = { new AttributeProto { Name = "sparse_value", Type = AttributeProto.Types.AttributeType.SparseTensor, SparseTensor = sparse } },
    };

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
