using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Structured;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static Microsoft.ML.Pruning.Tests.Structured.StructuredTestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>Value shapes from one ONNX Runtime run on zeros.</summary>
[TestClass]
public sealed class ValueShapesTests
{
    [TestMethod]
    public void Infer_SymbolicDims_BatchOnTheFirstAxisOneElsewhereOrTheGivenShape()
    {
        // Embedding lookup of INT64 tokens [batch, sequence] scaled by a FLOAT input [batch, 1], with a mask input.
        var graph = new GraphProto { Name = "shapes" };
        graph.Node.Add(Node("Gather", ["E", "ids"], ["T"], "embed"));
        graph.Node.Add(Node("Cast", ["mask"], ["M"], "cast", Attr("to", (long)Float)));
        graph.Node.Add(Node("Unsqueeze", ["M", "last"], ["M3"], "unsqueeze"));
        graph.Node.Add(Node("Mul", ["T", "M3"], ["Y"], "mul"));
        graph.Initializer.Add(Floats("E", [10, 3], 1));
        graph.Initializer.Add(Int64s("last", 2));
        graph.Input.Add(Symbolic("ids", Int64Type, "batch", "sequence"));
        graph.Input.Add(Symbolic("mask", Int64Type, "batch", "sequence"));
        graph.Output.Add(Value("Y", Float));
        var proto = new ModelProto { IrVersion = 8, Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Version = 13 });
        var model = OnnxModel.FromProto(proto);

        var defaults = ValueShapes.Infer(model, batch: 4);
        var given = ValueShapes.Infer(model, new Dictionary<string, int[]> { ["ids"] = [2, 7], ["mask"] = [2, 7] });

        CollectionAssert.AreEqual(new long[] { 4, 1 }, defaults["ids"]);
        CollectionAssert.AreEqual(new long[] { 4, 1, 3 }, defaults["Y"]);
        CollectionAssert.AreEqual(new long[] { 10, 3 }, defaults["E"]);
        CollectionAssert.AreEqual(new long[] { 2, 7, 1 }, given["M3"]);
        CollectionAssert.AreEqual(new long[] { 2, 7, 3 }, given["Y"]);
        CollectionAssert.AreEqual(new long[] { 1 }, given["last"]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ValueShapes.Infer(model, batch: 0));
    }

    private const int Int64Type = Engine.TestGraphs.Int64;

    private static ValueInfoProto Symbolic(string name, int elementType, params string[] dims)
    {
        var value = Value(name, elementType);
        value.Type.TensorType.Shape = new TensorShapeProto();
        foreach (string d in dims) value.Type.TensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = d });
        return value;
    }
}
