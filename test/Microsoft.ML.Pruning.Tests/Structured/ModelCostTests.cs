using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.RealModels;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class ModelCostTests
{
    [TestMethod]
    public void Measure_Mlp_CountsHandComputedParametersAndMacs()
    {
        const int batch = 8;
        var model = Perceptron([784, 300, 100, 10], seed: 1);
        var shapes = new Dictionary<string, long[]>
        {
            ["input"] = [batch, 784], ["z1"] = [batch, 300], ["r1"] = [batch, 300], ["z2"] = [batch, 100], ["r2"] = [batch, 100], ["z3"] = [batch, 10],
        };

        var cost = ModelCost.Measure(model, shapes);

        Assert.HasCount(3, cost.Layers);
        CollectionAssert.AreEqual(new[] { "fc1", "fc2", "fc3" }, cost.Layers.Select(l => l.Node).ToArray());
        CollectionAssert.AreEqual(new long?[] { 300, 100, 10 }, cost.Layers.Select(l => l.Units).ToArray());
        CollectionAssert.AreEqual(new long[] { 784 * 300 + 300, 300 * 100 + 100, 100 * 10 + 10 }, cost.Layers.Select(l => l.Parameters).ToArray());
        CollectionAssert.AreEqual(new long[] { batch * 784 * 300, batch * 300 * 100, batch * 100 * 10 }, cost.Layers.Select(l => l.Macs).ToArray());
        Assert.AreEqual("fc1.weight", cost.Layers[0].Weight);
        Assert.AreEqual(266_610L, cost.Parameters);
        Assert.AreEqual(8L * 266_200, cost.Macs);
    }

    [TestMethod]
    public void Measure_SmallCnn_CountsConvGroupedConvAndGemm()
    {
        var model = StructuredTestModels.SmallCnn();
        var shapes = StructuredTestModels.InferShapes(model, new Dictionary<string, (Array, long[])> { ["X"] = (new float[2 * 3 * 8 * 8], [2, 3, 8, 8]) });

        var cost = ModelCost.Measure(model, shapes);

        // conv1: [2, 4, 8, 8] outputs × 3 inputs × 3·3; conv2 (group 2): [2, 6, 3, 3] × 4/2 × 3·3; fc: [2, 5] × 54.
        CollectionAssert.AreEqual(new long[] { 2 * 4 * 8 * 8 * 3 * 9, 2 * 6 * 3 * 3 * 2 * 9, 2 * 5 * 54 }, cost.Layers.Select(l => l.Macs).ToArray());
        CollectionAssert.AreEqual(new long[] { 4 * 3 * 9 + 4, 6 * 2 * 9, 5 * 54 + 5 }, cost.Layers.Select(l => l.Parameters).ToArray());
        CollectionAssert.AreEqual(new long?[] { 4, 6, 5 }, cost.Layers.Select(l => l.Units).ToArray());
        Assert.AreEqual(13_824L + 1_944 + 540, cost.Macs);
        Assert.AreEqual(495L, cost.Parameters);
    }

    [TestMethod]
    public void Measure_AttentionScores_CountsMatMulOfTwoActivationsWithoutWeight()
    {
        var model = AttentionScores();
        var shapes = StructuredTestModels.InferShapes(model, new Dictionary<string, (Array, long[])> { ["X"] = (new float[2 * 5 * 16], [2, 5, 16]) });

        var cost = ModelCost.Measure(model, shapes);

        var scores = cost.Layers.Single(l => l.Node == "scores");
        Assert.IsNull(scores.Weight);
        Assert.IsNull(scores.Units);
        Assert.AreEqual(0L, scores.Parameters);
        Assert.AreEqual(2L * 2 * 5 * 5 * 4, scores.Macs); // [batch 2, heads 2, 5, 5] × head size 4
        var query = cost.Layers.Single(l => l.Node == "query");
        Assert.AreEqual("Wq", query.Weight);
        Assert.AreEqual(8L, query.Units);
        Assert.AreEqual(2L * 5 * 8 * 16, query.Macs); // [2, 5, 8] × 16
        Assert.AreEqual(2L * 16 * 8, cost.Parameters); // the INT64 Reshape target is not a parameter
        Assert.AreEqual(2 * 1280L + 400, cost.Macs);
    }

    [TestMethod]
    public void Measure_ShapeMissing_ThrowsNamingValueAndNode()
    {
        var model = Perceptron([4, 3, 2], seed: 1);
        var shapes = new Dictionary<string, long[]> { ["input"] = [1, 4], ["z1"] = [1, 3] };

        var ex = Assert.ThrowsExactly<ArgumentException>(() => ModelCost.Measure(model, shapes));

        StringAssert.Contains(ex.Message, "'r1'");
        StringAssert.Contains(ex.Message, "'fc2'");
    }

    [TestMethod]
    public void Compare_HiddenNeuronsRemoved_ReportsKeptUnitsParametersAndMacs()
    {
        const int batch = 4;
        var before = ModelCost.Measure(Perceptron([784, 300, 100, 10], seed: 1), MlpShapes(batch, 300, 100));
        var after = ModelCost.Measure(Perceptron([784, 150, 50, 10], seed: 1), MlpShapes(batch, 150, 50));

        var rows = StructuredLayerReport.Compare(before, after);

        Assert.HasCount(3, rows);
        var fc2 = rows[1];
        Assert.AreEqual("fc2", fc2.Node);
        Assert.AreEqual(100L, fc2.TotalUnits);
        Assert.AreEqual(50L, fc2.KeptUnits);
        Assert.AreEqual(300L * 100 + 100, fc2.ParametersBefore);
        Assert.AreEqual(150L * 50 + 50, fc2.ParametersAfter);
        Assert.AreEqual((long)batch * 300 * 100, fc2.MacsBefore);
        Assert.AreEqual((long)batch * 150 * 50, fc2.MacsAfter);
        Assert.AreEqual(0.25, fc2.MacsRatio, 1e-12);
        Assert.AreEqual(10L, rows[2].KeptUnits);
        string table = StructuredLayerReport.Table(rows, before, after);
        StringAssert.Contains(table, "50/100");
        StringAssert.Contains(table, "model");
    }

    [TestMethod]
    public void Compare_LayerMissingAfter_ThrowsNamingTheNode()
    {
        var before = ModelCost.Measure(Perceptron([4, 3, 2], seed: 1), new Dictionary<string, long[]> { ["input"] = [1, 4], ["z1"] = [1, 3], ["r1"] = [1, 3], ["z2"] = [1, 2] });
        var after = before with { Layers = [before.Layers[0]] };

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => StructuredLayerReport.Compare(before, after));

        StringAssert.Contains(ex.Message, "'fc2'");
    }

    [TestMethod]
    public void Measure_ResNet18Featurizer_MatchesItsArchitecture()
    {
        var model = ResNet18Model.Load();
        var shapes = StructuredTestModels.InferShapes(model, new Dictionary<string, (Array, long[])>
        {
            [ResNet18Model.InputName] = (ResNet18Model.RandomImages(1, seed: 1), [1, .. ResNet18Model.ImageShape]),
        });

        var cost = ModelCost.Measure(model, shapes);

        // The CNTK export is ResNet18 with a third 512-channel block: a 7×7/2 stem, then per stage (channels c, output side s)
        // blocks of two 3×3 convs, the first block of stages 2–4 with stride 2 and a 1×1/2 projection. MACs = Σ c_out·s²·c_in·k².
        long Conv(long cOut, long cIn, long k, long side) => cOut * side * side * cIn * k * k;
        long expected = Conv(64, 3, 7, 112)
            + 4 * Conv(64, 64, 3, 56)
            + Conv(128, 64, 3, 28) + Conv(128, 64, 1, 28) + 3 * Conv(128, 128, 3, 28)
            + Conv(256, 128, 3, 14) + Conv(256, 128, 1, 14) + 3 * Conv(256, 256, 3, 14)
            + Conv(512, 256, 3, 7) + Conv(512, 256, 1, 7) + 5 * Conv(512, 512, 3, 7);
        Assert.AreEqual(expected, cost.Macs);
        // Without the extra block: the 1.81 G MACs published for ResNet18 (1.8 G ± 2 %).
        double standard = cost.Macs - 2 * Conv(512, 512, 3, 7);
        Assert.AreEqual(1.814e9, standard, 0.02 * 1.814e9);
        Assert.HasCount(22, cost.Layers);
        Assert.IsTrue(cost.Layers.All(l => l.OpType == "Conv" && l.Weight is not null));
        // Conv weights (no biases) plus BatchNormalization's scale, bias, mean and variance for each of the 22 convs' channels.
        long convWeights = 64 * 3 * 49 + 4 * 64 * 64 * 9 + 128 * 64 * 9 + 128 * 64 + 3 * 128 * 128 * 9 + 256 * 128 * 9 + 256 * 128 + 3 * 256 * 256 * 9
            + 512 * 256 * 9 + 512 * 256 + 5 * 512 * 512 * 9;
        long bnChannels = 64 + 4 * 64 + 5 * 128 + 5 * 256 + 7 * 512;
        Assert.AreEqual(convWeights + 4 * bnChannels, cost.Parameters);
        Assert.AreEqual(convWeights, cost.Layers.Sum(l => l.Parameters));
    }

    [TestMethod]
    public void Measure_MiniLm_CountsProjectionsFeedForwardAndAttentionMatMuls()
    {
        const int batch = 2, sequence = 16, hidden = MiniLmModel.HiddenSize, heads = 12, headSize = 32, ffn = 1536, layers = 6;
        var model = MiniLmModel.Load();
        var ids = new long[batch * sequence];
        for (int i = 0; i < ids.Length; i++) ids[i] = 1000 + i;
        var ones = Enumerable.Repeat(1L, batch * sequence).ToArray();
        var shapes = StructuredTestModels.InferShapes(model, new Dictionary<string, (Array, long[])>
        {
            ["input_ids"] = (ids, [batch, sequence]), ["attention_mask"] = (ones, [batch, sequence]), ["token_type_ids"] = (new long[batch * sequence], [batch, sequence]),
        });

        var cost = ModelCost.Measure(model, shapes);

        // Per encoder layer: Q, K, V and output projections (hidden²) and the two FFN layers (hidden·ffn) per token, and per
        // head QKᵀ and attention·V (sequence²·head size); then the pooler Gemm on the first token (hidden²).
        long tokens = batch * sequence;
        long perLayer = tokens * (4L * hidden * hidden + 2L * hidden * ffn) + 2L * batch * heads * sequence * sequence * headSize;
        Assert.AreEqual(layers * perLayer + (long)batch * hidden * hidden, cost.Macs);
        Assert.HasCount(layers * 8 + 1, cost.Layers);
        Assert.HasCount(layers * 2, cost.Layers.Where(l => l.Weight is null).ToList());
        // Embeddings (vocabulary, positions, types, LayerNorm), per layer 4 projections with biases, the FFN and two LayerNorms, the pooler.
        long embeddings = (30_522L + 512 + 2) * hidden + 2 * hidden;
        long encoder = layers * (4L * (hidden * hidden + hidden) + (hidden * ffn + ffn) + (ffn * hidden + hidden) + 4 * hidden);
        Assert.AreEqual(embeddings + encoder + hidden * hidden + hidden, cost.Parameters);
    }

    private static Dictionary<string, long[]> MlpShapes(long batch, long hidden1, long hidden2) => new()
    {
        ["input"] = [batch, 784], ["z1"] = [batch, hidden1], ["r1"] = [batch, hidden1], ["z2"] = [batch, hidden2], ["r2"] = [batch, hidden2], ["z3"] = [batch, 10],
    };

    /// <summary>X [2, 5, 16] → Q, K = X·Wq, X·Wk [2, 5, 8] → 2 heads of 4 → scores = Q_h·K_hᵀ [2, 2, 5, 5].</summary>
    private static OnnxModel AttentionScores()
    {
        var nodes = new[]
        {
            Node("MatMul", ["X", "Wq"], ["q"], "query"),
            Node("MatMul", ["X", "Wk"], ["k"], "key"),
            Node("Reshape", ["q", "heads"], ["q4"], "q_heads"),
            Node("Reshape", ["k", "heads"], ["k4"], "k_heads"),
            Node("Transpose", ["q4"], ["qh"], "q_transpose", Attr("perm", [0L, 2L, 1L, 3L])),
            Node("Transpose", ["k4"], ["kt"], "k_transpose", Attr("perm", [0L, 2L, 3L, 1L])),
            Node("MatMul", ["qh", "kt"], ["S"], "scores"),
        };
        var initializers = new[]
        {
            Floats("Wq", [16, 8], 1),
            Floats("Wk", [16, 8], 2),
            OnnxTensor.FromInt64s("heads", [0, 0, 2, 4], [4]),
        };
        return BuildModel(13, nodes, initializers, ["X"], ["S"]);
    }
}
