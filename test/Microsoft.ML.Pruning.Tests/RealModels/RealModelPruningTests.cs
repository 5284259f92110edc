using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.RealModels;

/// <summary>
/// The estimator end to end on the real models users bring: token columns into MiniLM and an image column into
/// ML.NET's ResNet18 featurizer, pruned and fine-tuned by distillation from the dense model (no labels).
/// </summary>
[TestClass]
public sealed class RealModelPruningTests
{
    private const int Sequence = 10;

    public TestContext TestContext { get; set; } = null!;

    private sealed class TokenRow
    {
        [VectorType(Sequence), ColumnName("input_ids")] public long[] InputIds { get; set; } = [];
        [VectorType(Sequence), ColumnName("attention_mask")] public long[] AttentionMask { get; set; } = [];
        [VectorType(Sequence), ColumnName("token_type_ids")] public long[] TokenTypeIds { get; set; } = [];
    }

    private sealed class ImageRow
    {
        [VectorType(3 * 224 * 224), ColumnName(ResNet18Model.InputName)] public float[] Image { get; set; } = [];
    }

    private static readonly string[] Sentences =
    [
        "the cat sat on the mat", "a dog ran in the park", "she reads a good book", "we like to eat bread",
        "the sun is very hot today", "he plays the guitar at night", "they walk to the old school", "my house has a red door",
        "the river runs to the sea", "birds sing in the morning", "i drink water every day", "the car is in the street",
    ];

    [TestMethod]
    public void Magnitude_MiniLmTokenColumnsWithDistillation_PrunesMatMulsAndMovesTowardTheDenseModel()
    {
        var ml = new MLContext(seed: 1);
        var (ids, mask, types) = MiniLmModel.Batch(Sentences, Sequence);
        var rows = Enumerable.Range(0, Sentences.Length).Select(r => new TokenRow
        {
            InputIds = ids.AsSpan(r * Sequence, Sequence).ToArray(),
            AttentionMask = mask.AsSpan(r * Sequence, Sequence).ToArray(),
            TokenTypeIds = types.AsSpan(r * Sequence, Sequence).ToArray(),
        }).ToArray();
        var data = ml.Data.LoadFromEnumerable(rows);
        var dense = MiniLmModel.Load();
        var weights = dense.GetPrunableWeights();
        string[] matMuls = [.. weights.Where(w => w.Role == PrunableWeightRole.MatMulWeight).Select(w => w.Name)];
        MagnitudePruningOptions Options(FineTuneOptions? fineTune) => new()
        {
            Model = MiniLmModel.Load(),
            InputColumnNames = ["input_ids", "attention_mask", "token_type_ids"],
            OutputColumnNames = [MiniLmModel.HiddenStateOutput],
            Sparsity = 0.5,
            Scope = PruningScope.Layer,
            ExcludedLayers = [.. weights.Where(w => w.Role != PrunableWeightRole.MatMulWeight).Select(w => w.Name)],
            Seed = 1,
            FineTune = fineTune,
        };

        var oneShot = ml.Pruning().Magnitude(Options(null)).Fit(data);
        var tuned = ml.Pruning().Magnitude(Options(new FineTuneOptions
        {
            Epochs = 2, BatchSize = 4, LearningRate = 1e-4, LabelColumnName = null,
            Distillation = new DistillationOptions { Weight = 1, EmbeddingLoss = EmbeddingLoss.Cosine },
        })).Fit(data);

        Assert.HasCount(36, matMuls);
        foreach (string name in matMuls)
        {
            var values = OnnxTensor.ToFloatArray(tuned.Model.GetInitializer(name));
            Assert.AreEqual(0.5, values.Count(v => v == 0) / (double)values.Length, 1e-3, $"{name} keeps its 50 % zeros through fine-tuning");
        }
        Assert.HasCount(1, tuned.Report.FineTuning);
        double before = MeanTokenCosine(dense, oneShot.Model, ids, mask, types);
        double after = MeanTokenCosine(dense, tuned.Model, ids, mask, types);
        TestContext.WriteLine($"Mean cosine of pruned vs dense token embeddings: one-shot {before:F4}, after distillation {after:F4}.");
        Assert.IsGreaterThan(before + 0.01, after, "Distillation should move the pruned model toward the dense one on the rows it trained on.");

        // The transformer scores token rows as ML.NET's ONNX scorer does.
        var scored = tuned.Transform(data);
        var states = scored.GetColumn<VBuffer<float>>(MiniLmModel.HiddenStateOutput).ToArray();
        Assert.HasCount(Sentences.Length, states);
        Assert.IsTrue(states.All(v => v.Length == Sequence * MiniLmModel.HiddenSize), "each row holds [sequence, 384] values");
    }

    [TestMethod]
    public void Magnitude_ResNet18ImageColumnWithFineTune_KeepsZerosAndWritesRunningStatistics()
    {
        var ml = new MLContext(seed: 1);
        var images = ResNet18Model.RandomImages(4, seed: 5);
        int size = 3 * 224 * 224;
        var data = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(r => new ImageRow { Image = images.AsSpan(r * size, size).ToArray() }));
        var dense = ResNet18Model.Load();
        var tuned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = ResNet18Model.Load(),
            InputColumnNames = [ResNet18Model.InputName],
            OutputColumnNames = [ResNet18Model.OutputName],
            Sparsity = 0.5,
            Scope = PruningScope.Layer,
            Seed = 1,
            FineTune = new FineTuneOptions
            {
                Epochs = 1, BatchSize = 2, LearningRate = 1e-4, LabelColumnName = null,
                Distillation = new DistillationOptions { Weight = 1, EmbeddingLoss = EmbeddingLoss.Cosine },
            },
        }).Fit(data);

        var convs = dense.GetPrunableWeights();
        Assert.HasCount(22, convs);
        foreach (var conv in convs)
        {
            var values = OnnxTensor.ToFloatArray(tuned.Model.GetInitializer(conv.Name));
            Assert.AreEqual(0.5, values.Count(v => v == 0) / (double)values.Length, 1e-3, $"{conv.Name} keeps its 50 % zeros through fine-tuning");
        }
        // Training mode normalized with batch statistics and moved BatchNormalization's running statistics, which were written back.
        var firstNorm = dense.Graph.Node.First(n => n.OpType == "BatchNormalization");
        var runningMean = firstNorm.Input[3];
        var denseMean = OnnxTensor.ToFloatArray(dense.GetInitializer(runningMean));
        var tunedMean = OnnxTensor.ToFloatArray(tuned.Model.GetInitializer(runningMean));
        Assert.IsTrue(denseMean.Zip(tunedMean).Any(p => p.First != p.Second), $"Running mean '{runningMean}' was not updated by fine-tuning.");
        Assert.IsTrue(tunedMean.All(float.IsFinite));

        var scored = tuned.Transform(data).GetColumn<VBuffer<float>>(ResNet18Model.OutputName).ToArray();
        Assert.HasCount(4, scored);
        Assert.IsTrue(scored.All(v => v.Length == 512 && v.DenseValues().All(float.IsFinite)));
    }

    /// <summary>Mean over real (unmasked) tokens of the cosine between the two models' last_hidden_state vectors, by ONNX Runtime.</summary>
    private static double MeanTokenCosine(OnnxModel dense, OnnxModel pruned, long[] ids, long[] mask, long[] types)
    {
        var a = HiddenStates(dense, ids, mask, types);
        var b = HiddenStates(pruned, ids, mask, types);
        double sum = 0;
        int count = 0;
        for (int t = 0; t < mask.Length; t++)
        {
            if (mask[t] == 0) continue;
            double dot = 0, na = 0, nb = 0;
            for (int k = 0; k < MiniLmModel.HiddenSize; k++)
            {
                double x = a[t * MiniLmModel.HiddenSize + k], y = b[t * MiniLmModel.HiddenSize + k];
                dot += x * y;
                na += x * x;
                nb += y * y;
            }
            sum += dot / Math.Sqrt(na * nb);
            count++;
        }
        return sum / count;
    }

    private static float[] HiddenStates(OnnxModel model, long[] ids, long[] mask, long[] types)
    {
        using var session = new InferenceSession(model.ToBytes());
        int batch = ids.Length / Sequence;
        int[] shape = [batch, Sequence];
        var feeds = new List<NamedOnnxValue>
        {
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, shape)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, shape)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(types, shape)),
        };
        using var results = session.Run(feeds, [MiniLmModel.HiddenStateOutput]);
        return results.First().AsEnumerable<float>().ToArray();
    }
}
