using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.ML.Pruning.Stages;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using AttributeType = Microsoft.ML.Pruning.Onnx.Protobuf.AttributeProto.Types.AttributeType;

namespace Microsoft.ML.Pruning.Tests.Solvers;

/// <summary>
/// im2col for Conv reconstruction: patches · Wᵀ equals ONNX Runtime's convolution for every window attribute, positions
/// are sampled reproducibly, and the per-group Gram accumulation does not depend on how patches are chunked.
/// </summary>
[TestClass]
public sealed class ConvPatchesTests
{
    /// <summary>One Conv case: input [N, C, spatial…], weight [M, C/group, kernel…], and its window attributes.</summary>
    private sealed record Case(long[] Input, long Outputs, long Group, long[] Kernel, AttributeProto[] Attributes);

    private static readonly Dictionary<string, Case> Cases = new()
    {
        ["3x3 pads 1"] = new([2, 3, 6, 7], 4, 1, [3, 3], [Attr("pads", [1L, 1, 1, 1])]),
        ["stride 2, asymmetric pads"] = new([2, 3, 7, 8], 5, 1, [3, 3], [Attr("strides", [2L, 2]), Attr("pads", [0L, 2, 1, 0])]),
        ["dilation 2, 2x3 kernel"] = new([1, 2, 9, 9], 3, 1, [2, 3], [Attr("dilations", [2L, 2]), Attr("pads", [1L, 2, 1, 2])]),
        ["groups 2"] = new([2, 4, 6, 6], 6, 2, [3, 3], [Attr("group", 2L), Attr("pads", [1L, 0, 1, 0]), Attr("strides", [1L, 2])]),
        ["depthwise"] = new([2, 5, 7, 6], 5, 5, [3, 3], [Attr("group", 5L), Attr("pads", [1L, 1, 1, 1]), Attr("strides", [2L, 1])]),
        ["depthwise × 2, dilated"] = new([1, 3, 8, 8], 6, 3, [3, 3], [Attr("group", 3L), Attr("dilations", [2L, 1]), Attr("pads", [2L, 1, 2, 1])]),
        ["SAME_UPPER stride 2"] = new([2, 2, 7, 6], 3, 1, [4, 3], [Text("auto_pad", "SAME_UPPER"), Attr("strides", [2L, 2])]),
        ["SAME_LOWER stride 2"] = new([2, 2, 7, 6], 3, 1, [4, 3], [Text("auto_pad", "SAME_LOWER"), Attr("strides", [2L, 2])]),
        ["VALID, no attributes but auto_pad"] = new([1, 3, 5, 6], 2, 1, [2, 2], [Text("auto_pad", "VALID")]),
        ["1-D stride 2 pads"] = new([3, 4, 11], 5, 1, [3], [Attr("strides", [2L]), Attr("pads", [2L, 1])]),
        ["3-D groups 2 dilation"] = new([1, 4, 5, 6, 5], 4, 2, [2, 3, 2], [Attr("group", 2L), Attr("dilations", [1L, 2, 1]), Attr("pads", [1L, 0, 1, 0, 1, 0])]),
    };

    private static AttributeProto Text(string name, string value) => new() { Name = name, Type = AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static OnnxModel ConvModel(Case c)
    {
        long[] weight = [c.Outputs, c.Input[1] / c.Group, .. c.Kernel];
        var model = BuildModel(11, [Node("Conv", ["X", "W"], ["Y"], "conv", c.Attributes)], [Floats("W", weight, seed: 3)], ["X"], ["Y"]);
        return model;
    }

    private static float[] RandomInput(long[] shape, int seed)
    {
        var random = new Random(seed);
        var x = new float[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(random.NextDouble() * 2 - 1);
        return x;
    }

    private static (float[] Values, long[] Shape) RunOnnxRuntime(OnnxModel model, float[] x, long[] shape)
    {
        using var session = new InferenceSession(model.ToBytes());
        using var run = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(x, shape);
        using var outputs = session.Run(run, ["X"], [input], ["Y"]);
        return (outputs[0].GetTensorDataAsSpan<float>().ToArray(), outputs[0].GetTensorTypeAndShape().Shape);
    }

    [TestMethod]
    [DataRow("3x3 pads 1")]
    [DataRow("stride 2, asymmetric pads")]
    [DataRow("dilation 2, 2x3 kernel")]
    [DataRow("groups 2")]
    [DataRow("depthwise")]
    [DataRow("depthwise × 2, dilated")]
    [DataRow("SAME_UPPER stride 2")]
    [DataRow("SAME_LOWER stride 2")]
    [DataRow("VALID, no attributes but auto_pad")]
    [DataRow("1-D stride 2 pads")]
    [DataRow("3-D groups 2 dilation")]
    public void Unfold_PatchesTimesWeights_EqualOnnxRuntimeConvolution(string name)
    {
        var c = Cases[name];
        var model = ConvModel(c);
        var x = RandomInput(c.Input, seed: 11);
        var (expected, outputShape) = RunOnnxRuntime(model, x, c.Input);

        var weight = model.GetPrunableWeights().Single();
        var window = ConvGeometry.Read(model, weight).For(c.Input);
        CollectionAssert.AreEqual(outputShape[2..], window.Output[(3 - c.Kernel.Length)..], "output spatial size");
        var w = OnnxTensor.ToFloatArray(model.GetInitializer("W"));
        long perImage = window.PositionsPerImage, patch = window.PatchLength, outputsPerGroup = c.Outputs / c.Group;
        Assert.AreEqual(c.Input[1] / c.Group * c.Kernel.Aggregate(1L, (a, b) => a * b), patch);
        long[] positions = [.. Enumerable.Range(0, (int)(c.Input[0] * perImage)).Select(p => (long)p)];
        var rows = new float[positions.Length * patch];
        int compared = 0;
        for (int g = 0; g < c.Group; g++)
        {
            ConvPatches.Unfold(x, window, g, positions, rows);
            for (long n = 0; n < c.Input[0]; n++)
                for (long m = g * outputsPerGroup; m < (g + 1) * outputsPerGroup; m++)
                    for (long p = 0; p < perImage; p++)
                    {
                        double y = 0;
                        for (long k = 0; k < patch; k++) y += rows[((n * perImage + p) * patch) + k] * (double)w[(m * patch) + k];
                        float ort = expected[((n * c.Outputs + m) * perImage) + p];
                        Assert.AreEqual(ort, y, 1e-5 + 1e-5 * Math.Abs(ort), $"{name}: image {n}, output channel {m}, position {p}");
                        compared++;
                    }
        }
        Assert.AreEqual(expected.Length, compared, "every output compared");
    }

    [TestMethod]
    public void Unfold_ChosenPositionsInAnyOrder_GiveThoseRows()
    {
        var c = Cases["stride 2, asymmetric pads"];
        var model = ConvModel(c);
        var x = RandomInput(c.Input, seed: 5);
        var window = ConvGeometry.Read(model, model.GetPrunableWeights().Single()).For(c.Input);
        long patch = window.PatchLength;
        long[] all = [.. Enumerable.Range(0, (int)(c.Input[0] * window.PositionsPerImage)).Select(p => (long)p)];
        var full = new float[all.Length * patch];
        ConvPatches.Unfold(x, window, 0, all, full);
        long[] chosen = [all[^1], 3, 0, all[^1] - 7];
        var rows = new float[chosen.Length * patch];
        ConvPatches.Unfold(x, window, 0, chosen, rows);
        for (int r = 0; r < chosen.Length; r++)
            CollectionAssert.AreEqual(full.AsSpan((int)(chosen[r] * patch), (int)patch).ToArray(), rows.AsSpan((int)(r * patch), (int)patch).ToArray(), $"row {r}");
    }

    [TestMethod]
    public void Geometry_KernelShapeDifferentFromWeight_ThrowsNamingNode()
    {
        var model = BuildModel(11, [Node("Conv", ["X", "W"], ["Y"], "conv7", Attr("kernel_shape", [5L, 5]))], [Floats("W", [2, 3, 3, 3], seed: 1)], ["X"], ["Y"]);
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ConvGeometry.Read(model, model.GetPrunableWeights().Single()));
        StringAssert.Contains(ex.Message, "conv7");
        StringAssert.Contains(ex.Message, "kernel_shape");
    }

    [TestMethod]
    public void Geometry_InputWithOtherChannelCount_ThrowsNamingNode()
    {
        var model = ConvModel(Cases["groups 2"]);
        var geometry = ConvGeometry.Read(model, model.GetPrunableWeights().Single());
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => geometry.For([2, 6, 6, 6]));
        StringAssert.Contains(ex.Message, "conv");
        StringAssert.Contains(ex.Message, "6 channels");
    }

    [TestMethod]
    public void Sampler_ManyPositions_DrawsDistinctSortedAndReproducible()
    {
        var sampler = new ConvPositionSampler(16, seed: 9);
        var first = new List<long>();
        sampler.Sample("conv1.weight", row: 4, image: 2, perImage: 100, first);
        Assert.HasCount(16, first);
        Assert.HasCount(16, first.Distinct().ToList());
        CollectionAssert.AreEqual(first.Order().ToList(), first, "increasing");
        Assert.IsTrue(first.All(p => p >= 200 && p < 300), "image 2's positions");

        var again = new List<long>();
        new ConvPositionSampler(16, seed: 9).Sample("conv1.weight", 4, 2, 100, again);
        CollectionAssert.AreEqual(first, again, "same seed, layer and row: same positions");
        var otherRow = new List<long>();
        sampler.Sample("conv1.weight", 5, 2, 100, otherRow);
        CollectionAssert.AreNotEqual(first, otherRow, "another row draws other positions");
        var otherSeed = new List<long>();
        new ConvPositionSampler(16, seed: 10).Sample("conv1.weight", 4, 2, 100, otherSeed);
        CollectionAssert.AreNotEqual(first, otherSeed, "another seed draws other positions");

        var few = new List<long>();
        sampler.Sample("conv1.weight", 4, 1, 10, few);
        CollectionAssert.AreEqual(Enumerable.Range(10, 10).Select(p => (long)p).ToList(), few, "an image with fewer positions gives all");
    }

    [TestMethod]
    public void Accumulator_SmallChunks_GiveTheSameGramAsOneChunkAndAsExplicitPatches()
    {
        var c = Cases["groups 2"];
        var model = ConvModel(c);
        var weight = model.GetPrunableWeights().Single();
        var geometry = ConvGeometry.Read(model, weight);
        var x = RandomInput(c.Input, seed: 21);
        var whole = new ConvGramAccumulator(geometry, ConvPositionSampler.All);
        var chunked = new ConvGramAccumulator(geometry, ConvPositionSampler.All, chunkBytes: 500);
        foreach (var accumulator in new[] { whole, chunked })
        {
            accumulator.Add(x, c.Input, "X", 0);
            accumulator.Add(x, c.Input, "X", (int)c.Input[0]);
        }
        var a = whole.Build()!;
        var b = chunked.Build()!;
        var window = geometry.For(c.Input);
        long count = c.Input[0] * window.PositionsPerImage;
        Assert.AreEqual(2 * count, a.PatchRows);
        Assert.AreEqual(a.PatchRows, a.Positions);
        Assert.IsNull(a.SamplingNote);
        Assert.HasCount(2, a.Groups);
        long[] positions = [.. Enumerable.Range(0, (int)count).Select(p => (long)p)];
        var rows = new float[2 * count * window.PatchLength];
        for (int g = 0; g < 2; g++)
        {
            ConvPatches.Unfold(x, window, g, positions, rows);
            ConvPatches.Unfold(x, window, g, positions, rows.AsSpan((int)(count * window.PatchLength)));
            var direct = GramMatrix.FromCalibrationRows(rows, (int)(2 * count), (int)window.PatchLength);
            for (int i = 0; i < direct.Size; i++)
                for (int j = 0; j < direct.Size; j++)
                {
                    Assert.AreEqual(direct[i, j], a.Groups[g][i, j], 1e-9 * (1 + Math.Abs(direct[i, j])), $"group {g} [{i}, {j}] one chunk");
                    Assert.AreEqual(a.Groups[g][i, j], b.Groups[g][i, j], 1e-9 * (1 + Math.Abs(direct[i, j])), $"group {g} [{i}, {j}] small chunks");
                }
        }
    }

    [TestMethod]
    public void Accumulator_Sampling_UsesAtMostThePositionsAskedAndSaysSo()
    {
        var c = Cases["3x3 pads 1"];
        var model = ConvModel(c);
        var accumulator = new ConvGramAccumulator(ConvGeometry.Read(model, model.GetPrunableWeights().Single()), new ConvPositionSampler(10, seed: 1));
        accumulator.Add(RandomInput(c.Input, 2), c.Input, "X", 0);
        var gram = accumulator.Build()!;
        Assert.AreEqual(2 * 10, gram.PatchRows);
        Assert.AreEqual(2 * 6 * 7, gram.Positions);
        Assert.AreEqual(20, gram.Groups[0].CalibrationRows);
        StringAssert.Contains(gram.SamplingNote, "subsampled");
        StringAssert.Contains(gram.SamplingNote, "20 of 84");
    }

    [TestMethod]
    public void Accumulator_NonFiniteInput_ThrowsNamingLayerAndCalibrationRow()
    {
        var c = Cases["3x3 pads 1"];
        var model = ConvModel(c);
        var accumulator = new ConvGramAccumulator(ConvGeometry.Read(model, model.GetPrunableWeights().Single()), ConvPositionSampler.All);
        var x = RandomInput(c.Input, 2);
        x[x.Length - 3] = float.NaN; // the second image of a batch whose first row is calibration row 40
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => accumulator.Add(x, c.Input, "X", 40));
        StringAssert.Contains(ex.Message, "'W'");
        StringAssert.Contains(ex.Message, "calibration row 41");
    }
}
