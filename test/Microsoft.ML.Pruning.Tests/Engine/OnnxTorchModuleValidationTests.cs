using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>Graphs the engine cannot run fail at construction, naming the node; bad calls fail naming the argument.</summary>
[TestClass]
public sealed class OnnxTorchModuleValidationTests
{
    [TestMethod]
    public void Constructor_UnsupportedOp_ThrowsNamingOpNodeAndSupportedOps()
    {
        var model = BuildModel(13,
            [Node("DeformConv", ["X", "W", "O"], ["C"], "conv1"), Node("Relu", ["C"], ["Y"], "relu")],
            [Floats("W", [2, 1, 3, 3], 1)], ["X", "O"], ["Y"]);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "'DeformConv'");
        StringAssert.Contains(ex.Message, "node 'conv1'");
        StringAssert.Contains(ex.Message, "Supported operators: ");
        StringAssert.Contains(ex.Message, "Gemm");
    }

    [TestMethod]
    public void Constructor_UnsupportedUnnamedNode_NamesNodeIndex()
    {
        var model = BuildModel(13, [Node("Relu", ["X"], ["A"]), Node("LpPool", ["A"], ["Y"])], [], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "'LpPool' (LpPool node #1)");
    }

    [TestMethod]
    public void Constructor_OpOfOtherDomain_ThrowsNotSupported()
    {
        var node = Node("Relu", ["X"], ["Y"], "custom");
        node.Domain = "com.example";
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(BuildModel(13, [node], [], ["X"], ["Y"])));
        StringAssert.Contains(ex.Message, "com.example.Relu");
    }

    [TestMethod]
    public void Constructor_ConstantWithoutValue_ThrowsInvalidDataNamingNode()
    {
        var model = BuildModel(13, [Node("Constant", [], ["Y"], "c0", Attr("value_float", 1f))], [], [], ["Y"]);
        model.Graph.Node[0].Attribute.Clear();
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "Constant node 'c0'");
        StringAssert.Contains(ex.Message, "value");
    }

    [TestMethod]
    public void Constructor_GemmWithOneInput_ThrowsInvalidDataNamingNode()
    {
        var model = BuildModel(13, [Node("Gemm", ["X", "X"], ["Y"], "fc")], [], ["X"], ["Y"]);
        model.Graph.Node[0].Input.RemoveAt(1);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "Gemm node 'fc'");
        StringAssert.Contains(ex.Message, "2 to 3");
    }

    [TestMethod]
    public void Constructor_AttributeOfWrongType_ThrowsInvalidDataNamingNode()
    {
        var model = BuildModel(13, [Node("LeakyRelu", ["X"], ["Y"], "leaky", Attr("alpha", 2L))], [], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "LeakyRelu node 'leaky'");
        StringAssert.Contains(ex.Message, "'alpha' must be FLOAT, not INT");
    }

    [TestMethod]
    public void Constructor_TransposeWithInvalidPerm_ThrowsInvalidData()
    {
        var model = BuildModel(13, [Node("Transpose", ["X"], ["Y"], "t", Attr("perm", new long[] { 0, 0 }))], [], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "not a permutation");
    }

    [TestMethod]
    public void Constructor_InputNotYetDefined_ThrowsInvalidData()
    {
        // Built valid, then broken through Proto: OnnxModel's own validation would reject it on load.
        var model = BuildModel(13, [Node("Relu", ["X"], ["A"], "early"), Node("Relu", ["A"], ["Y"], "late")], [], ["X"], ["Y"]);
        var early = model.Graph.Node[0];
        model.Graph.Node.RemoveAt(0);
        model.Graph.Node.Add(early);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "Relu node 'late'");
        StringAssert.Contains(ex.Message, "'A'");
    }

    [TestMethod]
    public void Constructor_NoDefaultOpset_ThrowsInvalidData()
    {
        var model = BuildModel(13, [Node("Relu", ["X"], ["Y"])], [], ["X"], ["Y"]);
        model.Proto.OpsetImport.Clear();
        Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
    }

    [TestMethod]
    public void Forward_MissingInput_ThrowsArgumentNamingIt()
    {
        using var module = new OnnxTorchModule(BuildModel(13, [Node("Add", ["A", "B"], ["Y"])], [], ["A", "B"], ["Y"]));
        using var scope = NewDisposeScope();
        var ex = Assert.ThrowsExactly<ArgumentException>(() => module.Forward(new Dictionary<string, Tensor> { ["A"] = torch.ones(2) }));
        StringAssert.Contains(ex.Message, "Could not find input 'B'");
    }

    [TestMethod]
    public void Forward_UnknownOrInitializerInput_ThrowsArgument()
    {
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        using var scope = NewDisposeScope();
        var unknown = Assert.ThrowsExactly<ArgumentException>(() =>
            module.Forward(new Dictionary<string, Tensor> { ["X"] = torch.ones(1, 4), ["Z9"] = torch.ones(1) }));
        StringAssert.Contains(unknown.Message, "'Z9' is not an input");
        var initializer = Assert.ThrowsExactly<ArgumentException>(() =>
            module.Forward(new Dictionary<string, Tensor> { ["X"] = torch.ones(1, 4), ["W1"] = torch.ones(5, 4) }));
        StringAssert.Contains(initializer.Message, "'W1' is an initializer");
    }

    [TestMethod]
    public void ForwardTensor_GraphWithTwoInputs_ThrowsInvalidOperation()
    {
        using var module = new OnnxTorchModule(BuildModel(13, [Node("Add", ["A", "B"], ["Y"])], [], ["A", "B"], ["Y"]));
        using var scope = NewDisposeScope();
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => module.forward(torch.ones(2)));
        StringAssert.Contains(ex.Message, "one input and one output");
    }

    [TestMethod]
    public void Forward_ShapeMismatch_ThrowsInvalidOperationNamingNode()
    {
        using var module = new OnnxTorchModule(TestGraphs.Mlp(inputs: 4));
        using var scope = NewDisposeScope();
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => module.forward(torch.ones(2, 7)));
        StringAssert.Contains(ex.Message, "Gemm node 'fc1' failed");
    }

    [TestMethod]
    public void SetMask_WrongShapeNonBinaryOrUnknownName_ThrowsArgument()
    {
        using var module = new OnnxTorchModule(TestGraphs.Mlp(inputs: 4, hidden: 5));
        using var scope = NewDisposeScope();
        var shape = Assert.ThrowsExactly<ArgumentException>(() => module.SetMask("W1", torch.ones(4, 5)));
        StringAssert.Contains(shape.Message, "[4, 5]");
        var values = Assert.ThrowsExactly<ArgumentException>(() => module.SetMask("W1", torch.full(5, 4, 0.5f)));
        StringAssert.Contains(values.Message, "only 0 and 1");
        var name = Assert.ThrowsExactly<ArgumentException>(() => module.SetMask("fc9.weight", torch.ones(5, 4)));
        StringAssert.Contains(name.Message, "'fc9.weight' is not a FLOAT initializer");
        Assert.IsFalse(module.HasMask("W1"));
    }

    [TestMethod]
    public void Constructor_DuplicateValueName_ThrowsInvalidData()
    {
        var model = BuildModel(13, [Node("Relu", ["X"], ["Y"], "a")], [], ["X"], ["Y"]);
        model.Graph.Node.Add(Node("Relu", ["X"], ["Y"], "b")); // after validation, which would reject it
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "'Y' is defined more than once");
    }

    [TestMethod]
    public void Constructor_UnreadableInitializerType_ThrowsNotSupported()
    {
        var strings = new TensorProto { Name = "S", DataType = (int)TensorProto.Types.DataType.String };
        strings.Dims.Add(1);
        strings.StringData.Add(Google.Protobuf.ByteString.CopyFromUtf8("a"));
        var model = BuildModel(13, [Node("Identity", ["X"], ["Y"])], [], ["X"], ["Y"]);
        model.Graph.Initializer.Add(strings);
        var ex = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(ex.Message, "'S'");
    }
}
