using System;
using System.Collections.Generic;
using System.Text.Json;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class OrtLatencyTests
{
    [TestMethod]
    public void Measure_MlpWithSymbolicBatch_ReturnsPositiveOrderedTimesAndRepeatsAsked()
    {
        var model = StructuredTestModels.WithInputShape(Perceptron([64, 32, 10], seed: 1), "input", [null, 64]);

        var latency = OrtLatency.Measure(model.ToBytes(), batch: 4, warmup: 1, repeats: 5, intraOpThreads: 1);

        Assert.AreEqual(4, latency.Batch);
        Assert.AreEqual(5, latency.Repeats);
        Assert.AreEqual(1, latency.IntraOpThreads);
        Assert.IsGreaterThan(0.0, latency.MedianMilliseconds);
        Assert.IsLessThanOrEqualTo(latency.MedianMilliseconds, latency.P10Milliseconds);
        Assert.IsGreaterThanOrEqualTo(latency.MedianMilliseconds, latency.P90Milliseconds);
        StringAssert.StartsWith(latency.ToString(), "batch 4:");
    }

    [TestMethod]
    public void Measure_TokenInputs_FeedsIdsInRangeAndTokenTypesZero()
    {
        // Gathers from tables of 100 token rows and 1 type row: out-of-range ids would make ONNX Runtime fail.
        var model = Embedding();

        var latency = OrtLatency.Measure(model.ToBytes(), batch: 3, warmup: 0, repeats: 2, intraOpThreads: 1,
            inputShapes: new Dictionary<string, int[]> { ["input_ids"] = [1, 7], ["token_type_ids"] = [1, 7], ["attention_mask"] = [1, 7] });

        Assert.AreEqual(2, latency.Repeats);
        Assert.IsGreaterThan(0.0, latency.MedianMilliseconds);
    }

    [TestMethod]
    public void Measure_ResNet18WithInitializersListedAsInputs_FeedsOnlyTheImage()
    {
        // IR 3: every initializer is also a graph input; only Input247 [1, 3, 224, 224] is fed.
        var latency = OrtLatency.Measure(System.IO.File.ReadAllBytes(RealModels.ResNet18Model.FilePath), batch: 1, warmup: 0, repeats: 1, intraOpThreads: 1);

        Assert.AreEqual(1, latency.Repeats);
        Assert.IsGreaterThan(0.0, latency.MedianMilliseconds);
        Assert.AreEqual(latency.MedianMilliseconds, latency.P90Milliseconds);
    }

    [TestMethod]
    public void Measure_SymbolicSequenceWithoutShape_ThrowsNamingInput()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => OrtLatency.Measure(Embedding().ToBytes(), batch: 1, warmup: 0, repeats: 1));

        StringAssert.Contains(ex.Message, "axis 1");
        StringAssert.Contains(ex.Message, "inputShapes");
    }

    [TestMethod]
    public void Measure_FixedBatchOfOneAtBatch4_ThrowsSayingMakeItDynamic()
    {
        var model = StructuredTestModels.WithInputShape(Perceptron([8, 4, 2], seed: 1), "input", [1, 8]);

        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => OrtLatency.Measure(model.ToBytes(), batch: 4, warmup: 0, repeats: 1));

        StringAssert.Contains(ex.Message, "'input'");
        StringAssert.Contains(ex.Message, "dynamic");
    }

    [TestMethod]
    public void Measure_WithOptions_UsesTheirRepeatsAndThreads()
    {
        var model = StructuredTestModels.WithInputShape(Perceptron([8, 4, 2], seed: 1), "input", [null, 8]);
        var options = new StructuredOptions { LatencyRepeats = 3, LatencyWarmup = 0, LatencyIntraOpThreads = 1 };

        var latency = OrtLatency.Measure(model.ToBytes(), batch: 2, options);

        Assert.AreEqual(3, latency.Repeats);
        Assert.AreEqual(1, latency.IntraOpThreads);
        Assert.AreEqual(2, latency.Batch);
    }

    [TestMethod]
    [DataRow(nameof(StructuredOptions.LatencyBatchSize))]
    [DataRow(nameof(StructuredOptions.LatencyRepeats))]
    [DataRow(nameof(StructuredOptions.LatencyWarmup))]
    [DataRow(nameof(StructuredOptions.LatencyIntraOpThreads))]
    [DataRow(nameof(StructuredOptions.VerifyTolerance))]
    public void StructuredOptions_LatencyFieldOutOfRange_ThrowsNamingIt(string field)
    {
        var options = field switch
        {
            nameof(StructuredOptions.LatencyBatchSize) => new StructuredOptions { LatencyBatchSize = 0 },
            nameof(StructuredOptions.LatencyRepeats) => new StructuredOptions { LatencyRepeats = 0 },
            nameof(StructuredOptions.LatencyWarmup) => new StructuredOptions { LatencyWarmup = -1 },
            nameof(StructuredOptions.LatencyIntraOpThreads) => new StructuredOptions { LatencyIntraOpThreads = 0 },
            _ => new StructuredOptions { VerifyTolerance = double.NaN },
        };

        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => options.Validate());

        StringAssert.Contains(ex.Message, field);
    }

    [TestMethod]
    public void StructuredOptions_JsonRoundTrip_KeepsEveryField()
    {
        var options = new StructuredOptions
        {
            MeasureLatency = true, LatencyBatchSize = 16, LatencyRepeats = 7, LatencyWarmup = 2, LatencyIntraOpThreads = 3, VerifyTolerance = 1e-3,
            RemoveUnits = false, PruneOutputs = true, RoundTo = 8, MaxGroupSparsity = 0.75, DynamicBatch = false, VerifyRows = 5,
        };

        string json = JsonSerializer.Serialize(options);
        var copy = JsonSerializer.Deserialize<StructuredOptions>(json);

        Assert.AreEqual(json, JsonSerializer.Serialize(copy));
        StringAssert.Contains(json, "\"LatencyIntraOpThreads\":3");
        Assert.AreEqual(32, new StructuredOptions().LatencyBatchSize);
        Assert.AreEqual(20, new StructuredOptions().LatencyRepeats);
        Assert.IsFalse(new StructuredOptions().MeasureLatency);
    }

    /// <summary>
    /// input_ids, token_type_ids, attention_mask INT64 [batch, sequence] → Gather(100 × 4 table) + Gather(1 × 4 table),
    /// times the mask as FLOAT: [batch, sequence, 4].
    /// </summary>
    private static OnnxModel Embedding()
    {
        var nodes = new[]
        {
            Node("Gather", ["tokens", "input_ids"], ["t"], "token_embedding"),
            Node("Gather", ["types", "token_type_ids"], ["y"], "type_embedding"),
            Node("Add", ["t", "y"], ["e"], "sum"),
            Node("Cast", ["attention_mask"], ["m"], "mask_float", Attr("to", (long)Float)),
            Node("Unsqueeze", ["m", "last"], ["m3"], "mask_unsqueeze"),
            Node("Mul", ["e", "m3"], ["Y"], "masked"),
        };
        var initializers = new[] { Floats("tokens", [100, 4], 1), Floats("types", [1, 4], 2), OnnxTensor.FromInt64s("last", [-1], [1]) };
        var model = BuildModel(13, nodes, initializers, ["input_ids", "token_type_ids", "attention_mask"], ["Y"], Engine.TestGraphs.Int64);
        foreach (string input in new[] { "input_ids", "token_type_ids", "attention_mask" })
            StructuredTestModels.WithInputShape(model, input, [null, null], Engine.TestGraphs.Int64);
        return model;
    }
}
