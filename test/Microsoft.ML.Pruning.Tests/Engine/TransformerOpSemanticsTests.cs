using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>
/// The transformer ops where the node suite (ONNX 1.12, opsets 13–17) does not pin them down: the attribute forms of
/// older opsets, the forms of opsets 18 and 20, run-time shape arithmetic, compile-time folding and embedding gradients.
/// </summary>
[TestClass]
public sealed class TransformerOpSemanticsTests
{
    /// <summary>
    /// The pattern BERT exports use: Shape → Gather → Unsqueeze → Concat (with INT64 Div) feeding Reshape, on one
    /// module fed different batch and sequence lengths.
    /// </summary>
    [TestMethod]
    public void ShapeArithmetic_BatchAndSequenceChangeBetweenCalls_ReshapeFollowsTheInput()
    {
        using var scope = NewDisposeScope();
        TensorProto[] constants =
        [
            OnnxTensor.FromInt64s("zero", [0], []), OnnxTensor.FromInt64s("one", [1], []), OnnxTensor.FromInt64s("two", [2], []),
            OnnxTensor.FromInt64s("heads", [2], []), OnnxTensor.FromInt64s("axis0", [0], [1]), OnnxTensor.FromInt64s("tail", [4], [1]),
        ];
        var model = BuildModel(13,
        [
            Node("Shape", ["X"], ["shape"]),
            Node("Gather", ["shape", "zero"], ["batch"], "", Attr("axis", 0L)),
            Node("Gather", ["shape", "one"], ["sequence"], "", Attr("axis", 0L)),
            Node("Gather", ["shape", "two"], ["width"], "", Attr("axis", 0L)),
            Node("Div", ["width", "tail_scalar"], ["per_head"]),
            Node("Unsqueeze", ["batch", "axis0"], ["b1"]),
            Node("Unsqueeze", ["sequence", "axis0"], ["s1"]),
            Node("Unsqueeze", ["per_head", "axis0"], ["h1"]),
            Node("Concat", ["b1", "s1", "h1", "tail"], ["target"], "", Attr("axis", 0L)),
            Node("Reshape", ["X", "target"], ["Y"]),
        ], [.. constants, OnnxTensor.FromInt64s("tail_scalar", [4], [])], ["X"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        foreach (var (batch, sequence) in new[] { (1L, 3L), (4L, 5L), (2L, 1L) })
        {
            var x = torch.randn(batch, sequence, 8);
            var y = module.forward(x);
            CollectionAssert.AreEqual(new[] { batch, sequence, 2L, 4L }, y.shape, $"input [{batch}, {sequence}, 8]");
            Assert.IsTrue(Same(y, x.reshape(batch, sequence, 2, 4)));
        }
    }

    [TestMethod]
    public void ConstantFolding_NodesOnConstantsOnly_CompileToConstantsNotSteps()
    {
        using var scope = NewDisposeScope();
        // Shape of a constant, arithmetic on it and a Concat: all known at compile time; only the Reshape of X runs.
        var model = BuildModel(13,
        [
            Node("Shape", ["table"], ["table_shape"]),
            Node("Mul", ["table_shape", "ones"], ["scaled"]),
            Node("Slice", ["scaled", "start", "end"], ["rows"]),
            Node("Concat", ["rows", "minus_one"], ["target"], "", Attr("axis", 0L)),
            Node("Reshape", ["X", "target"], ["Y"]),
        ],
        [
            OnnxTensor.FromInt64s("table", [1, 2, 3, 4, 5, 6], [2, 3]), OnnxTensor.FromInt64s("ones", [1, 1], [2]),
            OnnxTensor.FromInt64s("start", [0], [1]), OnnxTensor.FromInt64s("end", [1], [1]), OnnxTensor.FromInt64s("minus_one", [-1], [1]),
        ], ["X"], ["Y"]);
        var compiled = GraphCompiler.Compile(model);
        try
        {
            Assert.HasCount(1, compiled.Steps);
            StringAssert.StartsWith(compiled.Steps[0].Label, "Reshape");
            var target = compiled.Constants.Single(c => c.Name == "target").Value;
            CollectionAssert.AreEqual(new long[] { 2, -1 }, target.data<long>().ToArray());
            // Intermediates of the folded chain are not kept; initializers are.
            CollectionAssert.AreEquivalent(new[] { "table", "ones", "start", "end", "minus_one", "target" }, compiled.Constants.Select(c => c.Name).ToArray());
        }
        finally
        {
            foreach (var constant in compiled.Constants) constant.Value.Dispose();
        }
        using var module = new OnnxTorchModule(model);
        CollectionAssert.AreEqual(new long[] { 2, 6 }, module.forward(torch.randn(12)).shape);
    }

    [TestMethod]
    public void ConstantFolding_NodeFailingOnConstants_NamesTheNode()
    {
        var model = BuildModel(13,
            [Node("Concat", ["a", "b"], ["c"], "joiner", Attr("axis", 1L)), Node("Reshape", ["X", "c"], ["Y"])],
            [OnnxTensor.FromInt64s("a", [1, 2], [2]), OnnxTensor.FromInt64s("b", [3], [1])], ["X"], ["Y"]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(error.Message, "Concat node 'joiner'");
    }

    [TestMethod]
    public void Gather_OnFloatParameter_IsAnEmbeddingLookupWithRowGradients()
    {
        using var scope = NewDisposeScope();
        var table = Floats("table", [5, 3], seed: 3);
        var model = BuildModel(13, [Node("Gather", ["table", "ids"], ["Y"])], [table], ["ids"], ["Y"], TestGraphs.Int64);
        using var module = new OnnxTorchModule(model);
        var ids = torch.tensor(new long[] { 0, -1, 2, 0 }, [2, 2]); // −1 is the last row
        var y = module.Forward(new Dictionary<string, Tensor> { ["ids"] = ids })["Y"];
        var weights = module.GetParameter("table");
        CollectionAssert.AreEqual(new long[] { 2, 2, 3 }, y.shape);
        Assert.IsTrue(Same(y, weights.detach().index_select(0, torch.tensor(new long[] { 0, 4, 2, 0 })).reshape(2, 2, 3)));

        y.sum().backward();
        float[] rowCounts = [2, 0, 1, 0, 1];
        for (int row = 0; row < 5; row++)
            Assert.IsTrue(Same(weights.grad![row], torch.tensor(Enumerable.Repeat(rowCounts[row], 3).ToArray())), $"row {row} was looked up {rowCounts[row]} times");
    }

    [TestMethod]
    public void Gather_TokenIdPastTheTable_ThrowsNamingNodeInputAndSize()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(13, [Node("Gather", ["table", "ids"], ["Y"], "word_embeddings")], [Floats("table", [5, 3], seed: 3)], ["ids"], ["Y"], TestGraphs.Int64);
        using var module = new OnnxTorchModule(model);
        foreach (long id in new long[] { 5, -6 })
        {
            var ex = Assert.ThrowsExactly<InvalidDataException>(() => module.Forward(new Dictionary<string, Tensor> { ["ids"] = torch.tensor(new long[] { 1, id }, [1, 2]) }));
            StringAssert.Contains(ex.Message, "Gather node 'word_embeddings'");
            StringAssert.Contains(ex.Message, $"index {id} is out of range for axis 0 of size 5");
            StringAssert.Contains(ex.Message, "input 'ids'");
        }
    }

    [TestMethod]
    public void UnsqueezeSqueeze_Opset11_TakeAxesAsAttributes()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(11,
        [
            Node("Unsqueeze", ["X"], ["U"], "", Attr("axes", new long[] { 3, 0 })),
            Node("Squeeze", ["U"], ["Y"], "", Attr("axes", new long[] { -4 })),
        ], [], ["X"], ["Y"]);
        var x = torch.randn(2, 3);
        using var module = new OnnxTorchModule(model);
        var y = module.forward(x);
        CollectionAssert.AreEqual(new long[] { 2, 3, 1 }, y.shape);
        Assert.IsTrue(Same(y, x.unsqueeze(2)));
    }

    [TestMethod]
    public void Squeeze_AxisOfSizeOtherThanOne_FailsNamingTheAxis()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(11, [Node("Squeeze", ["X"], ["Y"], "sq", Attr("axes", new long[] { 1 }))], [], ["X"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => module.forward(torch.randn(2, 3)));
        StringAssert.Contains(error.Message, "Squeeze node 'sq'");
        StringAssert.Contains(error.Message, "axis 1 has size 3");
    }

    [TestMethod]
    public void Split_Opset11Attribute_And_Opset18NumOutputs_GiveTheSpecifiedParts()
    {
        using var scope = NewDisposeScope();
        var x = torch.arange(7, ScalarType.Float32);
        var byAttribute = BuildModel(11, [Node("Split", ["X"], ["A", "B"], "", Attr("split", new long[] { 2, 5 }))], [], ["X"], ["A", "B"]);
        using (var module = new OnnxTorchModule(byAttribute))
        {
            var parts = module.Forward(new Dictionary<string, Tensor> { ["X"] = x });
            CollectionAssert.AreEqual(new float[] { 0, 1 }, parts["A"].data<float>().ToArray());
            CollectionAssert.AreEqual(new float[] { 2, 3, 4, 5, 6 }, parts["B"].data<float>().ToArray());
        }
        // num_outputs 3 on 7 elements: ceil(7/3) = 3, 3, then the 1 left.
        var byCount = BuildModel(18, [Node("Split", ["X"], ["A", "B", "C"], "", Attr("num_outputs", 3L))], [], ["X"], ["A", "B", "C"]);
        using (var module = new OnnxTorchModule(byCount))
        {
            var parts = module.Forward(new Dictionary<string, Tensor> { ["X"] = x });
            CollectionAssert.AreEqual(new long[] { 3, 3, 1 }, new[] { "A", "B", "C" }.Select(n => parts[n].shape[0]).ToArray());
            CollectionAssert.AreEqual(new float[] { 6 }, parts["C"].data<float>().ToArray());
        }
    }

    [TestMethod]
    public void Slice_Opset9Attributes_ClampOutOfRangeAndNegativeEnds()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(9,
            [Node("Slice", ["X"], ["Y"], "", Attr("starts", new long[] { 1, -100 }), Attr("ends", new long[] { long.MaxValue, -1 }), Attr("axes", new long[] { 0, 1 }))],
            [], ["X"], ["Y"]);
        var x = torch.randn(3, 4);
        using var module = new OnnxTorchModule(model);
        Assert.IsTrue(Same(module.forward(x), x[TensorIndex.Slice(1, null), TensorIndex.Slice(0, 3)]));
    }

    [TestMethod]
    public void ReduceMean_Opset18_TakesAxesAsInputAndHonoursNoopWithEmptyAxes()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(2, 3, 4);
        var withAxes = BuildModel(18, [Node("ReduceMean", ["X", "axes"], ["Y"], "", Attr("keepdims", 0L))], [OnnxTensor.FromInt64s("axes", [-1, 0], [2])], ["X"], ["Y"]);
        using (var module = new OnnxTorchModule(withAxes))
            Assert.IsTrue(module.forward(x).allclose(x.mean([0, 2]), 1e-6, 1e-6));
        var noop = BuildModel(18, [Node("ReduceMean", ["X"], ["Y"], "", Attr("noop_with_empty_axes", 1L))], [], ["X"], ["Y"]);
        using (var module = new OnnxTorchModule(noop))
            Assert.IsTrue(Same(module.forward(x), x));
        var all = BuildModel(18, [Node("ReduceMean", ["X"], ["Y"])], [], ["X"], ["Y"]);
        using (var module = new OnnxTorchModule(all))
            Assert.IsTrue(module.forward(x).allclose(x.mean().reshape(1, 1, 1), 1e-6, 1e-6));
    }

    [TestMethod]
    public void ReduceMean_Opset13AxesAsInput_IsRejectedNamingTheOpset()
    {
        var model = BuildModel(13, [Node("ReduceMean", ["X", "axes"], ["Y"], "rm")], [OnnxTensor.FromInt64s("axes", [1], [1])], ["X"], ["Y"]);
        var error = Assert.ThrowsExactly<InvalidDataException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(error.Message, "ReduceMean node 'rm'");
        StringAssert.Contains(error.Message, "opset 18");
    }

    [TestMethod]
    public void Clip_Opset6Attributes_Clamp()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(6, [Node("Clip", ["X"], ["Y"], "", Attr("min", -0.5f), Attr("max", 0.25f))], [], ["X"], ["Y"]);
        var x = torch.randn(50);
        using var module = new OnnxTorchModule(model);
        Assert.IsTrue(Same(module.forward(x), x.clamp(-0.5, 0.25)));
    }

    [TestMethod]
    public void Gelu_Opset20_ExactAndTanhApproximation_MatchTheirFormulas()
    {
        using var scope = NewDisposeScope();
        var x = torch.randn(100, ScalarType.Float64);
        using (var exact = new OnnxTorchModule(BuildModel(20, [Node("Gelu", ["X"], ["Y"])], [], ["X"], ["Y"])))
            Assert.IsTrue(exact.forward(x).allclose(x * 0.5 * (1 + (x / Math.Sqrt(2)).erf()), 1e-12, 1e-12));
        var tanhModel = BuildModel(20, [Node("Gelu", ["X"], ["Y"], "", new AttributeProto { Name = "approximate", Type = AttributeProto.Types.AttributeType.String, S = Google.Protobuf.ByteString.CopyFromUtf8("tanh") })], [], ["X"], ["Y"]);
        using (var approximate = new OnnxTorchModule(tanhModel))
            Assert.IsTrue(approximate.forward(x).allclose(x * 0.5 * (1 + (Math.Sqrt(2 / Math.PI) * (x + 0.044715 * x.pow(3))).tanh()), 1e-12, 1e-12));
    }

    [TestMethod]
    public void Pow_ConstantExponentTwo_SquaresAndKeepsTheBaseType()
    {
        using var scope = NewDisposeScope();
        var two = OnnxTensor.FromFloats("two", [2f], []);
        using (var module = new OnnxTorchModule(BuildModel(13, [Node("Pow", ["X", "two"], ["Y"])], [two], ["X"], ["Y"])))
        {
            var x = torch.randn(3, 4);
            Assert.IsTrue(Same(module.forward(x), x * x));
            var integers = torch.tensor(new long[] { -3, 0, 5 });
            var y = module.forward(integers);
            Assert.AreEqual(ScalarType.Int64, y.dtype);
            CollectionAssert.AreEqual(new long[] { 9, 0, 25 }, y.data<long>().ToArray());
        }
    }

    [TestMethod]
    public void Cast_ToFloat16_IsRejectedNamingTheType()
    {
        var model = BuildModel(13, [Node("Cast", ["X"], ["Y"], "c", Attr("to", (long)TensorProto.Types.DataType.Float16))], [], ["X"], ["Y"]);
        var error = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(error.Message, "Cast node 'c'");
        StringAssert.Contains(error.Message, "FLOAT16");
    }

    [TestMethod]
    public void LayerNormalization_ScaleGradient_EqualsNormalizedInputSum()
    {
        using var scope = NewDisposeScope();
        var model = BuildModel(17, [Node("LayerNormalization", ["X", "scale", "bias"], ["Y"], "", Attr("epsilon", 1e-5f))],
            [Floats("scale", [4], seed: 1), Floats("bias", [4], seed: 2)], ["X"], ["Y"]);
        using var module = new OnnxTorchModule(model);
        var x = torch.randn(3, 4);
        module.forward(x).sum().backward();
        var normalized = nn.functional.layer_norm(x, [4], eps: 1e-5);
        Assert.IsTrue(module.GetParameter("scale").grad!.allclose(normalized.sum([0L]), 1e-5, 1e-6));
        Assert.IsTrue(module.GetParameter("bias").grad!.allclose(torch.tensor(new float[] { 3, 3, 3, 3 }), 1e-6, 1e-6));
    }

    [TestMethod]
    public void LayerNormalization_StashTypeDouble_IsRejected()
    {
        var model = BuildModel(17, [Node("LayerNormalization", ["X", "scale"], ["Y"], "ln", Attr("stash_type", 11L))], [Floats("scale", [4], seed: 1)], ["X"], ["Y"]);
        var error = Assert.ThrowsExactly<NotSupportedException>(() => new OnnxTorchModule(model));
        StringAssert.Contains(error.Message, "LayerNormalization node 'ln'");
        StringAssert.Contains(error.Message, "stash_type");
    }

    /// <summary>Same shape and exactly the same values.</summary>
    private static bool Same(Tensor actual, Tensor expected) =>
        actual.shape.SequenceEqual(expected.shape) && actual.detach().eq(expected).all().item<bool>();
}
