using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx.Tests.Helpers;

/// <summary>Ready-made small models; each call returns a new instance.</summary>
internal static class TestModels
{
    /// <summary>X[N,4] → Gemm(W, b) → Y[N,3]; W is [4,3], or [3,4] with transB = 1.</summary>
    public static ModelProto Gemm(bool transB, string nodeName = "fc")
    {
        var builder = new TestModelBuilder()
            .Input("X", -1, 4)
            .Weight("W", transB ? [3, 4] : [4, 3])
            .Weight("b", [3]);
        var attributes = transB ? new[] { TestModelBuilder.IntAttribute("transB", 1) } : [];
        return builder.Node("Gemm", ["X", "W", "b"], ["Y"], nodeName, attributes).Output("Y", -1, 3).Build();
    }

    /// <summary>X[N,4] → MatMul(W[4,5]) → Add(b) → Relu → Y[N,5]; the MatMul node is unnamed.</summary>
    public static ModelProto MatMul() =>
        new TestModelBuilder()
            .Input("X", -1, 4)
            .Weight("W", [4, 5])
            .Weight("b", [5])
            .Node("MatMul", ["X", "W"], ["h"])
            .Node("Add", ["h", "b"], ["z"], "add")
            .Node("Relu", ["z"], ["Y"], "relu")
            .Output("Y", -1, 5)
            .Build();

    /// <summary>X[1,2,5,5] → Conv(W[6,2,3,3], B[6]) → Y[1,6,3,3].</summary>
    public static ModelProto Conv() =>
        new TestModelBuilder()
            .Input("X", 1, 2, 5, 5)
            .Weight("W", [6, 2, 3, 3])
            .Weight("B", [6])
            .Node("Conv", ["X", "W", "B"], ["Y"], "conv", TestModelBuilder.IntsAttribute("kernel_shape", 3, 3))
            .Output("Y", 1, 6, 3, 3)
            .Build();

    /// <summary>X → Relu → Y: no weights at all.</summary>
    public static ModelProto NoWeights() =>
        new TestModelBuilder()
            .Input("X", -1, 4)
            .Node("Relu", ["X"], ["Y"], "relu")
            .Output("Y", -1, 4)
            .Build();

    /// <summary>
    /// An MLP like LeNet-300-100: X[N, sizes[0]] → (Gemm with transB = 1, weight "fcK.weight" [sizes[K], sizes[K-1]],
    /// bias "fcK.bias", then Relu except after the last) → Y. Weights have the given share of zeros; biases none.
    /// </summary>
    public static ModelProto Mlp(int[] sizes, double zeroFraction, int seed = 1)
    {
        var builder = new TestModelBuilder().Input("X", -1, sizes[0]);
        string input = "X";
        for (int k = 1; k < sizes.Length; k++)
        {
            bool last = k == sizes.Length - 1;
            string output = last ? "Y" : $"h{k}";
            builder.Weight($"fc{k}.weight", [sizes[k], sizes[k - 1]], CompactTests.RandomWeight(sizes[k] * sizes[k - 1], zeroFraction, seed + k))
                .Weight($"fc{k}.bias", [sizes[k]], CompactTests.RandomWeight(sizes[k], 0, seed + 100 + k))
                .Node("Gemm", [input, $"fc{k}.weight", $"fc{k}.bias"], [last ? "Y" : $"z{k}"], $"fc{k}", TestModelBuilder.IntAttribute("transB", 1));
            if (!last) builder.Node("Relu", [$"z{k}"], [output], $"relu{k}");
            input = output;
        }
        return builder.Output("Y", -1, sizes[^1]).Build();
    }

    /// <summary>A Gemm whose [rows, cols] weight has the given values (row-major).</summary>
    public static ModelProto GemmWithWeight(float[] weight, long rows, long cols) =>
        new TestModelBuilder()
            .Input("X", -1, rows)
            .Weight("W", [rows, cols], weight)
            .Node("Gemm", ["X", "W"], ["Y"], "fc")
            .Output("Y", -1, cols)
            .Build();
}
