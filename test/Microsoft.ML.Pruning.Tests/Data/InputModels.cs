using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Tests.Engine;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>Small ONNX models with declared input/output shapes: several inputs, image-shaped inputs, int64 token inputs.</summary>
internal static class InputModels
{
    /// <summary>A value with a declared shape; each dimension a number, a symbolic name, or null for an unnamed unknown.</summary>
    public static ValueInfoProto Declared(string name, int elementType, params object?[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(d switch
            {
                int v => new TensorShapeProto.Types.Dimension { DimValue = v },
                string p => new TensorShapeProto.Types.Dimension { DimParam = p },
                _ => new TensorShapeProto.Types.Dimension(),
            });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = elementType, Shape = shape } } };
    }

    public static OnnxModel Build(IEnumerable<NodeProto> nodes, IEnumerable<TensorProto> initializers, ValueInfoProto[] inputs, ValueInfoProto[] outputs, long opset = 13)
    {
        var graph = new GraphProto { Name = "inputs" };
        graph.Node.AddRange(nodes);
        graph.Initializer.AddRange(initializers);
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs);
        var proto = new ModelProto { IrVersion = 8, ProducerName = "data-tests", Graph = graph };
        proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return OnnxModel.FromProto(proto);
    }

    /// <summary>A [N, 4] and B [N, 3] → Gemm each to 6 units → Add → Relu → Gemm to 3 → Softmax "Score".</summary>
    public static OnnxModel TwoInputs(int seed = 3) => Build(
        [
            Node("Gemm", ["A", "Wa", "Ba"], ["Ha"], "fc_a", Attr("transB", 1L)),
            Node("Gemm", ["B", "Wb", "Bb"], ["Hb"], "fc_b", Attr("transB", 1L)),
            Node("Add", ["Ha", "Hb"], ["H"], "add"),
            Node("Relu", ["H"], ["R"], "relu"),
            Node("Gemm", ["R", "W2", "B2"], ["Z"], "fc2", Attr("transB", 1L)),
            Node("Softmax", ["Z"], ["Score"], "softmax", Attr("axis", 1L)),
        ],
        [
            Floats("Wa", [6, 4], seed), Floats("Ba", [6], seed + 1, 0.1f),
            Floats("Wb", [6, 3], seed + 2), Floats("Bb", [6], seed + 3, 0.1f),
            Floats("W2", [3, 6], seed + 4), Floats("B2", [3], seed + 5, 0.1f),
        ],
        [Declared("A", Float, "N", 4), Declared("B", Float, "N", 3)],
        [Declared("Score", Float, "N", 3)]);

    /// <summary>
    /// Image [N, 1, 4, 4] (or as <paramref name="imageDims"/> say) → Transpose(perm 0,1,3,2) → Flatten → Gemm to 3 →
    /// Softmax "Score". The Transpose runs only on a rank-4 input, so the image must be fed as [N, C, H, W].
    /// </summary>
    public static OnnxModel Image(object?[]? imageDims = null, int seed = 5) => Build(
        [
            Node("Transpose", ["image"], ["T"], "transpose", Attr("perm", new long[] { 0, 1, 3, 2 })),
            Node("Flatten", ["T"], ["F"], "flatten", Attr("axis", 1L)),
            Node("Gemm", ["F", "W", "B"], ["Z"], "fc", Attr("transB", 1L)),
            Node("Softmax", ["Z"], ["Score"], "softmax", Attr("axis", 1L)),
        ],
        [Floats("W", [3, 16], seed), Floats("B", [3], seed + 1, 0.1f)],
        [Declared("image", Float, imageDims ?? ["N", 1, 4, 4])],
        [Declared("Score", Float, "N", 3)]);

    /// <summary>
    /// BERT-like token inputs: input_ids and attention_mask INT64 [batch, sequence] (or <paramref name="sequence"/> fixed)
    /// → Gather(embedding [20, 6]) · mask → MatMul to 3 → ReduceMean over the sequence → Softmax "Score". Needs ONNX
    /// Runtime (Gather, Cast, Unsqueeze, ReduceMean).
    /// </summary>
    public static OnnxModel Tokens(object? sequence = null, int seed = 9) => Build(
        [
            Node("Gather", ["Embedding", "input_ids"], ["E"], "embed"),
            Node("Cast", ["attention_mask"], ["Mf"], "mask_cast", Attr("to", (long)Float)),
            Node("Unsqueeze", ["Mf", "Axis2"], ["M3"], "mask_unsqueeze"),
            Node("Mul", ["E", "M3"], ["Em"], "mask_mul"),
            Node("MatMul", ["Em", "W"], ["Z3"], "proj"),
            Node("ReduceMean", ["Z3"], ["Z"], "pool", Attr("axes", new long[] { 1 }), Attr("keepdims", 0L)),
            Node("Softmax", ["Z"], ["Score"], "softmax", Attr("axis", 1L)),
        ],
        [Floats("Embedding", [20, 6], seed), Floats("W", [6, 3], seed + 1), OnnxTensor.FromInt64s("Axis2", [2], [1])],
        [Declared("input_ids", Int64, "batch", sequence ?? "sequence"), Declared("attention_mask", Int64, "batch", sequence ?? "sequence")],
        [Declared("Score", Float, "batch", 3)]);

    /// <summary>The prunable weights of a model and their values.</summary>
    public static Dictionary<string, float[]> Weights(OnnxModel model) =>
        model.GetPrunableWeights().ToDictionary(w => w.Name, w => OnnxTensor.ToFloatArray(model.GetInitializer(w.Name)));
}
