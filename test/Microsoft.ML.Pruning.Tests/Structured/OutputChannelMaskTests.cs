using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class OutputChannelMaskTests
{
    [TestMethod]
    public void Apply_OutputGroupLosesChannels_TeacherOutputsZeroThereAndTheSameElsewhere()
    {
        // Gemm(transB=1) → Relu → Gemm → Softmax: Y's 3 columns; a hand-made group on fc2's outputs reaching Y (as if PruneOutputs).
        var model = TestGraphs.Mlp(inputs: 4, hidden: 5, outputs: 3);
        var group = new ChannelGroup("W2", ChannelGroupKind.Neuron, 3,
            [new ChannelSlice("W2", 1, 0, 1, 0, 3, ChannelRole.Producer, "fc2")],
            [new ChannelValue("Y", 1, 0, 1, 0, 3)], [], true, "fc2 → softmax");
        var shapes = new Dictionary<string, long[]> { ["Y"] = [2, 3] };

        var teacher = OutputChannelMask.Apply(model, [group], new Dictionary<string, bool[]> { ["W2"] = [true, false, true] }, shapes);

        float[] input = [0.5f, -1, 2, 0.25f, 1, 1, -0.5f, 0];
        float[] Run(Microsoft.ML.Pruning.Onnx.OnnxModel m)
        {
            using var session = new InferenceSession(m.ToBytes());
            using var x = OrtValue.CreateTensorValueFromMemory(input, [2, 4]);
            using var run = new RunOptions();
            using var outputs = session.Run(run, ["X"], [x], ["Y"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        float[] dense = Run(model), masked = Run(teacher);
        for (int r = 0; r < 2; r++)
        {
            Assert.AreEqual(dense[(r * 3) + 0], masked[(r * 3) + 0]);
            Assert.AreEqual(0f, masked[(r * 3) + 1]);
            Assert.AreEqual(dense[(r * 3) + 2], masked[(r * 3) + 2]);
        }
        Assert.AreEqual(model.Graph.Node.Count, model.Graph.Node.Count(), "the dense model is not modified");
        Assert.AreEqual(model.Graph.Node.Count + 1, teacher.Graph.Node.Count);
    }

    [TestMethod]
    public void Apply_NoOutputGroup_ReturnsTheModelItself()
    {
        var model = TestGraphs.Mlp();
        var group = new ChannelGroup("W1", ChannelGroupKind.Neuron, 5, [new ChannelSlice("W1", 0, 0, 1, 0, 5, ChannelRole.Producer, "fc1")], [], [], false, "fc1");

        Assert.AreSame(model, OutputChannelMask.Apply(model, [group], new Dictionary<string, bool[]> { ["W1"] = [true, false, true, true, true] }, new Dictionary<string, long[]>()));
    }
}
