using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Microsoft.ML.Pruning.Tests.RealModels;

/// <summary>
/// The engine on ML.NET's ResNet18 featurizer (Conv with asymmetric pads, BatchNormalization, MaxPool with
/// asymmetric pads, AveragePool, residual Adds): forward equals ONNX Runtime at any batch size, gradients equal
/// finite differences, and training mode updates the running statistics that WriteBack writes into the model.
/// </summary>
[TestClass]
public sealed class ResNet18Tests
{
    /// <summary>Per element: |engine − ORT| ≤ 1e-4 · |ORT| + 1e-4 · mean |ORT| (the floor covers outputs near zero).</summary>
    private const double RelativeTolerance = 1e-4;

    private static OnnxModel s_model = null!;
    private static OnnxTorchModule s_module = null!;
    private static InferenceSession s_session = null!;

    public TestContext TestContext { get; set; } = null!;

    [ClassInitialize]
    public static void LoadModel(TestContext context)
    {
        s_model = ResNet18Model.Load();
        s_module = new OnnxTorchModule(s_model);
        s_module.eval();
        s_session = new InferenceSession(ResNet18Model.FilePath);
    }

    [ClassCleanup]
    public static void Release()
    {
        s_module?.Dispose();
        s_session?.Dispose();
    }

    [TestMethod]
    public void Forward_EvalBatch1_EqualsOnnxRuntime()
    {
        var image = ResNet18Model.RandomImages(1, seed: 18);
        var expected = RunOnnxRuntime(image);
        var actual = RunEngine(s_module, image, batch: 1);
        AssertClose(expected, actual, "batch 1");
    }

    [TestMethod]
    public void Forward_EvalBatch3_EqualsThreeBatch1OnnxRuntimeRuns()
    {
        const int batch = 3;
        var images = ResNet18Model.RandomImages(batch, seed: 33);
        var actual = RunEngine(s_module, images, batch);
        int imageSize = images.Length / batch, outputSize = actual.Length / batch;
        Assert.AreEqual(512, outputSize, "one 512-feature vector per image");
        for (int b = 0; b < batch; b++)
        {
            var expected = RunOnnxRuntime(images.AsSpan(b * imageSize, imageSize).ToArray());
            AssertClose(expected, actual.AsSpan(b * outputSize, outputSize).ToArray(), $"image {b} of batch {batch}");
        }
    }

    /// <summary>
    /// In double precision (the module converted with <c>to(Float64)</c>), d loss / d w from backward equals central
    /// differences (step 1e-6; at 1e-4 ReLU and max-pool kinks already move them by 0.3 %) for a first-layer and a
    /// last-block Conv weight element in eval mode (running statistics) at batch 1, and a BatchNormalization scale in
    /// training mode (batch statistics) at batch 2. The loss, Σ output · r for a
    /// fixed random r, is linear in the output so every feature contributes.
    /// </summary>
    [TestMethod]
    [DataRow(false, 1)]
    [DataRow(true, 2)]
    public void Backward_ConvWeightsAndBatchNormScales_MatchFiniteDifferences(bool training, int batch)
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(s_model);
        module.to(ScalarType.Float64);
        module.train(training);
        var x = torch.tensor(ResNet18Model.RandomImages(batch, seed: 7), [batch, 3, 224, 224]).to(ScalarType.Float64);
        var r = torch.randn([batch, 512, 1, 1], ScalarType.Float64, generator: new torch.Generator(5));
        Tensor Loss() => module.forward(x).mul(r).sum();

        Loss().backward();

        var convs = s_model.Graph.Node.Where(n => n.OpType == "Conv").ToList();
        var norms = s_model.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToList();
        string[] probes = training
            ? [norms[2].Input[1]] // float64 convolutions are slow: one probe of the batch-statistics path
            : [convs[0].Input[1], convs[^1].Input[1]];
        foreach (string name in probes)
        {
            var parameter = module.GetParameter(name);
            var grad = parameter.grad!;
            long flat = grad.abs().flatten().argmax().item<long>(); // the element that matters most: a probe far from noise
            double analytic = grad.flatten()[flat].item<double>();
            double numeric = CentralDifference(parameter, flat, Loss, step: 1e-6);
            TestContext.WriteLine($"{(training ? "train" : "eval")}, batch {batch}: d loss / d {name}[{flat}] backward {analytic:G8}, central difference {numeric:G8}");
            Assert.AreNotEqual(0.0, analytic, $"the gradient of {name} must not vanish");
            Assert.AreEqual(numeric, analytic, 1e-5 * Math.Abs(numeric), $"d loss / d {name}[{flat}] ({(training ? "training" : "eval")} mode)");
        }
    }

    /// <summary>
    /// The running mean and variance are module state: not parameters (no gradient, not in parameters()); training
    /// mode updates them as PyTorch does, with ONNX's momentum (running·m + batch·(1 − m), unbiased batch
    /// variance), and WriteBack writes them into the model.
    /// </summary>
    [TestMethod]
    public void TrainMode_Forward_UpdatesRunningStatisticsThatWriteBackWrites()
    {
        var model = ResNet18Model.Load();
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        var norms = model.Graph.Node.Where(n => n.OpType == "BatchNormalization").ToList();
        Assert.HasCount(44, module.StateNames, "running mean and variance of 22 BatchNormalization nodes");
        CollectionAssert.AreEquivalent(norms.SelectMany(n => new[] { n.Input[3], n.Input[4] }).ToList(), module.StateNames.ToList());
        Assert.HasCount(66, module.ParameterNames, "22 Conv weights, 22 BatchNormalization scales and biases");
        Assert.IsEmpty(module.ParameterNames.Intersect(module.StateNames).ToList());
        Assert.HasCount(66, module.parameters().ToList(), "the optimizer sees parameters only");

        var first = norms[0];
        var convolution = model.Graph.Node.Single(n => n.Output.Contains(first.Input[0]));
        double momentum = first.Attribute.Single(a => a.Name == "momentum").F;
        string meanName = first.Input[3], varName = first.Input[4];
        var meanBefore = module.GetState(meanName).clone();
        var varBefore = module.GetState(varName).clone();

        const int batch = 2;
        var x = torch.tensor(ResNet18Model.RandomImages(batch, seed: 99), [batch, 3, 224, 224]);
        module.train();
        using (no_grad()) module.forward(x);

        // The first BatchNormalization's input, computed here without the engine: pads [3, 3, 2, 2] (begin h, w; end h, w).
        Assert.AreEqual("Conv", convolution.OpType);
        var conv = F.conv2d(F.pad(x, [3, 2, 3, 2]), module.GetParameter(convolution.Input[1]).detach(), strides: [2, 2]);
        var batchMean = conv.mean([0, 2, 3]).to(ScalarType.Float64);
        var batchVar = conv.var([0, 2, 3], unbiased: true).to(ScalarType.Float64);
        var expectedMean = meanBefore.to(ScalarType.Float64) * momentum + batchMean * (1 - momentum);
        var expectedVar = varBefore.to(ScalarType.Float64) * momentum + batchVar * (1 - momentum);
        var mean = module.GetState(meanName).to(ScalarType.Float64);
        var variance = module.GetState(varName).to(ScalarType.Float64);
        Assert.IsTrue(mean.allclose(expectedMean, rtol: 1e-5, atol: 1e-6), $"running mean: max difference {(mean - expectedMean).abs().max().item<double>():G3}");
        Assert.IsTrue(variance.allclose(expectedVar, rtol: 1e-5, atol: 1e-6), $"running variance: max difference {(variance - expectedVar).abs().max().item<double>():G3}");
        Assert.IsFalse(mean.allclose(meanBefore.to(ScalarType.Float64)), "a training-mode forward must move the running mean");
        Assert.IsNull(module.GetState(meanName).grad);

        module.WriteBack(model);
        var written = OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == meanName));
        CollectionAssert.AreEqual(module.GetState(meanName).data<float>().ToArray(), written, "WriteBack writes the running mean");
        var writtenVar = OnnxTensor.ToFloatArray(model.Graph.Initializer.Single(t => t.Name == varName));
        CollectionAssert.AreEqual(module.GetState(varName).data<float>().ToArray(), writtenVar, "WriteBack writes the running variance");

        // Eval mode reads the statistics and leaves them alone.
        var frozen = module.GetState(meanName).clone();
        module.eval();
        using (no_grad()) module.forward(x);
        Assert.IsTrue(module.GetState(meanName).eq(frozen).all().item<bool>(), "eval mode must not update running statistics");
    }

    /// <summary>Pruning sees the 22 Conv weights of ResNet18 (channel granularity prunes along their output axis).</summary>
    [TestMethod]
    public void GetPrunableWeights_ResNet18_ReportsEveryConvWeight()
    {
        var weights = s_model.GetPrunableWeights();
        var convWeights = s_model.Graph.Node.Where(n => n.OpType == "Conv").Select(n => n.Input[1]).ToList();
        Assert.HasCount(22, convWeights);
        CollectionAssert.AreEquivalent(convWeights, weights.Select(w => w.Name).ToList());
        Assert.IsTrue(weights.All(w => w.Role == PrunableWeightRole.ConvWeight && w.OutputAxis == 0));
    }

    private static double CentralDifference(TorchSharp.Modules.Parameter parameter, long flatIndex, Func<Tensor> loss, double step)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = parameter.view(-1);
        double original = flat[flatIndex].item<double>();
        flat[flatIndex] = torch.tensor(original + step, ScalarType.Float64);
        double plus = loss().item<double>();
        flat[flatIndex] = torch.tensor(original - step, ScalarType.Float64);
        double minus = loss().item<double>();
        flat[flatIndex] = torch.tensor(original, ScalarType.Float64);
        return (plus - minus) / (2 * step);
    }

    private void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.HasCount(expected.Length, actual, $"{what}: output sizes differ");
        double scale = expected.Average(v => Math.Abs((double)v));
        double maxAbs = 0, maxRelative = 0;
        int worst = -1;
        double worstRatio = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs((double)actual[i] - expected[i]);
            maxAbs = Math.Max(maxAbs, difference);
            if (expected[i] != 0) maxRelative = Math.Max(maxRelative, difference / Math.Abs(expected[i]));
            double ratio = difference / (RelativeTolerance * (Math.Abs(expected[i]) + scale));
            if (ratio > worstRatio) (worst, worstRatio) = (i, ratio);
        }
        TestContext.WriteLine($"{what}: max |engine − ORT| = {maxAbs:G3}, max relative {maxRelative:G3}, mean |ORT| = {scale:G3}, worst element at {worstRatio:P0} of its tolerance");
        Assert.IsLessThanOrEqualTo(1.0, worstRatio, $"{what}: element {worst} is {actual[Math.Max(0, worst)]:R}, ORT gives {expected[Math.Max(0, worst)]:R}");
        Assert.IsGreaterThan(0.0, scale, "ORT's output must not be all zeros");
    }

    private static float[] RunOnnxRuntime(float[] image)
    {
        using var run = new RunOptions();
        using var input = OrtValue.CreateTensorValueFromMemory(image, [1, 3, 224, 224]);
        using var outputs = s_session.Run(run, [ResNet18Model.InputName], [input], [ResNet18Model.OutputName]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static float[] RunEngine(OnnxTorchModule module, float[] images, int batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = torch.tensor(images, [batch, 3, 224, 224]);
        var y = module.forward(x);
        CollectionAssert.AreEqual(new long[] { batch, 512, 1, 1 }, y.shape, "output shape");
        return y.contiguous().data<float>().ToArray();
    }
}
