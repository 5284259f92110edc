using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>A BERT-style self-attention block built in code as PyTorch exports it (opset 13), for the head analysis tests.</summary>
internal static class AttentionGraphs
{
    public const int Hidden = 8;
    public const int Heads = 2;
    public const int HeadSize = 4;

    /// <summary>
    /// Inputs x [B, S, 8] and mask (any shape that broadcasts to the scores [B, 2, S, S]); output y [B, S, 8].
    /// Q's bias Add has the bias first, K's second; Q and K reshape to a Concat of Shape/Gather/Unsqueeze pieces and
    /// INT64 constants q_heads/k_heads [2] and q_size/k_size [4]; V reshapes to the constant v_shape [0, 0, 2, 4]; the
    /// scores are divided by a Constant node's scalar 2 and masked; the context reshapes to a Concat ending in c_width [8].
    /// </summary>
    public static OnnxModel SelfAttention(long softmaxAxis = -1, int seed = 11)
    {
        var nodes = new List<NodeProto>
        {
            Node("Constant", [], ["one"], "const_one", Attr("value", OnnxTensor.FromInt64s("", [1], []))),
            Node("MatMul", ["x", "Wq"], ["q_mm"], "q_matmul"),
            Node("Add", ["bq", "q_mm"], ["q"], "q_bias"),
            Node("MatMul", ["x", "Wk"], ["k_mm"], "k_matmul"),
            Node("Add", ["k_mm", "bk"], ["k"], "k_bias"),
            Node("MatMul", ["x", "Wv"], ["v_mm"], "v_matmul"),
            Node("Add", ["bv", "v_mm"], ["v"], "v_bias"),
        };
        nodes.AddRange(BatchAndSequence("q", "q"));
        nodes.Add(Node("Concat", ["q_b", "q_s", "q_heads", "q_size"], ["q_target"], "q_concat", Attr("axis", 0L)));
        nodes.Add(Node("Reshape", ["q", "q_target"], ["q4"], "q_reshape"));
        nodes.Add(Node("Transpose", ["q4"], ["qt"], "q_transpose", Attr("perm", new long[] { 0, 2, 1, 3 })));
        nodes.AddRange(BatchAndSequence("k", "k"));
        nodes.Add(Node("Concat", ["k_b", "k_s", "k_heads", "k_size"], ["k_target"], "k_concat", Attr("axis", 0L)));
        nodes.Add(Node("Reshape", ["k", "k_target"], ["k4"], "k_reshape"));
        nodes.Add(Node("Transpose", ["k4"], ["kt"], "k_transpose", Attr("perm", new long[] { 0, 2, 3, 1 })));
        nodes.Add(Node("Reshape", ["v", "v_shape"], ["v4"], "v_reshape"));
        nodes.Add(Node("Transpose", ["v4"], ["vt"], "v_transpose", Attr("perm", new long[] { 0, 2, 1, 3 })));
        nodes.Add(Node("MatMul", ["qt", "kt"], ["s"], "scores"));
        nodes.Add(Node("Constant", [], ["scale"], "const_scale", Attr("value", OnnxTensor.FromFloats("", [2f], []))));
        nodes.Add(Node("Div", ["s", "scale"], ["s2"], "scale_div"));
        nodes.Add(Node("Add", ["s2", "mask"], ["s3"], "mask_add"));
        nodes.Add(Node("Softmax", ["s3"], ["p"], "softmax", Attr("axis", softmaxAxis)));
        nodes.Add(Node("MatMul", ["p", "vt"], ["c"], "context"));
        nodes.Add(Node("Transpose", ["c"], ["ct"], "c_transpose", Attr("perm", new long[] { 0, 2, 1, 3 })));
        nodes.AddRange(BatchAndSequence("c", "ct"));
        nodes.Add(Node("Concat", ["c_b", "c_s", "c_width"], ["c_target"], "c_concat", Attr("axis", 0L)));
        nodes.Add(Node("Reshape", ["ct", "c_target"], ["cf"], "c_reshape"));
        nodes.Add(Node("MatMul", ["cf", "Wo"], ["o_mm"], "o_matmul"));
        nodes.Add(Node("Add", ["o_mm", "bo"], ["y"], "o_bias"));
        var initializers = new List<TensorProto>
        {
            Floats("Wq", [Hidden, Heads * HeadSize], seed),
            Floats("bq", [Heads * HeadSize], seed + 1, 0.2f),
            Floats("Wk", [Hidden, Heads * HeadSize], seed + 2),
            Floats("bk", [Heads * HeadSize], seed + 3, 0.2f),
            Floats("Wv", [Hidden, Heads * HeadSize], seed + 4),
            Floats("bv", [Heads * HeadSize], seed + 5, 0.2f),
            Floats("Wo", [Heads * HeadSize, Hidden], seed + 6),
            Floats("bo", [Hidden], seed + 7, 0.2f),
            OnnxTensor.FromInt64s("zero", [0], []),
            OnnxTensor.FromInt64s("axes0", [0], [1]),
            OnnxTensor.FromInt64s("q_heads", [Heads], [1]),
            OnnxTensor.FromInt64s("q_size", [HeadSize], [1]),
            OnnxTensor.FromInt64s("k_heads", [Heads], [1]),
            OnnxTensor.FromInt64s("k_size", [HeadSize], [1]),
            OnnxTensor.FromInt64s("v_shape", [0, 0, Heads, HeadSize], [4]),
            OnnxTensor.FromInt64s("c_width", [Heads * HeadSize], [1]),
        };
        return BuildModel(13, nodes, initializers, ["x", "mask"], ["y"]);
    }

    /// <summary>The inputs: x [batch, sequence, 8] random, and a mask that hides the last position of the second row.</summary>
    public static (float[] X, long[] XShape, float[] Mask, long[] MaskShape) Inputs(int batch, int sequence, bool perHeadMask = false, int seed = 5)
    {
        var random = new System.Random(seed);
        var x = new float[batch * sequence * Hidden];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        int heads = perHeadMask ? Heads : 1, queries = perHeadMask ? sequence : 1;
        var mask = new float[batch * heads * queries * sequence];
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < heads * queries; i++)
                mask[(b * heads * queries + i) * sequence + sequence - 1] = b == 1 ? -10000f : 0f;
        return (x, [batch, sequence, Hidden], mask, [batch, heads, queries, sequence]);
    }

    // Shape(value) → Gather 0 and 1 → Unsqueeze: the batch and sequence pieces <prefix>_b and <prefix>_s of a Concat shape.
    private static IEnumerable<NodeProto> BatchAndSequence(string prefix, string value) =>
    [
        Node("Shape", [value], [$"{prefix}_shape"], $"{prefix}_shape"),
        Node("Gather", [$"{prefix}_shape", "zero"], [$"{prefix}_b0"], $"{prefix}_gather_b", Attr("axis", 0L)),
        Node("Gather", [$"{prefix}_shape", "one"], [$"{prefix}_s0"], $"{prefix}_gather_s", Attr("axis", 0L)),
        Node("Unsqueeze", [$"{prefix}_b0", "axes0"], [$"{prefix}_b"], $"{prefix}_unsqueeze_b"),
        Node("Unsqueeze", [$"{prefix}_s0", "axes0"], [$"{prefix}_s"], $"{prefix}_unsqueeze_s"),
    ];
}
