using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class CorruptFileTests
{
    [TestMethod]
    public void Load_TruncatedFile_ThrowsInvalidDataNamingFile()
    {
        using var folder = new TempFolder();
        byte[] bytes = TestModels.Conv().ToByteArray();
        string path = folder.File("truncated.onnx");
        File.WriteAllBytes(path, bytes.AsSpan(0, bytes.Length / 2).ToArray());

        var ex = AssertInvalid.File(path, path, "not a valid ONNX protobuf");
        Assert.IsInstanceOfType<InvalidProtocolBufferException>(ex.InnerException);
    }

    [TestMethod]
    public void Load_EveryTruncation_ThrowsOnlyInvalidDataOrLoads()
    {
        byte[] bytes = TestModels.MatMul().ToByteArray();
        int rejected = 0;
        for (int length = 0; length < bytes.Length; length++)
        {
            try { OnnxModel.Load(bytes.AsSpan(0, length)); }
            catch (InvalidDataException) { rejected++; }
        }
        // A cut at a field boundary after the graph can leave a valid (smaller) model; almost every cut cannot.
        Assert.IsGreaterThan(bytes.Length * 9 / 10, rejected);
    }

    [TestMethod]
    public void Load_EmptyBytes_ThrowsInvalidDataNoGraph()
    {
        AssertInvalid.Bytes([], "no graph");
    }

    [TestMethod]
    public void Load_RandomBytes_ThrowsInvalidData()
    {
        var random = new Random(20240601);
        for (int i = 0; i < 500; i++)
        {
            var bytes = new byte[random.Next(1, 4096)];
            random.NextBytes(bytes);
            AssertInvalid.Bytes(bytes);
        }
    }

    [TestMethod]
    public void Load_RandomlyFlippedBytesOfValidModel_ThrowsOnlyInvalidDataOrLoads()
    {
        byte[] original = TestModels.Conv().ToByteArray();
        var random = new Random(7);
        for (int i = 0; i < 500; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            for (int k = 0; k < 4; k++) bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            try { OnnxModel.Load(bytes); }
            catch (InvalidDataException) { } // the contract: this, or a valid model; never another exception
        }
    }

    [TestMethod]
    public void Load_DeeplyNestedUnknownGroups_ThrowsInvalidDataWithoutStackOverflow()
    {
        // 100,000 nested start-group tags of an unknown field: a recursive parser without a limit would overflow the stack.
        var bytes = new List<byte>();
        for (int i = 0; i < 100_000; i++) bytes.AddRange([0x9B, 0x06]); // field 99, wire type 3 (start group)

        AssertInvalid.Bytes([.. bytes], "not a valid ONNX protobuf");
    }

    [TestMethod]
    public void Load_DeeplyNestedSubgraphsBeyondProtobufLimit_ThrowsInvalidData()
    {
        AssertInvalid.Bytes(NestedIfModel(100).ToByteArray(), "not a valid ONNX protobuf");
    }

    [TestMethod]
    public void Load_SubgraphsNestedBeyondLimit_ThrowsInvalidDataNamingLimit()
    {
        AssertInvalid.Model(NestedIfModel(OnnxModel.MaxSubgraphDepth + 1), $"at most {OnnxModel.MaxSubgraphDepth} levels");
    }

    [TestMethod]
    public void Load_FromPathSubgraphsNestedBeyondLimit_ThrowsNamingFileAndSubgraph()
    {
        // Load(path) walks the model for external data before validating it: that walk names the file too.
        using var folder = new TempFolder();
        string path = folder.File("nested.onnx");
        File.WriteAllBytes(path, NestedIfModel(OnnxModel.MaxSubgraphDepth + 1).ToByteArray());

        AssertInvalid.File(path, $"ONNX file '{path}'", $"subgraph 'level{OnnxModel.MaxSubgraphDepth + 1}'",
            $"node 'if{OnnxModel.MaxSubgraphDepth}'", $"at most {OnnxModel.MaxSubgraphDepth} levels");
    }

    [TestMethod]
    public void Load_SubgraphsNestedAtLimit_Loads()
    {
        var model = OnnxModel.Load(NestedIfModel(OnnxModel.MaxSubgraphDepth).ToByteArray());
        Assert.HasCount(1, model.Graph.Node);
    }

    /// <summary>If nodes nested <paramref name="depth"/> levels deep in their then-branches; each reads X and cond from the outermost graph.</summary>
    private static ModelProto NestedIfModel(int depth)
    {
        GraphProto Branch(int level)
        {
            var graph = new GraphProto { Name = $"level{level}" };
            graph.Output.Add(TestModelBuilder.FloatValue($"out{level}"));
            var node = new NodeProto { OpType = level == depth ? "Identity" : "If", Name = $"if{level}" };
            if (level == depth) node.Input.Add("X");
            else
            {
                node.Input.Add("cond");
                var inner = Branch(level + 1);
                node.Attribute.Add(TestModelBuilder.GraphAttribute("then_branch", inner));
                node.Attribute.Add(TestModelBuilder.GraphAttribute("else_branch", Leaf(level + 1)));
            }
            node.Output.Add($"out{level}");
            graph.Node.Add(node);
            return graph;
        }

        GraphProto Leaf(int level)
        {
            var graph = new GraphProto { Name = $"else{level}" };
            graph.Output.Add(TestModelBuilder.FloatValue($"out{level}"));
            var node = new NodeProto { OpType = "Identity", Name = $"identity{level}" };
            node.Input.Add("X");
            node.Output.Add($"out{level}");
            graph.Node.Add(node);
            return graph;
        }

        var builder = new TestModelBuilder().Input("cond").Input("X");
        var top = Branch(0);
        builder.Graph.Node.Add(top.Node);
        builder.Graph.Output.Add(top.Output);
        return builder.Build();
    }
}
