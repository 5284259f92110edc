using System;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

[TestClass]
public sealed class OnnxRuntimeTests
{
    [TestMethod]
    [DataRow(SparseEncoding.ConstantNode, 0.9)]
    [DataRow(SparseEncoding.ConstantNode, 0.5)]
    [DataRow(SparseEncoding.SparseInitializer, 0.9)]
    [DataRow(SparseEncoding.SparseInitializer, 0.5)]
    public void OnnxRuntime_CompactedModel_ScoresBitIdenticalToDense(SparseEncoding encoding, double zeroFraction)
    {
        var dense = OnnxModel.FromProto(TestModels.Mlp([784, 300, 100, 10], zeroFraction));
        var compact = dense.Clone();
        Assert.AreEqual(3, compact.Compact(encoding));
        var random = new Random(3);
        float[] input = Enumerable.Range(0, 8 * 784).Select(_ => (float)random.NextDouble()).ToArray();

        CollectionAssert.AreEqual(Score(dense.ToBytes(), input), Score(compact.ToBytes(), input));
    }

    private static float[] Score(byte[] model, float[] input)
    {
        using var session = new InferenceSession(model);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor("X", new DenseTensor<float>(input, [input.Length / 784, 784]))]);
        return results.Single().AsEnumerable<float>().ToArray();
    }
}
