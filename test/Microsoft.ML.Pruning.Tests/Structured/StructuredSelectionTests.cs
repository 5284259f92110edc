using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class StructuredSelectionTests
{
    private static ChannelGroup Group(string id, int width, params ChannelSlice[] slices) =>
        new(id, ChannelGroupKind.Neuron, width, slices, [], [], false, id);

    private static ChannelSlice Producer(string tensor, int count, long offset = 0, long block = 1, int first = 0) =>
        new(tensor, 0, offset, block, first, count, ChannelRole.Producer, tensor);

    [TestMethod]
    public void Select_LayerScope_KeepsHighestScoresOfEachGroup()
    {
        var groups = new[] { Group("a", 4, Producer("a", 4)), Group("b", 2, Producer("b", 2)) };
        var scores = new Dictionary<string, float[]> { ["a"] = [4, 1, 3, 2], ["b"] = [1, 9] };

        var result = StructuredSelection.Select(groups, scores, 0.5, new Dictionary<string, double>(), PruningScope.Layer, new StructuredOptions());

        CollectionAssert.AreEqual(new[] { true, false, true, false }, result.Keep["a"]);
        CollectionAssert.AreEqual(new[] { false, true }, result.Keep["b"]);
        Assert.IsEmpty(result.Notes);
    }

    [TestMethod]
    public void Select_ResidualGroup_SumsProducersNormalizedByTheirMeans()
    {
        // Producer p2's scores are 100× larger; normalized by their means both count alike: channel 2 wins on p1 + p2.
        var group = Group("p1", 3, Producer("p1", 3), Producer("p2", 3));
        var scores = new Dictionary<string, float[]> { ["p1"] = [1, 2, 3], ["p2"] = [300, 100, 200] };

        double[] channel = StructuredSelection.ChannelScores(group, scores);

        Assert.AreEqual(1 / 2.0 + 300 / 200.0, channel[0], 1e-12);
        Assert.AreEqual(2 / 2.0 + 100 / 200.0, channel[1], 1e-12);
        Assert.AreEqual(3 / 2.0 + 200 / 200.0, channel[2], 1e-12);
    }

    [TestMethod]
    public void ChannelScores_HeadBlocks_SumUnitsPerBlock()
    {
        var group = new ChannelGroup("q", ChannelGroupKind.Head, 2, [new ChannelSlice("q", 1, 0, 3, 0, 2, ChannelRole.Producer, "q")], [], [], false, "q");
        var scores = new Dictionary<string, float[]> { ["q"] = [1, 1, 1, 2, 2, 2] };

        double[] channel = StructuredSelection.ChannelScores(group, scores);

        Assert.AreEqual(3 / 4.5, channel[0], 1e-12);
        Assert.AreEqual(6 / 4.5, channel[1], 1e-12);
    }

    [TestMethod]
    public void Select_EveryUnitAsked_KeepsOneAndSaysSo()
    {
        var groups = new[] { Group("a", 3, Producer("a", 3)) };
        var scores = new Dictionary<string, float[]> { ["a"] = [1, 5, 2] };

        var result = StructuredSelection.Select(groups, scores, 0.9, new Dictionary<string, double> { ["a"] = 0.99 }, PruningScope.Layer, new StructuredOptions());

        CollectionAssert.AreEqual(new[] { false, true, false }, result.Keep["a"]);
        Assert.HasCount(1, result.Notes);
        StringAssert.Contains(result.Notes[0], "'a'");
        StringAssert.Contains(result.Notes[0], "at least one");
    }

    [TestMethod]
    public void Bounded_RoundToAndMaxGroupSparsity_AreApplied()
    {
        var options = new StructuredOptions { RoundTo = 8, MaxGroupSparsity = 0.75 };

        Assert.AreEqual(16, StructuredSelection.Bounded(64, 10, options)); // 75 % cap: at least 16 kept
        Assert.AreEqual(24, StructuredSelection.Bounded(64, 17, options)); // rounded up to a multiple of 8
        Assert.AreEqual(20, StructuredSelection.Bounded(20, 19, options)); // never above the width
    }

    [TestMethod]
    public void Select_GlobalScope_OneThresholdOverNormalizedScores()
    {
        // a's channels are all close to its mean, b has one strong and three weak: globally b loses more.
        var groups = new[] { Group("a", 4, Producer("a", 4)), Group("b", 4, Producer("b", 4)) };
        var scores = new Dictionary<string, float[]> { ["a"] = [1, 1, 1, 1.2f], ["b"] = [0.1f, 0.1f, 0.1f, 3.7f] };

        var result = StructuredSelection.Select(groups, scores, 0.375, new Dictionary<string, double>(), PruningScope.Global, new StructuredOptions());

        Assert.AreEqual(4, result.Keep["a"].Count(k => k)); // 3 of 8 removed, all from b
        CollectionAssert.AreEqual(new[] { false, false, false, true }, result.Keep["b"]);
    }

    [TestMethod]
    public void Select_OverrideByProducerName_AppliesToItsGroup()
    {
        var groups = new[] { Group("a", 4, Producer("a", 4), Producer("a2", 4)) };
        var scores = new Dictionary<string, float[]> { ["a"] = [1, 2, 3, 4], ["a2"] = [1, 2, 3, 4] };

        var result = StructuredSelection.Select(groups, scores, 0.5, new Dictionary<string, double> { ["a2"] = 0.25 }, PruningScope.Layer, new StructuredOptions());

        CollectionAssert.AreEqual(new[] { false, true, true, true }, result.Keep["a"]);
    }

    [TestMethod]
    public void GroupMasks_MlpNeuron_ZeroesRowBiasAndConsumerColumnOnly()
    {
        var model = TestGraphs.Mlp(inputs: 4, hidden: 3, outputs: 2);
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 3,
        [
            new ChannelSlice("W1", 0, 0, 1, 0, 3, ChannelRole.Producer, "fc1"),
            new ChannelSlice("B1", 0, 0, 1, 0, 3, ChannelRole.Parameter, "fc1"),
            new ChannelSlice("W2", 0, 0, 1, 0, 3, ChannelRole.Consumer, "fc2"),
        ], [], [], false, "fc1 → relu1 → fc2");

        var masks = GroupMasks.Build(model, [group], new Dictionary<string, bool[]> { ["W1"] = [true, false, true] });
        GroupMasks.Apply(model, masks);

        float[] w1 = OnnxTensor.ToFloatArray(model.GetInitializer("W1")); // [3, 4]
        float[] b1 = OnnxTensor.ToFloatArray(model.GetInitializer("B1"));
        float[] w2 = OnnxTensor.ToFloatArray(model.GetInitializer("W2")); // [3, 2]
        Assert.IsTrue(w1.Skip(4).Take(4).All(v => v == 0));
        Assert.IsTrue(w1.Take(4).Concat(w1.Skip(8)).All(v => v != 0));
        Assert.AreEqual(0f, b1[1]);
        Assert.IsTrue(b1[0] != 0 && b1[2] != 0);
        Assert.IsTrue(w2[2] == 0 && w2[3] == 0);
        Assert.IsTrue(w2.Take(2).Concat(w2.Skip(4)).All(v => v != 0));
        CollectionAssert.AreEqual(new[] { "W1", "B1", "W2" }, masks.Select(m => m.Name).ToArray());
        Assert.AreEqual(4, masks[0].PrunedCount);
    }

    [TestMethod]
    public void GroupMasks_StatisticSlices_AreNeverMasked()
    {
        var model = TestGraphs.Mlp(inputs: 4, hidden: 3, outputs: 2);
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 3,
        [
            new ChannelSlice("W1", 0, 0, 1, 0, 3, ChannelRole.Producer, "fc1"),
            new ChannelSlice("B1", 0, 0, 1, 0, 3, ChannelRole.Statistic, "fc1"),
        ], [], [], false, "fc1");

        var masks = GroupMasks.Build(model, [group], new Dictionary<string, bool[]> { ["W1"] = [false, true, true] });

        CollectionAssert.AreEqual(new[] { "W1" }, masks.Select(m => m.Name).ToArray());
    }
}
