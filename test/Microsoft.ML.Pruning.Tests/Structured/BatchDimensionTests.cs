using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.RealModels;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static Microsoft.ML.Pruning.Tests.Structured.StructuredTestSupport;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class BatchDimensionTests
{
    [TestMethod]
    public void MakeDynamic_ResNet18_RunsAtBatch4LikeFourBatchesOf1()
    {
        var model = ResNet18Model.Load();
        byte[] before = model.ToBytes();

        var result = BatchDimension.MakeDynamic(model);

        Assert.IsTrue(result.IsDynamic, result.Reason);
        Assert.IsNull(result.Reason);
        CollectionAssert.AreEqual(before, model.ToBytes(), "the input model must not change");
        var graph = result.Model.Graph;
        Assert.AreEqual("N", graph.Input.Single(i => i.Name == ResNet18Model.InputName).Type.TensorType.Shape.Dim[0].DimParam);
        Assert.AreEqual("N", graph.Output.Single().Type.TensorType.Shape.Dim[0].DimParam);
        Assert.IsNotEmpty(graph.ValueInfo);
        Assert.IsTrue(graph.ValueInfo.All(v => v.Type.TensorType.Shape.Dim[0].DimParam == "N"));

        const int batch = 4;
        const int rowSize = 3 * 224 * 224;
        float[] images = ResNet18Model.RandomImages(batch, seed: 11);
        float[] batched = Run(result.Model, new Dictionary<string, (float[], int[])> { [ResNet18Model.InputName] = (images, [batch, 3, 224, 224]) })[ResNet18Model.OutputName];
        Assert.HasCount(batch * 512, batched);
        for (int row = 0; row < batch; row++)
        {
            float[] image = images.AsSpan(row * rowSize, rowSize).ToArray();
            float[] single = Run(model, new Dictionary<string, (float[], int[])> { [ResNet18Model.InputName] = (image, [1, 3, 224, 224]) })[ResNet18Model.OutputName];
            float scale = single.Max(MathF.Abs);
            Assert.IsLessThanOrEqualTo(1e-5f * Math.Max(1f, scale), MaxAbsDifference(single, batched.AsSpan(row * 512, 512).ToArray()), $"row {row}");
        }
    }

    [TestMethod]
    public void MakeDynamic_ReshapeHardCodingBatch1_RewritesItsFirstEntryTo0()
    {
        var model = ConvReshapeGemm([1, 48]);

        var result = BatchDimension.MakeDynamic(model);

        Assert.IsTrue(result.IsDynamic, result.Reason);
        CollectionAssert.AreEqual(new long[] { 0, 48 }, OnnxTensor.ToInt64Array(result.Model.GetInitializer("shape")));
        CollectionAssert.AreEqual(new long[] { 1, 48 }, OnnxTensor.ToInt64Array(model.GetInitializer("shape")));
        AssertRowsIndependent(model, result.Model, "X", [2, 4, 4], "Y");
        AssertPassesOnnxChecker(result.Model);
    }

    [TestMethod]
    public void MakeDynamic_ReshapeConstantAlsoReadByABatchFreeReshape_IsCopiedForTheBatchReshape()
    {
        var model = ConvReshapeGemm([1, 48]);
        // A batch-free bias [48] reshaped by the same constant to [1, 48] and added to the rows.
        model.Graph.Initializer.Add(Floats("bias48", [48], 9));
        var gemm = model.Graph.Node.Single(n => n.OpType == "Gemm");
        model.Graph.Node.Insert(model.Graph.Node.IndexOf(gemm), Node("Reshape", ["bias48", "shape"], ["bias2d"], "reshape_bias"));
        model.Graph.Node.Insert(model.Graph.Node.IndexOf(gemm), Node("Add", ["F", "bias2d"], ["F2"], "add_bias"));
        gemm.Input[0] = "F2";

        var result = BatchDimension.MakeDynamic(model);

        Assert.IsTrue(result.IsDynamic, result.Reason);
        var reshapeRows = result.Model.Graph.Node.Single(n => n.Name == "reshape_rows");
        var reshapeBias = result.Model.Graph.Node.Single(n => n.Name == "reshape_bias");
        Assert.AreEqual("shape", reshapeBias.Input[1]);
        Assert.AreNotEqual("shape", reshapeRows.Input[1]);
        CollectionAssert.AreEqual(new long[] { 1, 48 }, OnnxTensor.ToInt64Array(result.Model.GetInitializer("shape")));
        CollectionAssert.AreEqual(new long[] { 0, 48 }, OnnxTensor.ToInt64Array(result.Model.GetInitializer(reshapeRows.Input[1])));
        AssertRowsIndependent(model, result.Model, "X", [2, 4, 4], "Y");
    }

    [TestMethod]
    public void MakeDynamic_ReshapeFoldingTheBatch_IsRefusedNamingTheNode()
    {
        var model = ConvReshapeGemm([2, 24], gemmInputs: 24);
        byte[] before = model.ToBytes();

        var result = BatchDimension.MakeDynamic(model);

        Assert.IsFalse(result.IsDynamic);
        Assert.IsNotNull(result.Reason);
        StringAssert.Contains(result.Reason, "reshape_rows");
        CollectionAssert.AreEqual(before, result.Model.ToBytes());
    }

    [TestMethod]
    public void MakeDynamic_ReshapeWithMinus1FoldingChannelsIntoRows_IsRefused()
    {
        var model = ConvReshapeGemm([-1, 24], gemmInputs: 24);
        model.Graph.ValueInfo.Add(Shaped("R", 1, 3, 4, 4));

        var result = BatchDimension.MakeDynamic(model);

        Assert.IsFalse(result.IsDynamic);
        StringAssert.Contains(result.Reason, "reshape_rows");
    }

    [TestMethod]
    public void MakeDynamic_UnknownOp_IsRefusedNamingIt()
    {
        var nodes = new[] { Node("NonMaxSuppression", ["X", "S"], ["Y"], "nms") };
        var model = BuildModel(13, nodes, [], ["X", "S"], ["Y"]);
        model.Graph.Input[0].Type = Shaped("X", 1, 10, 4).Type;

        var result = BatchDimension.MakeDynamic(model);

        Assert.IsFalse(result.IsDynamic);
        StringAssert.Contains(result.Reason, "nms");
    }

    [TestMethod]
    public void MakeDynamic_AlreadySymbolicBatch_ReturnsAnEqualCopy()
    {
        var model = Mlp();
        model.Graph.Input[0].Type = Shaped("X", "batch", 4).Type;

        var result = BatchDimension.MakeDynamic(model);

        Assert.IsTrue(result.IsDynamic);
        CollectionAssert.AreEqual(model.ToBytes(), result.Model.ToBytes());
        Assert.AreNotSame(model, result.Model);
    }

    /// <summary>X [1, 2, 4, 4] → Conv (3 filters, pads 1) → Relu → Reshape(shape) → Gemm (transB) → Y [1, 5], with shapes recorded.</summary>
    private static OnnxModel ConvReshapeGemm(long[] shape, int gemmInputs = 48)
    {
        var nodes = new[]
        {
            Node("Conv", ["X", "W1", "B1"], ["C"], "conv", Attr("pads", new long[] { 1, 1, 1, 1 })),
            Node("Relu", ["C"], ["R"], "relu"),
            Node("Reshape", ["R", "shape"], ["F"], "reshape_rows"),
            Node("Gemm", ["F", "W2", "B2"], ["Y"], "fc", Attr("transB", 1L)),
        };
        var model = BuildModel(13, nodes,
            [Floats("W1", [3, 2, 3, 3], 1), Floats("B1", [3], 2), OnnxTensor.FromInt64s("shape", shape, [shape.Length]), Floats("W2", [5, gemmInputs], 3), Floats("B2", [5], 4)],
            ["X"], ["Y"]);
        model.Graph.Input[0].Type = Shaped("X", 1, 2, 4, 4).Type;
        model.Graph.Output[0].Type = Shaped("Y", shape[0] == 1 ? 1 : 2, 5).Type;
        return model;
    }

    /// <summary>The dynamic model at batch 3 gives, row by row, what the original gives for each row alone.</summary>
    private static void AssertRowsIndependent(OnnxModel original, OnnxModel dynamic, string input, int[] rowShape, string output)
    {
        const int batch = 3;
        int rowSize = rowShape.Aggregate(1, (a, b) => a * b);
        float[] values = RandomValues(batch * rowSize, 21);
        float[] batched = Run(dynamic, new Dictionary<string, (float[], int[])> { [input] = (values, [batch, .. rowShape]) })[output];
        int outputRow = batched.Length / batch;
        for (int row = 0; row < batch; row++)
        {
            float[] single = Run(original, new Dictionary<string, (float[], int[])> { [input] = (values.AsSpan(row * rowSize, rowSize).ToArray(), [1, .. rowShape]) })[output];
            Assert.IsLessThanOrEqualTo(1e-5f, MaxAbsDifference(single, batched.AsSpan(row * outputRow, outputRow).ToArray()), $"row {row}");
        }
    }

    private static ValueInfoProto Shaped(string name, params object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (object dim in dims)
            shape.Dim.Add(dim is string symbol ? new TensorShapeProto.Types.Dimension { DimParam = symbol } : new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim) });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = Float, Shape = shape } } };
    }
}
