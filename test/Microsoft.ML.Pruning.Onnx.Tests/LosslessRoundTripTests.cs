using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class LosslessRoundTripTests
{
    /// <summary>Field 99, length-delimited, "future": a field no ONNX version defines on ModelProto.</summary>
    private static readonly byte[] UnknownModelField = [0x9A, 0x06, 0x06, (byte)'f', (byte)'u', (byte)'t', (byte)'u', (byte)'r', (byte)'e'];

    /// <summary>Field 10 (NodeProto.device_configurations in newer ONNX), undeclared in our proto: varint 42.</summary>
    private static readonly byte[] UnknownNodeField = [0x50, 0x2A];

    [TestMethod]
    public void LoadThenWrite_UnknownFieldsAtModelAndNodeLevel_Survive()
    {
        var model = TestModels.MatMul();
        var node = NodeProto.Parser.ParseFrom([.. model.Graph.Node[0].ToByteArray(), .. UnknownNodeField]);
        model.Graph.Node[0] = node;
        byte[] input = [.. model.ToByteArray(), .. UnknownModelField];

        byte[] written = OnnxModel.Load(input).ToBytes();

        Assert.IsTrue(Contains(written, UnknownModelField), "the unknown model field was lost");
        Assert.IsTrue(Contains(OnnxModel.Load(written).Graph.Node[0].ToByteArray(), UnknownNodeField), "the unknown node field was lost");
        Assert.AreEqual(input.Length, written.Length);
    }

    [TestMethod]
    public void LoadThenWrite_MetadataOpsetsAndDocStrings_Survive()
    {
        var model = TestModels.Conv();
        model.DocString = "model doc";
        model.Graph.DocString = "graph doc";
        model.Graph.Node[0].DocString = "node doc";
        model.Graph.Initializer[0].DocString = "weight doc";
        model.MetadataProps.Add(new StringStringEntryProto { Key = "author", Value = "tests" });
        model.Graph.Initializer[0].MetadataProps.Add(new StringStringEntryProto { Key = "layer", Value = "conv" });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 3 });
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "com.example", Version = 7 });

        var loaded = OnnxModel.Load(model.ToByteArray());
        var again = OnnxModel.Load(loaded.ToBytes());

        Assert.IsTrue(again.Proto.Equals(model));
        Assert.AreEqual("weight doc", again.Graph.Initializer[0].DocString);
        Assert.AreEqual(3L, again.GetOpsetVersion("ai.onnx.ml"));
        Assert.AreEqual(7L, again.GetOpsetVersion("com.example"));
        Assert.AreEqual("tests", again.Proto.MetadataProps[0].Value);
    }

    [TestMethod]
    public void SaveToStream_ThenLoad_EqualModel()
    {
        var model = OnnxModel.FromProto(TestModels.Gemm(transB: true));
        using var stream = new MemoryStream();

        model.Save(stream);
        stream.Position = 0;

        Assert.IsTrue(OnnxModel.Load(stream).Proto.Equals(model.Proto));
    }

    [TestMethod]
    public void Clone_Edited_LeavesOriginalUnchanged()
    {
        var model = OnnxModel.FromProto(TestModels.Gemm(transB: false));
        var clone = model.Clone();

        OnnxTensor.SetFloats(clone.GetInitializer("W"), new float[12]);

        Assert.AreNotEqual(0f, OnnxTensor.ToFloatArray(model.GetInitializer("W"))[0]);
    }

    private static bool Contains(byte[] haystack, byte[] needle) => System.MemoryExtensions.IndexOf(haystack, needle) >= 0;
}
