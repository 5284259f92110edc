using System;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.RealModels;

/// <summary>
/// Structured pruning end to end on the real models: ResNet18's channels (residual streams coupled) and MiniLM's FFN
/// units and attention heads are removed from the written file, which is verified against the pruned model and scores.
/// </summary>
[TestClass]
public sealed class StructuredRealModelTests
{
    private const int Sequence = 10;

    private sealed class ImageRow
    {
        [VectorType(3 * 224 * 224), ColumnName(ResNet18Model.InputName)] public float[] Image { get; set; } = [];
    }

    private sealed class TokenRow
    {
        [VectorType(Sequence), ColumnName("input_ids")] public long[] InputIds { get; set; } = [];
        [VectorType(Sequence), ColumnName("attention_mask")] public long[] AttentionMask { get; set; } = [];
        [VectorType(Sequence), ColumnName("token_type_ids")] public long[] TokenTypeIds { get; set; } = [];
    }

    private static IDataView Images(MLContext ml, int count)
    {
        var images = ResNet18Model.RandomImages(count, seed: 5);
        int size = 3 * 224 * 224;
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(r => new ImageRow { Image = images.AsSpan(r * size, size).ToArray() }));
    }

    private static IDataView Tokens(MLContext ml)
    {
        string[] sentences = ["the cat sat on the mat", "a dog ran in the park", "she reads a good book", "we like to eat bread"];
        var (ids, mask, types) = MiniLmModel.Batch(sentences, Sequence);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, sentences.Length).Select(r => new TokenRow
        {
            InputIds = ids.AsSpan(r * Sequence, Sequence).ToArray(),
            AttentionMask = mask.AsSpan(r * Sequence, Sequence).ToArray(),
            TokenTypeIds = types.AsSpan(r * Sequence, Sequence).ToArray(),
        }));
    }

    [TestMethod]
    public void Channel_ResNet18HalfTheChannelsWithOutputs_QuartersTheMacsVerifiesAndScoresBatches()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, 3);
        var pruned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = ResNet18Model.Load(),
            InputColumnNames = [ResNet18Model.InputName],
            OutputColumnNames = [ResNet18Model.OutputName],
            Granularity = PruningGranularity.Channel,
            Sparsity = 0.5,
            Scope = PruningScope.Layer,
            Structured = new StructuredOptions { PruneOutputs = true, VerifyRows = 3 },
        }).Fit(data);

        var report = pruned.Report.Structured!;
        // Every conv's output is in some group; the residual streams of the four stages couple their convs (and downsample convs).
        Assert.AreEqual(22, report.Groups.Sum(g => g.Producers));
        Assert.IsEmpty(report.Unprunable);
        Assert.IsTrue(report.Groups.Any(g => g.Producers > 1), "residual streams are groups of several convolutions");
        Assert.IsTrue(report.Groups.All(g => g.Kept * 2 == g.Total), "half of every group kept");
        Assert.IsLessThanOrEqualTo(0.27, report.MacsRatio, $"MACs {report.Before.Macs:N0} → {report.After.Macs:N0}");
        Assert.IsTrue(report.DynamicBatch);
        Assert.AreEqual(3, report.Verification!.Rows);
        Assert.IsLessThanOrEqualTo(1e-4, report.Verification.MaxRelativeDifference);
        var written = OnnxModel.Load(pruned.CompactOnnx.Span);
        Assert.IsFalse(written.Graph.Input[0].Type.TensorType.Shape.Dim[0].HasDimValue, "the written file has a symbolic batch");
        // ML.NET's file says IR 3 but does not list its initializers as graph inputs (IR 3 requires it): the dense file fails the
        // checker on that alone. Read as IR 4 (opset 8's era) the dense file passes, and so must the written one.
        var asIr4 = written.Clone();
        asIr4.Proto.IrVersion = 4;
        Tests.Structured.StructuredTestSupport.AssertPassesOnnxChecker(asIr4);

        var scored = pruned.Transform(data).GetColumn<VBuffer<float>>(ResNet18Model.OutputName).ToArray();
        Assert.HasCount(3, scored);
        Assert.IsTrue(scored.All(v => v.Length == 256 && v.DenseValues().All(float.IsFinite)));
    }

    [TestMethod]
    public void Channel_ResNet18WithoutPruneOutputs_KeepsTheLastStageAndNamesIt()
    {
        var ml = new MLContext(seed: 1);
        var pruned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = ResNet18Model.Load(),
            InputColumnNames = [ResNet18Model.InputName],
            OutputColumnNames = [ResNet18Model.OutputName],
            Granularity = PruningGranularity.Channel,
            Sparsity = 0.5,
            Structured = new StructuredOptions { VerifyRows = 1 },
        }).Fit(Images(ml, 1));

        var report = pruned.Report.Structured!;
        Assert.IsNotEmpty(report.Unprunable);
        Assert.IsTrue(report.Unprunable.All(u => u.Reason.Contains("output")), string.Join("; ", report.Unprunable.Select(u => u.Reason)));
        Assert.IsTrue(report.Groups.All(g => !g.ReachesOutput));
        var scored = pruned.Transform(Images(ml, 1)).GetColumn<VBuffer<float>>(ResNet18Model.OutputName).Single();
        Assert.AreEqual(512, scored.Length);
    }

    [TestMethod]
    public void Channel_ResNet18WithDistillation_TrainsUnderGroupMasksAndStillVerifies()
    {
        var ml = new MLContext(seed: 1);
        var data = Images(ml, 2);
        var pruned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = ResNet18Model.Load(),
            InputColumnNames = [ResNet18Model.InputName],
            OutputColumnNames = [ResNet18Model.OutputName],
            Granularity = PruningGranularity.Channel,
            Sparsity = 0.5,
            Scope = PruningScope.Layer,
            Structured = new StructuredOptions { PruneOutputs = true, VerifyRows = 2 },
            FineTune = new FineTuneOptions
            {
                Epochs = 1, BatchSize = 2, LearningRate = 1e-3, LabelColumnName = null,
                Distillation = new DistillationOptions { Weight = 1, EmbeddingLoss = EmbeddingLoss.Cosine },
            },
        }).Fit(data);

        // BatchNormalization scales and biases of removed channels stayed zero through training, so removal is still exact.
        Assert.HasCount(1, pruned.Report.FineTuning);
        Assert.IsLessThanOrEqualTo(1e-4, pruned.Report.Structured!.Verification!.MaxRelativeDifference);
    }

    [TestMethod]
    public void Neuron_MiniLm_RemovesFeedForwardUnitsAndLeavesAttentionAndHiddenWidth()
    {
        var ml = new MLContext(seed: 1);
        var pruned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = MiniLmModel.Load(),
            InputColumnNames = ["input_ids", "attention_mask", "token_type_ids"],
            OutputColumnNames = [MiniLmModel.HiddenStateOutput],
            Granularity = PruningGranularity.Neuron,
            Sparsity = 0.5,
            Scope = PruningScope.Layer,
            Structured = new StructuredOptions { VerifyRows = 4 },
        }).Fit(Tokens(ml));

        var report = pruned.Report.Structured!;
        Assert.HasCount(6, report.Groups);
        Assert.IsTrue(report.Groups.All(g => g.Total == 1536 && g.Kept == 768));
        Assert.IsLessThanOrEqualTo(1e-4, report.Verification!.MaxRelativeDifference);
        Assert.IsTrue(pruned.Model.GetPrunableWeights().Count(w => w.Shape.SequenceEqual(new long[] { 384, 768 })) == 6);
    }

    [TestMethod]
    public void Head_MiniLmQuarterOfTheHeads_UpdatesReshapeCountsAndVerifies()
    {
        var ml = new MLContext(seed: 1);
        var data = Tokens(ml);
        var pruned = ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = MiniLmModel.Load(),
            InputColumnNames = ["input_ids", "attention_mask", "token_type_ids"],
            OutputColumnNames = [MiniLmModel.HiddenStateOutput],
            Granularity = PruningGranularity.Head,
            Sparsity = 0.25,
            Scope = PruningScope.Layer,
            Structured = new StructuredOptions { VerifyRows = 4 },
        }).Fit(data);

        var report = pruned.Report.Structured!;
        Assert.HasCount(6, report.Groups);
        Assert.IsTrue(report.Groups.All(g => g.Kind == ChannelGroupKind.Head && g.Total == 12 && g.Kept == 9));
        Assert.IsLessThanOrEqualTo(1e-4, report.Verification!.MaxRelativeDifference);
        Assert.IsLessThan(report.Before.Macs, report.After.Macs);
        Tests.Structured.StructuredTestSupport.AssertPassesOnnxChecker(OnnxModel.Load(pruned.CompactOnnx.Span));
        var scored = pruned.Transform(data).GetColumn<VBuffer<float>>(MiniLmModel.HiddenStateOutput).ToArray();
        Assert.IsTrue(scored.All(v => v.Length == Sequence * 384 && v.DenseValues().All(float.IsFinite)));
    }

    [TestMethod]
    public void CoordinateDescentNeuron_MiniLmFeedForward_PairsThroughGeluRefitsAndRemoves()
    {
        // GELU is five nodes (Div, Erf, Add, Mul, Mul); the dependency group pairs each FFN-in with its FFN-out all the same.
        var ml = new MLContext(seed: 1);
        var pruned = ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
        {
            Model = MiniLmModel.Load(),
            InputColumnNames = ["input_ids", "attention_mask", "token_type_ids"],
            OutputColumnNames = [MiniLmModel.HiddenStateOutput],
            Granularity = PruningGranularity.Neuron,
            Sparsity = 0.5,
            Scope = PruningScope.Layer,
            Structured = new StructuredOptions { VerifyRows = 4 },
            MaxIterations = 20, // the test is about pairing, refit and removal, not about the Lasso's convergence
            Tolerance = 1e-2,
        }).Fit(Tokens(ml));

        Assert.HasCount(6, pruned.Report.Reconstruction);
        var report = pruned.Report.Structured!;
        Assert.HasCount(6, report.Groups);
        Assert.IsTrue(report.Groups.All(g => g.Total == 1536 && g.Kept == 768));
        Assert.IsLessThanOrEqualTo(1e-4, report.Verification!.MaxRelativeDifference);
    }
}
