using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.ML.Pruning.Tests.RealModels;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class AttentionHeadsTests
{
    private const int Batch = 2;
    private const int Sequence = 3;

    private static readonly string[] Sentences = ["she reads a good book", "hello world"];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void SelfAttention_Find_OneHeadGroupWithSlicesConstantsAndValues()
    {
        var model = AttentionGraphs.SelfAttention();
        var (groups, unprunable) = AttentionHeads.Find(model, OrtProbe.Shapes(model, SyntheticFeeds()));

        Assert.IsEmpty(unprunable);
        var group = Assert.ContainsSingle(groups);
        Assert.AreEqual("Wq", group.Id);
        Assert.AreEqual(ChannelGroupKind.Head, group.Kind);
        Assert.AreEqual(AttentionGraphs.Heads, group.Width);
        Assert.IsFalse(group.ReachesOutput);
        CollectionAssert.AreEqual(
            new[]
            {
                new ChannelSlice("Wq", 1, 0, 4, 0, 2, ChannelRole.Producer, "q_matmul"),
                new ChannelSlice("bq", 0, 0, 4, 0, 2, ChannelRole.Parameter, "q_bias"),
                new ChannelSlice("Wk", 1, 0, 4, 0, 2, ChannelRole.Producer, "k_matmul"),
                new ChannelSlice("bk", 0, 0, 4, 0, 2, ChannelRole.Parameter, "k_bias"),
                new ChannelSlice("Wv", 1, 0, 4, 0, 2, ChannelRole.Producer, "v_matmul"),
                new ChannelSlice("bv", 0, 0, 4, 0, 2, ChannelRole.Parameter, "v_bias"),
                new ChannelSlice("Wo", 0, 0, 4, 0, 2, ChannelRole.Consumer, "o_matmul"),
            },
            group.Slices.ToArray());
        CollectionAssert.AreEqual(
            new[]
            {
                new ShapeConstant("q_heads", 0, 1, 0, "q_concat"),
                new ShapeConstant("k_heads", 0, 1, 0, "k_concat"),
                new ShapeConstant("v_shape", 2, 1, 0, "v_reshape"),
                new ShapeConstant("c_width", 0, 4, 0, "c_concat"),
            },
            group.ShapeConstants.ToArray());
        var values = group.Values.ToDictionary(v => v.Value, v => (v.Axis, v.Block));
        var expected = new Dictionary<string, (int, long)>
        {
            ["q_mm"] = (2, 4), ["q"] = (2, 4), ["q4"] = (2, 1), ["qt"] = (1, 1),
            ["k_mm"] = (2, 4), ["k"] = (2, 4), ["k4"] = (2, 1), ["kt"] = (1, 1),
            ["v_mm"] = (2, 4), ["v"] = (2, 4), ["v4"] = (2, 1), ["vt"] = (1, 1),
            ["s"] = (1, 1), ["s2"] = (1, 1), ["s3"] = (1, 1), ["p"] = (1, 1),
            ["c"] = (1, 1), ["ct"] = (2, 1), ["cf"] = (2, 4),
        };
        CollectionAssert.AreEquivalent(expected.ToArray(), values.ToArray());
        Assert.IsTrue(group.Values.All(v => v.Offset == 0 && v.First == 0 && v.Count == 2));
        StringAssert.StartsWith(group.Path, "q_matmul → q_bias → k_matmul");
        StringAssert.EndsWith(group.Path, "c_reshape → o_matmul");
    }

    [TestMethod]
    public void SelfAttention_SoftmaxOverHeads_QkvUnprunableWithReason()
    {
        var model = AttentionGraphs.SelfAttention(softmaxAxis: 1);
        var (groups, unprunable) = AttentionHeads.Find(model, OrtProbe.Shapes(model, SyntheticFeeds()));

        Assert.IsEmpty(groups);
        CollectionAssert.AreEqual(new[] { "Wq", "Wk", "Wv" }, unprunable.Select(u => u.Layer).ToArray());
        CollectionAssert.AreEqual(new[] { "q_matmul", "k_matmul", "v_matmul" }, unprunable.Select(u => u.Node).ToArray());
        foreach (var layer in unprunable)
            StringAssert.StartsWith(layer.Reason, "softmax (Softmax): Softmax over axis 1 ");
    }

    [TestMethod]
    public void SelfAttention_PerHeadMask_QkvUnprunableWithReason()
    {
        var model = AttentionGraphs.SelfAttention();
        var (groups, unprunable) = AttentionHeads.Find(model, OrtProbe.Shapes(model, SyntheticFeeds(perHeadMask: true)));

        Assert.IsEmpty(groups);
        Assert.HasCount(3, unprunable);
        foreach (var layer in unprunable)
            StringAssert.StartsWith(layer.Reason, "mask_add (Add): the mask 'mask' [2, 2, 3, 3] does not broadcast over the heads");
    }

    [TestMethod]
    public void SelfAttention_ProjectionWidthReadThroughShape_QkvUnprunableWithReason()
    {
        // Shape(q)[2] is H·d, which removal changes (Shape(q)[0] and [1], the batch and sequence, are fine and already read).
        var model = AttentionGraphs.SelfAttention();
        model.Graph.Initializer.Add(OnnxTensor.FromInt64s("two", [2], []));
        model.Graph.Node.Add(TestGraphs.Node("Shape", ["q"], ["q_dims"], "q_width_shape"));
        model.Graph.Node.Add(TestGraphs.Node("Gather", ["q_dims", "two"], ["q_width"], "q_width_gather", TestGraphs.Attr("axis", 0L)));
        model.Graph.Output.Add(TestGraphs.Value("q_width", TestGraphs.Int64));
        var (groups, unprunable) = AttentionHeads.Find(model, OrtProbe.Shapes(model, SyntheticFeeds()));

        Assert.IsEmpty(groups);
        Assert.HasCount(3, unprunable);
        foreach (var layer in unprunable)
            StringAssert.StartsWith(layer.Reason, "q_width_shape (Shape): it also reads 'q', which carries the heads of q_reshape");
    }

    [TestMethod]
    public void Mlp_Find_NoAttentionNothingReported()
    {
        var model = TestGraphs.Mlp();
        var x = new DenseTensor<float>(new float[8], [2, 4]);
        var (groups, unprunable) = AttentionHeads.Find(model, OrtProbe.Shapes(model, [NamedOnnxValue.CreateFromTensor("X", x)]));

        Assert.IsEmpty(groups);
        Assert.IsEmpty(unprunable);
    }

    [TestMethod]
    public void SelfAttention_HeadZeroed_ContextHeadExactlyZero()
    {
        var model = AttentionGraphs.SelfAttention();
        var feeds = SyntheticFeeds();
        var group = Assert.ContainsSingle(AttentionHeads.Find(model, OrtProbe.Shapes(model, feeds)).Groups);

        AssertContextHeadExactlyZero(model, group, feeds, head: 1);
    }

    [TestMethod]
    public void SelfAttention_HeadRemovedByHand_MatchesMaskedModel()
    {
        var model = AttentionGraphs.SelfAttention();
        var feeds = SyntheticFeeds();
        var group = Assert.ContainsSingle(AttentionHeads.Find(model, OrtProbe.Shapes(model, feeds)).Groups);
        bool[] keep = [false, true];

        var masked = model.Clone();
        ZeroHead(masked, group, 0, ChannelRole.Producer, ChannelRole.Parameter, ChannelRole.Consumer);
        var removed = RemoveByHand(model, group, keep);

        var expected = OrtProbe.Run(masked, feeds, ["y"])["y"];
        var actual = OrtProbe.Run(removed, feeds, ["y"])["y"];
        CollectionAssert.AreEqual(expected.Shape, actual.Shape);
        double maxDiff = expected.Values.Zip(actual.Values, (a, b) => Math.Abs(a - b)).Max();
        TestContext.WriteLine($"max |removed − masked| = {maxDiff:G3}");
        Assert.IsLessThanOrEqualTo(1e-5, maxDiff);
        Assert.AreEqual(AttentionGraphs.HeadSize, removed.GetInitializer("Wq").Dims[1]);
        CollectionAssert.AreEqual(new long[] { 0, 0, 1, 4 }, OnnxTensor.ToInt64Array(removed.GetInitializer("v_shape")));
    }

    [TestMethod]
    public void MiniLm_Find_SixGroupsOfTwelveHeads()
    {
        var model = MiniLmModel.Load();
        var (groups, unprunable) = AttentionHeads.Find(model, OrtProbe.Shapes(model, MiniLmFeeds()));

        Assert.IsEmpty(unprunable, string.Join("; ", unprunable));
        Assert.HasCount(6, groups);
        foreach (var group in groups)
        {
            Assert.AreEqual(12, group.Width);
            Assert.AreEqual(ChannelGroupKind.Head, group.Kind);
            Assert.IsTrue(group.Slices.All(s => s.Block == 32 && s.Count == 12 && s.Offset == 0), group.Id);
            CollectionAssert.AreEqual(
                new[] { ChannelRole.Producer, ChannelRole.Parameter, ChannelRole.Producer, ChannelRole.Parameter, ChannelRole.Producer, ChannelRole.Parameter, ChannelRole.Consumer },
                group.Slices.Select(s => s.Role).ToArray(), group.Id);
            CollectionAssert.AreEqual(new long[] { 1, 1, 1, 32 }, group.ShapeConstants.Select(c => c.PerChannel).ToArray(), group.Id);
            Assert.IsTrue(group.ShapeConstants.All(c => c.Fixed == 0 && c.Index == 0), group.Id);
            Assert.IsTrue(group.Slices.All(s => model.GetInitializer(s.Tensor).Dims[s.Axis] == 384), group.Id);
        }
        var first = groups[0];
        Assert.AreEqual("927", first.Id);
        CollectionAssert.AreEqual(new[] { "927", "encoder.layer.0.attention.self.query.bias", "928", "encoder.layer.0.attention.self.key.bias",
            "931", "encoder.layer.0.attention.self.value.bias", "937" }, first.Slices.Select(s => s.Tensor).ToArray());
        // Q reshapes by Concat_75 (934 = 12), K by Concat_48 (929), V by Concat_62 (932); the context by Concat_96 (936 = 384).
        CollectionAssert.AreEqual(new[] { "934", "929", "932", "936" }, first.ShapeConstants.Select(c => c.Tensor).ToArray(), string.Join(", ", first.ShapeConstants));
        CollectionAssert.AreEqual(groups.Select(g => g.Id).Distinct().ToArray(), groups.Select(g => g.Id).ToArray());
        TestContext.WriteLine(first.Path);
    }

    [TestMethod]
    public void MiniLm_Layer0Head3Zeroed_ContextHeadExactlyZero()
    {
        var model = MiniLmModel.Load();
        var feeds = MiniLmFeeds();
        var group = AttentionHeads.Find(model, OrtProbe.Shapes(model, feeds)).Groups[0];
        Assert.AreEqual("927", group.Id);

        AssertContextHeadExactlyZero(model, group, feeds, head: 3);
    }

    [TestMethod]
    public void MiniLm_HeadsRemovedByHandInEveryLayer_MatchesMaskedModel()
    {
        var model = MiniLmModel.Load();
        var feeds = MiniLmFeeds();
        var groups = AttentionHeads.Find(model, OrtProbe.Shapes(model, feeds)).Groups;
        Assert.HasCount(6, groups);

        // Layer l loses heads l, l + 3 and 11 − l (three of twelve; different heads in each layer).
        var masked = model.Clone();
        var removed = model;
        for (int layer = 0; layer < groups.Count; layer++)
        {
            var keep = Enumerable.Repeat(true, 12).ToArray();
            foreach (int head in new[] { layer, layer + 3, 11 - layer })
            {
                keep[head] = false;
                ZeroHead(masked, groups[layer], head, ChannelRole.Producer, ChannelRole.Parameter, ChannelRole.Consumer);
            }
            removed = RemoveByHand(removed, groups[layer], keep);
        }

        string[] outputs = [MiniLmModel.HiddenStateOutput, MiniLmModel.PooledOutput];
        var expected = OrtProbe.Run(masked, feeds, outputs);
        var actual = OrtProbe.Run(removed, feeds, outputs);
        foreach (string output in outputs)
        {
            CollectionAssert.AreEqual(expected[output].Shape, actual[output].Shape, output);
            double maxDiff = expected[output].Values.Zip(actual[output].Values, (a, b) => Math.Abs(a - b)).Max();
            double scale = expected[output].Values.Max(Math.Abs);
            TestContext.WriteLine($"'{output}': max |removed − masked| = {maxDiff:G3} (max |masked| = {scale:G3})");
            Assert.IsLessThanOrEqualTo(1e-4 * scale, maxDiff, output);
        }
        Assert.AreEqual(9 * 32, removed.GetInitializer("927").Dims[1]);
    }

    // Zeroes the head's Q/K/V columns and biases; the output projection's input then holds exact zeros in that head's
    // block on every token (and the dense model does not, nor do the other heads).
    private void AssertContextHeadExactlyZero(OnnxModel model, ChannelGroup group, IReadOnlyList<NamedOnnxValue> feeds, int head)
    {
        var consumer = group.Slices.Single(s => s.Role == ChannelRole.Consumer);
        string context = model.Graph.Node.Single(n => model.GetNodeDisplayName(n) == consumer.Node).Input[0];
        var masked = model.Clone();
        ZeroHead(masked, group, head, ChannelRole.Producer, ChannelRole.Parameter);

        var dense = OrtProbe.Run(model, feeds, [context])[context];
        var zeroed = OrtProbe.Run(masked, feeds, [context])[context];
        long width = dense.Shape[^1], block = consumer.Block;
        Assert.AreEqual(group.Width * block, width);
        int inHead = 0, otherNonZero = 0, denseNonZero = 0;
        for (int i = 0; i < zeroed.Values.Length; i++)
        {
            bool isHead = i % width / block == head;
            if (!isHead)
            {
                if (zeroed.Values[i] != 0) otherNonZero++;
                continue;
            }
            Assert.AreEqual(0.0, zeroed.Values[i], $"'{context}' element {i} (head {head})");
            inHead++;
            if (dense.Values[i] != 0) denseNonZero++;
        }
        TestContext.WriteLine($"'{context}' {string.Join("×", dense.Shape)}: {inHead} elements of head {head} exactly 0 (dense: {denseNonZero} non-zero); other heads: {otherNonZero} non-zero");
        Assert.AreEqual(inHead, denseNonZero);
        Assert.AreEqual(zeroed.Values.Length - inHead, otherNonZero);
    }

    private static void ZeroHead(OnnxModel model, ChannelGroup group, int channel, params ChannelRole[] roles)
    {
        foreach (var slice in group.Slices.Where(s => roles.Contains(s.Role)))
        {
            var tensor = model.GetInitializer(slice.Tensor);
            float[] values = OnnxTensor.ToFloatArray(tensor);
            var (outer, length, inner) = Split(tensor.Dims, slice.Axis);
            long start = slice.Offset + (channel - slice.First) * slice.Block;
            for (long o = 0; o < outer; o++)
                for (long j = start; j < start + slice.Block; j++)
                    Array.Clear(values, (int)((o * length + j) * inner), (int)inner);
            OnnxTensor.SetFloats(tensor, values);
        }
    }

    // What physical removal does to this block (a test-only stand-in): keep the kept heads' blocks of every slice and lower every shape entry.
    private static OnnxModel RemoveByHand(OnnxModel model, ChannelGroup group, bool[] keep)
    {
        var result = model.Clone();
        foreach (var slice in group.Slices)
        {
            var tensor = result.GetInitializer(slice.Tensor);
            float[] values = OnnxTensor.ToFloatArray(tensor);
            var (outer, length, inner) = Split(tensor.Dims, slice.Axis);
            var kept = new List<float>();
            long keptLength = 0;
            for (long o = 0; o < outer; o++)
            {
                keptLength = 0;
                for (long j = 0; j < length; j++)
                {
                    long channel = j < slice.Offset ? -1 : slice.First + (j - slice.Offset) / slice.Block;
                    bool inSlice = channel >= slice.First && channel < slice.First + slice.Count;
                    if (inSlice && !keep[channel]) continue;
                    kept.AddRange(values.AsSpan((int)((o * length + j) * inner), (int)inner).ToArray());
                    keptLength++;
                }
            }
            long[] dims = [.. tensor.Dims];
            dims[slice.Axis] = keptLength;
            result.ReplaceInitializer(slice.Tensor, OnnxTensor.FromFloats(slice.Tensor, kept.ToArray(), dims));
        }
        foreach (var constant in group.ShapeConstants)
        {
            var tensor = result.GetInitializer(constant.Tensor);
            long[] values = OnnxTensor.ToInt64Array(tensor);
            values[constant.Index] = constant.Fixed + keep.Count(k => k) * constant.PerChannel;
            result.ReplaceInitializer(constant.Tensor, OnnxTensor.FromInt64s(constant.Tensor, values, [.. tensor.Dims]));
        }
        return result;
    }

    private static (long Outer, long Length, long Inner) Split(IReadOnlyList<long> dims, int axis)
    {
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= dims[i];
        for (int i = axis + 1; i < dims.Count; i++) inner *= dims[i];
        return (outer, dims[axis], inner);
    }

    private static List<NamedOnnxValue> SyntheticFeeds(bool perHeadMask = false)
    {
        var (x, xShape, mask, maskShape) = AttentionGraphs.Inputs(Batch, Sequence, perHeadMask);
        return
        [
            NamedOnnxValue.CreateFromTensor("x", new DenseTensor<float>(x, Array.ConvertAll(xShape, d => (int)d))),
            NamedOnnxValue.CreateFromTensor("mask", new DenseTensor<float>(mask, Array.ConvertAll(maskShape, d => (int)d))),
        ];
    }

    private static List<NamedOnnxValue> MiniLmFeeds()
    {
        const int length = 8;
        var (ids, mask, types) = MiniLmModel.Batch(Sentences, length);
        int[] dims = [Sentences.Length, length];
        return
        [
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor<long>(ids, dims)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor<long>(mask, dims)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor<long>(types, dims)),
        ];
    }
}
