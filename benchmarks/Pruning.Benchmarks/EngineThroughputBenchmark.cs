using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// engine-throughput: training samples per second on two PyTorch-exported CNNs (LeNet-5 and the small ResNet with a
/// depthwise block, <c>real_models.py</c>): the engine (<see cref="OnnxTorchModule"/> running the ONNX file) against a
/// hand-built TorchSharp module of the same layers holding the same weights (<see cref="HandBuiltModules"/>), both in
/// one process in alternating blocks of steps on the same batches; and PyTorch (the peer) on those batches. Target
/// (issue 8): the engine at ≥ 0.9× the hand-built module.
/// </summary>
internal static class EngineThroughputBenchmark
{
    private sealed record ModelResult(
        string Model, RealModels.Export Export, double EngineAccuracy, double FirstLossEngine, double FirstLossHandBuilt,
        Samples EngineMs, Samples HandBuiltMs, Samples Ratio, JsonElement Peer);

    public static string Run(BenchmarkArguments args)
    {
        string[] models = args.String("models", "lenet5,resnet").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        int lenetEpochs = args.Int("lenet5-epochs", 10);
        int resnetEpochs = args.Int("resnet-epochs", 5);
        int batch = args.Int("batch", 128);
        int block = args.Int("block", 20);
        int blocks = args.Int("blocks", 20);
        int warmup = args.Int("warmup", 20);
        int peerBlocks = args.Int("peer-blocks", 5);
        int seed = args.Int("seed", 1, min: 0);
        string data = args.String("data", FashionMnist.DebianFolder);
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "engine-throughput")));
        string cache = Path.GetFullPath(args.String("cache", RealModels.DefaultCache));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript("real_models.py"));
        args.ThrowIfUnknown();
        foreach (string m in models)
            if (m is not ("lenet5" or "resnet")) throw new ArgumentException($"--models takes lenet5 and resnet; got '{m}'.");
        Directory.CreateDirectory(output);
        int threads = get_num_threads();

        var train = RealModels.Read(data, "train");
        var test = RealModels.Read(data, "t10k");
        var order = Enumerable.Range(0, train.Count).ToArray();
        new Random(seed).Shuffle(order);
        string ordersPath = Path.Combine(output, "order.int32");
        RealModels.WriteOrders(ordersPath, [order]);

        var results = new List<ModelResult>();
        foreach (string model in models)
        {
            var export = RealModels.Ensure(model, model == "lenet5" ? lenetEpochs : resnetEpochs, seed, python, peer, cache, data, threads);
            var onnx = OnnxModel.Load(export.OnnxPath);
            double engineAccuracy = EngineAccuracy(onnx, test);
            Format.Progress($"{model}: engine test accuracy (eval mode) {engineAccuracy:P2}, PyTorch's {export.Accuracy:P2}.");
            var (firstEngine, firstHandBuilt, engineMs, handBuiltMs, ratio) = TorchRetry.Run($"{model} blocks",
                () => Interleaved(onnx, model, train, order, batch, block, blocks, warmup));
            Format.Progress($"{model}: engine {engineMs.Median:F2} ms/step, hand-built {handBuiltMs.Median:F2} ms/step, ratio {ratio.Median:P1}.");
            using var peerRun = PythonPeer.Run(python, peer,
            [
                "throughput", "--model", model, "--onnx", export.OnnxPath, "--orders", ordersPath, "--batch", Invariant(batch),
                "--steps", Invariant(block), "--warmup", Invariant(warmup), "--rounds", Invariant(peerBlocks), "--data", data,
                "--threads", Invariant(threads),
            ], Path.Combine(output, $"torch-peer-{model}.json"));
            results.Add(new ModelResult(model, export, engineAccuracy, firstEngine, firstHandBuilt, engineMs, handBuiltMs, ratio, peerRun.RootElement.Clone()));
        }
        return Report(args, results, batch, block, blocks, warmup, peerBlocks);
    }

    /// <summary>Test accuracy of the engine running the file in eval mode (BatchNormalization on its running statistics).</summary>
    private static double EngineAccuracy(OnnxModel onnx, RealModels.Images test)
    {
        using var module = new OnnxTorchModule(onnx, CPU);
        module.eval();
        int correct = 0;
        const int Batch = 1000;
        for (int start = 0; start < test.Count; start += Batch)
        {
            int count = Math.Min(Batch, test.Count - start);
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            var x = torch.tensor(test.Pixels.AsSpan(start * FashionMnist.Pixels, count * FashionMnist.Pixels).ToArray(), [count, .. RealModels.ImageShape]);
            var predicted = module.forward(x).argmax(1).data<long>().ToArray();
            for (int r = 0; r < count; r++) correct += predicted[r] == test.Labels[start + r] ? 1 : 0;
        }
        return (double)correct / test.Count;
    }

    /// <summary>
    /// Both networks in one loop from the same weights, alternating blocks of <paramref name="block"/> steps (the order
    /// flips every block), each side with its own optimizer (the training loop's Adam, <see cref="GradientOptimizer"/>).
    /// A step is the loop's per-step work: gather the batch, forward, cross-entropy, zero_grad, backward, Adam step,
    /// ApplyMasks (engine; no masks are set), loss.item(). Returns the loss of the first step on each side (same
    /// weights, same batch: equal up to float rounding), ms/step per block, and per-block hand-built / engine time.
    /// </summary>
    private static (double FirstEngine, double FirstHandBuilt, Samples EngineMs, Samples HandBuiltMs, Samples Ratio) Interleaved(
        OnnxModel onnx, string model, RealModels.Images train, int[] order, int batch, int block, int blocks, int warmup)
    {
        using var engine = new OnnxTorchModule(onnx, CPU);
        using var handBuilt = HandBuiltModules.Build(model, onnx);
        engine.train();
        handBuilt.train();
        var settings = new TrainingSettings { BatchSize = batch, LearningRate = 1e-3, Optimizer = TrainingOptimizer.Adam, Loss = TrainingLoss.CrossEntropy };
        using var engineOptimizer = new GradientOptimizer(engine.parameters(), settings);
        using var handBuiltOptimizer = new GradientOptimizer(handBuilt.parameters(), settings);
        double Step(bool engineSide, int start)
        {
            using var scope = NewDisposeScope();
            var (x, y) = Gather(train, order, start, batch);
            var logits = engineSide ? engine.forward(x) : handBuilt.forward(x);
            var loss = nn.functional.cross_entropy(logits, y);
            var optimizer = engineSide ? engineOptimizer : handBuiltOptimizer;
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
            if (engineSide) engine.ApplyMasks();
            return loss.item<float>();
        }

        double firstEngine = Step(true, 0), firstHandBuilt = Step(false, 0);
        for (int k = 1; k < warmup; k++)
        {
            Step(true, k * batch);
            Step(false, k * batch);
        }
        int position = warmup * batch;

        var engineMs = new Samples();
        var handBuiltMs = new Samples();
        var ratio = new Samples();
        for (int b = 0; b < blocks; b++)
        {
            double engineSeconds = 0, handBuiltSeconds = 0;
            foreach (bool engineSide in b % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var watch = Stopwatch.StartNew();
                for (int k = 0; k < block; k++) Step(engineSide, position + k * batch);
                if (engineSide) engineSeconds = watch.Elapsed.TotalSeconds;
                else handBuiltSeconds = watch.Elapsed.TotalSeconds;
            }
            position += block * batch;
            engineMs.Add(1000 * engineSeconds / block);
            handBuiltMs.Add(1000 * handBuiltSeconds / block);
            ratio.Add(handBuiltSeconds / engineSeconds);
        }
        return (firstEngine, firstHandBuilt, engineMs, handBuiltMs, ratio);
    }

    /// <summary>Rows order[start .. start + count) (wrapping around) as [count, 1, 28, 28] images and int64 labels.</summary>
    private static (Tensor X, Tensor Y) Gather(RealModels.Images data, int[] order, int start, int count)
    {
        const int Width = FashionMnist.Pixels;
        var features = new float[count * Width];
        var labels = new long[count];
        for (int r = 0; r < count; r++)
        {
            int row = order[(start + r) % order.Length];
            data.Pixels.AsSpan(row * Width, Width).CopyTo(features.AsSpan(r * Width, Width));
            labels[r] = data.Labels[row];
        }
        return (torch.tensor(features, [count, .. RealModels.ImageShape]), torch.tensor(labels, [count]));
    }

    private static string Report(BenchmarkArguments args, List<ModelResult> results, int batch, int block, int blocks, int warmup, int peerBlocks)
    {
        var table = new MarkdownTable("model", "engine ms/step", "hand-built ms/step", "engine samples/s", "hand-built samples/s",
            "PyTorch samples/s", "engine / hand-built (median, quartiles)", "target ≥ 90 %");
        foreach (var r in results)
        {
            double peerRate = r.Peer.GetProperty("median_samples_per_second").GetDouble();
            table.Add(r.Model, $"{r.EngineMs.Median:F2}", $"{r.HandBuiltMs.Median:F2}", $"{1000 * batch / r.EngineMs.Median:N0}",
                $"{1000 * batch / r.HandBuiltMs.Median:N0}", $"{peerRate:N0}",
                $"{r.Ratio.Median:P1} ({Quantile(r.Ratio, 0.25):P1}–{Quantile(r.Ratio, 0.75):P1})", r.Ratio.Median >= 0.9 ? "met" : "missed");
        }
        var checks = new MarkdownTable("model", "ops in the file", "parameters", "PyTorch test accuracy", "engine test accuracy (eval)",
            "first-step loss engine / hand-built / PyTorch");
        foreach (var r in results)
            checks.Add(r.Model, string.Join(", ", r.Export.Ops), $"{r.Export.Parameters:N0}", Format.Percent(r.Export.Accuracy), Format.Percent(r.EngineAccuracy),
                $"{r.FirstLossEngine:F5} / {r.FirstLossHandBuilt:F5} / {r.Peer.GetProperty("first_loss").GetDouble():F5}");

        var text = new StringBuilder();
        text.AppendLine("## engine-throughput: training speed of the engine on PyTorch-exported CNNs");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, results.Count > 0 ? results[0].Export.PeerVersions : null));
        text.AppendLine();
        text.AppendLine("Two networks trained and exported by `benchmarks/peer/real_models.py` (ONNX opset 13, BatchNormalization kept as nodes): " +
            "LeNet-5, and a small ResNet (conv 16 + BN stem, maxpool, two basic residual blocks 16→16 and 16→32 stride 2, a depthwise-separable " +
            "block 32→64 with BN, global average pool, fc 10). *Engine*: `OnnxTorchModule` running the ONNX file in training mode. " +
            "*Hand-built*: the same layers written with TorchSharp (`nn.Conv2d`, `nn.BatchNorm2d`, `nn.Linear`, functional ReLU/pooling), weights " +
            "and BN statistics copied from the file by name. Both train in one process on the same Fashion-MNIST batches " +
            $"(batch {batch}, one seeded shuffle), each with the training loop's Adam (`GradientOptimizer`, lr 1e-3); a step is gather + forward + " +
            $"cross-entropy + backward + Adam + `ApplyMasks` (engine) + `loss.item()`. After {warmup} warm-up steps per side they alternate blocks of " +
            $"{block} steps ({blocks} blocks each, the order flipping every block) so the machine's drift hits both alike; ms/step and samples/s are " +
            $"medians over the blocks, the ratio is the median of per-block hand-built time / engine time. *PyTorch*: the peer trains its own " +
            $"copy on the same batches ({warmup} warm-up steps, {peerBlocks} timed blocks of {block}); Debian's torch 1.13 uses a generic BLAS, so " +
            "its column shows what this machine's PyTorch does, not what PyTorch can do.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.AppendLine();
        text.AppendLine("Checks: the engine runs the files as PyTorch does (test accuracy in eval mode), and a first training step on the same " +
            "weights and batch gives the same loss on every side (training-mode BatchNormalization uses the batch statistics):");
        text.AppendLine();
        text.AppendLine(checks.ToString());
        text.Append(TorchRetry.Note());
        return text.ToString();
    }

    private static double Quantile(Samples samples, double q)
    {
        var sorted = samples.Values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position), high = (int)Math.Ceiling(position);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
