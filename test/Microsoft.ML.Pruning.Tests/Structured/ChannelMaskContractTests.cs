using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Structured;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;
using static Microsoft.ML.Pruning.Tests.Structured.StructuredTestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>
/// The contract removal rests on: zeroing the Producer, Consumer and Parameter slices of removed channels makes those
/// channels exactly 0 in the group's values, checked in ONNX Runtime on random inputs.
/// </summary>
[TestClass]
public sealed class ChannelMaskContractTests
{
    [TestMethod]
    public void MaskedSlices_RandomChannelsOfEveryGroup_AreExactlyZeroInTheirValues()
    {
        var model = Build(
            [
                Node("Conv", ["X", "W0", "B0"], ["C0"], "conv0", Attr("pads", new long[] { 1, 1, 1, 1 })),
                Node("BatchNormalization", ["C0", "s0", "b0", "m0", "v0"], ["N0"], "bn0"),
                Node("Relu", ["N0"], ["R0"], "relu0"),
                Node("Conv", ["R0", "W1"], ["C1"], "conv1", Attr("pads", new long[] { 1, 1, 1, 1 })),
                Node("Add", ["C1", "R0"], ["S1"], "residual"),
                Node("Relu", ["S1"], ["R1"], "relu1"),
                Node("MaxPool", ["R1"], ["P1"], "pool", Attr("kernel_shape", new long[] { 2, 2 }), Attr("strides", new long[] { 2, 2 })),
                Node("Conv", ["P1", "WD", "BD"], ["D1"], "depthwise", Attr("group", 8L), Attr("pads", new long[] { 1, 1, 1, 1 })),
                Node("Mul", ["D1", "scale"], ["M1"], "scale"),
                Node("Add", ["M1", "shift"], ["A1"], "shift"),
                Node("Conv", ["A1", "W2"], ["C2"], "conv2"),
                Node("Sigmoid", ["C2"], ["G2"], "sigmoid"),
                Node("Mul", ["C2", "G2"], ["S2"], "silu"),
                Node("Flatten", ["S2"], ["F2"], "flatten"),
                Node("Gemm", ["F2", "WG", "BG"], ["H"], "fc1"),
                Node("Div", ["H", "sqrt2"], ["H1"], "div"),
                Node("Erf", ["H1"], ["H2"], "erf"),
                Node("Add", ["H2", "one"], ["H3"], "add_one"),
                Node("Mul", ["H", "H3"], ["H4"], "mul"),
                Node("Mul", ["H4", "half"], ["H5"], "mul_half"),
                Node("Gemm", ["H5", "WO"], ["Y"], "fc2"),
            ],
            [
                Floats("W0", [8, 3, 3, 3], 1), Floats("B0", [8], 2), Floats("s0", [8], 3), Floats("b0", [8], 4), Floats("m0", [8], 5),
                OnnxTensor.FromFloats("v0", Enumerable.Repeat(0.5f, 8).ToArray(), [8]),
                Floats("W1", [8, 8, 3, 3], 6), Floats("WD", [8, 1, 3, 3], 7), Floats("BD", [8], 8), Floats("scale", [8, 1, 1], 9), Floats("shift", [1, 8, 1, 1], 10),
                Floats("W2", [6, 8, 1, 1], 11), Floats("WG", [54, 10], 12), Floats("BG", [10], 13), Floats("WO", [10, 3], 14),
                Scalar("sqrt2", 1.4142135f), Scalar("one", 1f), Scalar("half", 0.5f),
            ],
            [("X", [2, 3, 6, 6])], ["Y"]);
        var graph = Analyze(model);
        CollectionAssert.AreEqual(new[] { "W0", "W2", "WG" }, graph.Groups.Select(g => g.Id).ToArray(), StructuredTestGraphs.Describe(graph.Unprunable));

        var random = new Random(11);
        var masked = model.Clone();
        var removed = new Dictionary<string, int[]>();
        foreach (var group in graph.Groups)
        {
            removed[group.Id] = Enumerable.Range(0, group.Width).Where(_ => random.Next(2) == 0).DefaultIfEmpty(0).ToArray();
            foreach (var slice in group.Slices.Where(s => s.Role != ChannelRole.Statistic))
            {
                var tensor = masked.GetInitializer(slice.Tensor);
                var values = OnnxTensor.ToFloatArray(tensor);
                ForEachElement([.. tensor.Dims], slice.Axis, slice.Offset, slice.Block, slice.First, slice.Count, removed[group.Id], i => values[i] = 0);
                OnnxTensor.SetFloats(tensor, values);
            }
        }

        var outputs = RunAllValues(masked, Floats("x", [2, 3, 6, 6], 99, 2f));
        // Values an element-wise op made non-zero on purpose (σ(0), erf(0) + 1) before a Mul makes them 0 again.
        var notZero = new HashSet<string> { "G2", "H3" };
        int checkedValues = 0;
        foreach (var group in graph.Groups)
            foreach (var value in group.Values.Where(v => !notZero.Contains(v.Value)))
            {
                var (data, shape) = outputs[value.Value];
                ForEachElement(shape, value.Axis, value.Offset, value.Block, value.First, value.Count, removed[group.Id], i =>
                {
                    if (data[i] != 0) Assert.Fail($"Group {group.Id}: {value.Value}[{i}] = {data[i]} at a removed channel.");
                });
                checkedValues++;
            }
        Assert.IsGreaterThanOrEqualTo(14, checkedValues);
        // The kept channels are not all 0 (the check above is not vacuous).
        Assert.IsTrue(outputs["R1"].Data.Any(v => v != 0));
    }

    /// <summary>Calls <paramref name="visit"/> with the flat index of every element of the listed group channels.</summary>
    private static void ForEachElement(long[] shape, int axis, long offset, long block, int first, int count, int[] channels, Action<long> visit)
    {
        long outer = shape.Take(axis).Aggregate(1L, (a, b) => a * b);
        long inner = shape.Skip(axis + 1).Aggregate(1L, (a, b) => a * b);
        foreach (int c in channels.Where(c => c >= first && c < first + count))
            for (long o = 0; o < outer; o++)
                for (long e = 0; e < block; e++)
                {
                    long start = ((o * shape[axis]) + offset + (c - first) * block + e) * inner;
                    for (long i = 0; i < inner; i++) visit(start + i);
                }
    }

    private static Dictionary<string, (float[] Data, long[] Shape)> RunAllValues(OnnxModel model, TensorProto input)
    {
        var copy = model.Clone();
        var names = copy.Graph.Node.SelectMany(n => n.Output).Where(o => !copy.IsGraphOutput(o)).ToList();
        foreach (string name in names) copy.Graph.Output.Add(Value(name, Float));
        names.AddRange(model.Graph.Output.Select(o => o.Name));
        using var session = new InferenceSession(copy.ToBytes());
        using var x = OrtValue.CreateTensorValueFromMemory(OnnxTensor.ToFloatArray(input), [.. input.Dims]);
        using var run = new RunOptions();
        using var results = session.Run(run, ["X"], [x], names);
        return names.Select((n, i) => (n, results[i])).ToDictionary(p => p.n, p => (p.Item2.GetTensorDataAsSpan<float>().ToArray(), p.Item2.GetTensorTypeAndShape().Shape));
    }
}
