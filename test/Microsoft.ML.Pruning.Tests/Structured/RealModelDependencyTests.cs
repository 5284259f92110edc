using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.RealModels;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>The dependency analysis on ML.NET's ResNet18 featurizer and on all-MiniLM-L6-v2.</summary>
[TestClass]
public sealed class RealModelDependencyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void ResNet18_Analysis_MergesEachStagesResidualStreamAndKeepsTheLastStageUnlessOutputsMayShrink()
    {
        var model = ResNet18Model.Load();
        var shapes = ValueShapes.Infer(model);
        CollectionAssert.AreEqual(new long[] { 1, 512, 1, 1 }, shapes[ResNet18Model.OutputName]);

        var graph = ChannelDependencies.Analyze(model, shapes);
        var open = ChannelDependencies.Analyze(model, shapes, pruneOutputs: true);
        Log(open);

        // Every conv is in exactly one group when outputs may shrink: 9 inner-block groups and 4 residual streams.
        var convs = model.GetPrunableWeights();
        Assert.HasCount(13, open.Groups);
        Assert.IsEmpty(open.Unprunable, StructuredTestGraphs.Describe(open.Unprunable));
        CollectionAssert.AreEquivalent(convs.Select(w => w.Name).ToArray(),
            open.Groups.SelectMany(g => g.Slices.Where(s => s.Role == ChannelRole.Producer).Select(s => s.Tensor)).ToArray());
        Assert.IsTrue(open.Groups.All(g => g.Kind == ChannelGroupKind.Channel));

        // Residual streams: the stem with stage 1's second convs; each later stage with its downsample conv.
        AssertProducers(open.Group("Parameter91"), 64, "Parameter91", "Parameter82", "Parameter73");
        var stage2 = open.Groups.Single(g => Producers(g).Contains("Parameter199"));
        AssertProducers(stage2, 128, "Parameter64", "Parameter199", "Parameter55");
        var stage4 = open.Groups.Single(g => Producers(g).Contains("Parameter351"));
        Assert.AreEqual(512, stage4.Width);
        Assert.IsTrue(stage4.ReachesOutput);
        Assert.IsTrue(stage4.Values.Any(v => v.Value == ResNet18Model.OutputName));
        Assert.AreEqual(1, open.Groups.Count(g => g.ReachesOutput));
        // Each residual stream's BatchNormalization parameters are Parameters, running statistics Statistics.
        Assert.AreEqual(2 * Producers(stage2).Count, stage2.Slices.Count(s => s.Role == ChannelRole.Statistic));

        // Without PruneOutputs the last stage's stream stays dense, each of its producers named.
        Assert.HasCount(12, graph.Groups);
        CollectionAssert.AreEquivalent(Producers(stage4).ToArray(), graph.Unprunable.Select(u => u.Layer).ToArray());
        Assert.IsTrue(graph.Unprunable.All(u => u.Reason.Contains(ResNet18Model.OutputName)));
    }

    [TestMethod]
    public void MiniLm_Analysis_FeedForwardGroupsArePrunableHeadsAndHiddenStreamAreNot()
    {
        var model = MiniLmModel.Load();
        var shapes = ValueShapes.Infer(model, new Dictionary<string, int[]>
        {
            ["input_ids"] = [1, 8], ["attention_mask"] = [1, 8], ["token_type_ids"] = [1, 8],
        });
        CollectionAssert.AreEqual(new long[] { 1, 8, MiniLmModel.HiddenSize }, shapes[MiniLmModel.HiddenStateOutput]);

        var graph = ChannelDependencies.Analyze(model, shapes);
        Log(graph);

        Assert.HasCount(6, graph.Groups);
        for (int layer = 0; layer < 6; layer++)
        {
            var group = graph.Groups.Single(g => g.Slices.Any(s => s.Tensor == $"encoder.layer.{layer}.intermediate.dense.bias"));
            Assert.AreEqual(1536, group.Width);
            Assert.AreEqual(ChannelGroupKind.Neuron, group.Kind);
            Assert.AreEqual(ChannelRole.Parameter, group.Slice($"encoder.layer.{layer}.intermediate.dense.bias", ChannelRole.Parameter).Role);
            var consumer = group.Slices.Single(s => s.Role == ChannelRole.Consumer);
            CollectionAssert.AreEqual(new long[] { 1536, 384 }, shapes[consumer.Tensor]);
            Assert.AreEqual(0, consumer.Axis);
            StringAssert.Contains(group.Path, "Erf");
        }

        // Q, K and V of every layer: heads (another granularity); the hidden stream: LayerNorm reduces over it.
        var heads = graph.Unprunable.Where(u => u.Reason.Contains("splits features into heads")).ToList();
        Assert.HasCount(18, heads);
        var hidden = graph.Unprunable.Where(u => u.Reason.Contains("reduces over the channels")).ToList();
        Assert.HasCount(12, hidden); // attention output and FFN output projections of 6 layers
        Assert.IsTrue(hidden.All(u => u.Reason.Contains("ReduceMean")));
        StringAssert.Contains(graph.Unprunable("pooler.dense.weight").Reason, "graph output 924");
        Assert.HasCount(31, graph.Unprunable);
    }

    private static List<string> Producers(ChannelGroup group) =>
        group.Slices.Where(s => s.Role == ChannelRole.Producer).Select(s => s.Tensor).ToList();

    private static void AssertProducers(ChannelGroup group, int width, params string[] producers)
    {
        Assert.AreEqual(width, group.Width);
        CollectionAssert.IsSubsetOf(producers, Producers(group), $"{group.Id}: {group.Path}");
    }

    private void Log(ChannelDependencyGraph graph)
    {
        foreach (var group in graph.Groups)
            TestContext.WriteLine($"{group.Id} {group.Kind} {group.Width}: producers {string.Join(", ", Producers(group))}; {group.Slices.Count} slices, {group.Values.Count} values; {group.Path}");
        foreach (var layer in graph.Unprunable) TestContext.WriteLine($"dense {layer.Layer} ({layer.Node}): {layer.Reason}");
    }
}
