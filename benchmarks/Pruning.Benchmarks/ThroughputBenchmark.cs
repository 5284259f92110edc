using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Trainers.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// throughput: training samples per second of LeNet-300-100 on the library's engine (an ONNX graph run by
/// <see cref="OnnxTorchModule"/> through <see cref="TorchTrainingLoop"/>) against a hand-built TorchSharp
/// <c>Sequential</c> trained by a loop that does the same work per step.
/// </summary>
internal static class ThroughputBenchmark
{
    private const int Width = FashionMnist.Pixels;
    private const int Classes = 10;
    private const int InterleaveBlock = 20;

    private sealed record Measurement(string Side, int Round, double Seconds, int Steps, double FinalLoss, long AllocatedBytes, int Collections);

    public static string Run(BenchmarkArguments args)
    {
        int epochs = args.Int("epochs", 2);
        int rounds = args.Int("rounds", 10);
        int warmupEpochs = args.Int("warmup-epochs", 1);
        string folder = args.String("data", FashionMnist.DebianFolder);
        args.ThrowIfUnknown();

        var data = Load(folder);
        var settings = new TrainingSettings
        {
            Epochs = epochs, BatchSize = 128, LearningRate = 1e-3, Optimizer = TrainingOptimizer.Adam, Loss = TrainingLoss.CrossEntropy, Seed = 1,
        };
        var initial = MlpGraphBuilder.Build("Features", Width, [300, 100], Classes, MlpActivation.Relu, MlpHead.Multiclass, seed: 1);
        Format.Progress($"{data.RowCount} training rows; {epochs} epochs per measurement, {rounds} rounds, {torch.get_num_threads()} threads.");

        // Warm-up: tiered JIT (a 100-step warm-up left the first measured engine run ~40 % slow), libtorch's allocator and threads.
        var warmSettings = new TrainingSettings { Epochs = warmupEpochs, BatchSize = 128, Seed = 2 };
        TorchRetry.Run("engine warm-up", () => Engine(initial, data, warmSettings));
        TorchRetry.Run("Sequential warm-up", () => Sequential(initial, data, warmSettings));

        var measurements = new List<Measurement>();
        for (int round = 1; round <= rounds; round++)
        {
            bool engineFirst = round % 2 == 1;
            foreach (bool engine in engineFirst ? new[] { true, false } : [false, true])
            {
                long allocated = 0;
                int collections = 0;
                var (seconds, steps, loss) = TorchRetry.Run($"round {round} {(engine ? "engine" : "Sequential")}", () =>
                {
                    long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
                    int collectionsBefore = GC.CollectionCount(0);
                    var run = engine ? Engine(initial, data, settings) : Sequential(initial, data, settings);
                    allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
                    collections = GC.CollectionCount(0) - collectionsBefore;
                    return run;
                });
                var m = new Measurement(engine ? "engine" : "Sequential", round, seconds, steps, loss, allocated, collections);
                measurements.Add(m);
                Format.Progress($"round {round}, {m.Side}: {seconds:F2} s, {epochs * data.RowCount / seconds:F0} samples/s, last-epoch mean loss {loss:F5}");
            }
        }

        int interleavedSteps = 2 * epochs * ((data.RowCount + settings.BatchSize - 1) / settings.BatchSize);
        Format.Progress($"Interleaved: {interleavedSteps} steps per side in blocks of {InterleaveBlock} ...");
        var interleaved = TorchRetry.Run("interleaved blocks", () => Interleaved(initial, data, interleavedSteps, InterleaveBlock));
        var (engineBlocks, sequentialBlocks, blockRatios) = (interleaved.Engine, interleaved.Sequential, interleaved.Ratio);
        Format.Progress($"Interleaved: engine {engineBlocks.Median:F3} ms/step, Sequential {sequentialBlocks.Median:F3} ms/step, ratio {blockRatios.Median:P1}");

        var engineRate = Rates(measurements, "engine", epochs, data.RowCount);
        var sequentialRate = Rates(measurements, "Sequential", epochs, data.RowCount);
        double ratio = engineRate.Median / sequentialRate.Median;
        var roundRatios = new Samples();

        var table = new MarkdownTable("round", "order", "engine samples/s", "Sequential samples/s", "engine ms/step", "Sequential ms/step", "engine / Sequential");
        for (int round = 1; round <= rounds; round++)
        {
            var e = measurements.Single(m => m.Round == round && m.Side == "engine");
            var s = measurements.Single(m => m.Round == round && m.Side == "Sequential");
            roundRatios.Add(s.Seconds / e.Seconds);
            table.Add(round.ToString(), round % 2 == 1 ? "engine first" : "Sequential first",
                $"{epochs * data.RowCount / e.Seconds:N0}", $"{epochs * data.RowCount / s.Seconds:N0}",
                $"{1000 * e.Seconds / e.Steps:F2}", $"{1000 * s.Seconds / s.Steps:F2}", $"{s.Seconds / e.Seconds:P1}");
        }
        table.Add("median", "", $"{engineRate.Median:N0}", $"{sequentialRate.Median:N0}", "", "", $"{roundRatios.Median:P1}");

        var last = measurements.Where(m => m.Round == 1).ToDictionary(m => m.Side);
        var managed = new MarkdownTable("side", "managed bytes allocated per step", "GCs per measurement (all generations)");
        foreach (string side in new[] { "engine", "Sequential" })
        {
            var runs = measurements.Where(m => m.Side == side).ToList();
            managed.Add(side, $"{runs.Average(m => (double)m.AllocatedBytes / m.Steps):N0}", $"{runs.Average(m => m.Collections):F1}");
        }
        var text = new StringBuilder();
        text.AppendLine("## throughput: training speed of the engine vs a hand-built TorchSharp network");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args));
        text.AppendLine();
        text.AppendLine($"LeNet-300-100 (784-300-100-10, ReLU) on the full Fashion-MNIST training set ({data.RowCount:N0} rows), {epochs} epochs per " +
            $"measurement, Adam lr 1e-3, batch 128, cross-entropy, {torch.get_num_threads()} torch threads. *Engine*: the ONNX graph from " +
            "`MlpGraphBuilder`, cut at the logits by `TrainingGraph.Extract`, run by `OnnxTorchModule` through `TorchTrainingLoop.Run`. " +
            "*Sequential*: `nn.Sequential(Linear(784,300), ReLU, Linear(300,100), ReLU, Linear(100,10))` with the same initial weights, trained " +
            "by a copy of the loop's per-step work (same shuffle, batch gathering, dispose scope, `loss.item()`, and the loop's own Adam step, " +
            "`GradientOptimizer`), without mask handling. " +
            $"Both sides first train {warmupEpochs} warm-up epoch(s); then the order alternates between rounds. Time includes shuffling and batch gathering. " +
            "The machine is a shared 2-core VM whose speed drifts by tens of percent from minute to minute, so every round is shown; compare sides within a round.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.AppendLine();
        text.AppendLine($"Engine speed relative to Sequential over these rounds: median of the per-round ratios {roundRatios.Median:P1}, " +
            $"ratio of the median rates {ratio:P1}. " +
            $"Same starting weights and batches give the same training: last-epoch mean loss {last["engine"].FinalLoss:F5} (engine) vs " +
            $"{last["Sequential"].FinalLoss:F5} (Sequential) in round 1.");
        text.AppendLine();
        text.AppendLine($"The same comparison at a finer grain, to cancel the drift: one process trains both networks side by side, alternating " +
            $"blocks of {InterleaveBlock} steps ({engineBlocks.Count} blocks each, {2 * epochs} epochs' worth of steps; the engine side calls " +
            "`OnnxTorchModule.forward` and `ApplyMasks` directly, without `TorchTrainingLoop`). Median per block: engine " +
            $"{engineBlocks.Median:F2} ms/step, Sequential {sequentialBlocks.Median:F2} ms/step; engine speed / Sequential speed, median of the " +
            $"block pairs: **{blockRatios.Median:P1}** (quartiles {Quantile(blockRatios, 0.25):P1}–{Quantile(blockRatios, 0.75):P1}) → " +
            $"{(blockRatios.Median >= 0.9 ? "the engine is within 10 % of the hand-built network" : "the engine is more than 10 % slower")}. " +
            $"Of each step, `optimizer.step()` (+ `ApplyMasks` on the engine side) takes {interleaved.EngineOptimizer.Median:F3} ms on the engine and " +
            $"{interleaved.SequentialOptimizer.Median:F3} ms on Sequential (engine speed {interleaved.OptimizerRatio.Median:P1} of Sequential's). " +
            $"Parameter data addresses modulo 64 bytes: engine {interleaved.EngineAlignment}; Sequential {interleaved.SequentialAlignment} " +
            "(the engine's parameters live in the pinned managed arrays `torch.tensor(float[])` wraps; libtorch allocates 64-byte aligned).");
        text.AppendLine();
        text.AppendLine("Managed allocation (means over the rounds; both sides allocate the same 401 KB batch array per step):");
        text.AppendLine();
        text.AppendLine(managed.ToString());
        text.Append(TorchRetry.Note());
        return text.ToString();
    }

    private static double Quantile(Samples samples, double q)
    {
        var sorted = samples.Values.Order().ToArray();
        double position = q * (sorted.Length - 1);
        int low = (int)Math.Floor(position), high = (int)Math.Ceiling(position);
        return sorted[low] + (sorted[high] - sorted[low]) * (position - low);
    }

    private static Samples Rates(List<Measurement> measurements, string side, int epochs, int rows)
    {
        var samples = new Samples();
        foreach (var m in measurements.Where(m => m.Side == side)) samples.Add(epochs * (double)rows / m.Seconds);
        return samples;
    }

    private static TrainingData Load(string folder)
    {
        var rows = FashionMnist.Read(folder, "train");
        var features = new float[rows.Length * Width];
        var labels = new float[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r].Features.CopyTo(features, r * Width);
            labels[r] = rows[r].Label;
        }
        return new TrainingData(features, Width, labels);
    }

    private static (double Seconds, int Steps, double FinalLoss) Engine(OnnxModel initial, TrainingData data, TrainingSettings settings)
    {
        using var module = new OnnxTorchModule(TrainingGraph.Extract(initial, MlpGraphBuilder.LogitsName), CPU);
        var watch = Stopwatch.StartNew();
        var epochs = TorchTrainingLoop.Run(module, data, settings, CPU);
        double seconds = watch.Elapsed.TotalSeconds;
        return (seconds, Steps(data, settings), epochs[^1].MeanLoss);
    }

    /// <summary>The per-step work of <see cref="TorchTrainingLoop"/>, on a plain Sequential.</summary>
    private static (double Seconds, int Steps, double FinalLoss) Sequential(OnnxModel initial, TrainingData data, TrainingSettings settings)
    {
        using var network = BuildSequential(initial);
        var watch = Stopwatch.StartNew();
        torch.random.manual_seed(settings.Seed);
        network.train();
        // The same optimizer as the engine's loop (GradientOptimizer), so the rounds compare the engine, not two Adams.
        using var optimizer = new GradientOptimizer(network.parameters(), settings);
        int rows = data.RowCount, width = data.FeatureCount;
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        var random = new Random(settings.Seed);
        double lastMean = double.NaN;
        for (int epoch = 1; epoch <= settings.Epochs; epoch++)
        {
            random.Shuffle(order);
            double lossSum = 0;
            int batches = 0;
            for (int start = 0; start < rows; start += settings.BatchSize)
            {
                int count = Math.Min(settings.BatchSize, rows - start);
                using (NewDisposeScope())
                {
                    var (x, y) = Gather(data, order, start, count, width);
                    var output = network.forward(x);
                    var loss = nn.functional.cross_entropy(output, y);
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    double value = loss.item<float>();
                    if (!double.IsFinite(value)) throw new InvalidOperationException($"Sequential diverged at epoch {epoch}.");
                    lossSum += value;
                    batches++;
                }
            }
            lastMean = lossSum / Math.Max(1, batches);
        }
        network.eval();
        return (watch.Elapsed.TotalSeconds, Steps(data, settings), lastMean);
    }

    /// <summary>LeNet-300-100 as a plain Sequential holding the graph's initial weights.</summary>
    private static Sequential BuildSequential(OnnxModel initial)
    {
        var network = nn.Sequential(
            ("fc1", nn.Linear(Width, 300)), ("relu1", nn.ReLU()), ("fc2", nn.Linear(300, 100)), ("relu2", nn.ReLU()), ("fc3", nn.Linear(100, Classes)));
        var linears = network.children().OfType<Linear>().ToArray();
        using (no_grad())
        {
            for (int i = 0; i < linears.Length; i++)
            {
                using var weight = Initializer(initial, $"fc{i + 1}.weight");
                using var bias = Initializer(initial, $"fc{i + 1}.bias");
                linears[i].weight.copy_(weight);
                linears[i].bias!.copy_(bias);
            }
        }
        return network;
    }

    /// <summary>
    /// Both networks in one loop, alternating blocks of <paramref name="block"/> training steps (the order flips every
    /// block), so slow drifts of the machine's speed hit both alike. Returns each side's ms/step per block and the
    /// per-block-pair speed ratio engine / Sequential.
    /// </summary>
    private sealed record InterleavedResult(Samples Engine, Samples Sequential, Samples Ratio, Samples EngineOptimizer, Samples SequentialOptimizer, Samples OptimizerRatio,
        string EngineAlignment, string SequentialAlignment);

    private static InterleavedResult Interleaved(OnnxModel initial, TrainingData data, int steps, int block)
    {
        using var engine = new OnnxTorchModule(TrainingGraph.Extract(initial, MlpGraphBuilder.LogitsName), CPU);
        using var sequential = BuildSequential(initial);
        engine.train();
        sequential.train();
        using var engineAdam = optim.Adam(engine.parameters(), lr: 1e-3);
        using var sequentialAdam = optim.Adam(sequential.parameters(), lr: 1e-3);
        const int Batch = 128;
        int rows = data.RowCount, batches = rows / Batch;
        int[] order = new int[rows];
        for (int i = 0; i < rows; i++) order[i] = i;
        new Random(3).Shuffle(order);

        var engineMs = new Samples();
        var sequentialMs = new Samples();
        var ratio = new Samples();
        var engineStepMs = new Samples();
        var sequentialStepMs = new Samples();
        var stepRatio = new Samples();
        var optimizerWatch = new Stopwatch();
        for (int b = 0; b * block < steps; b++)
        {
            double engineSeconds = 0, sequentialSeconds = 0, engineOptimizer = 0, sequentialOptimizer = 0;
            foreach (bool engineSide in b % 2 == 0 ? new[] { true, false } : [false, true])
            {
                var watch = Stopwatch.StartNew();
                optimizerWatch.Reset();
                for (int k = 0; k < block; k++)
                {
                    int start = (b * block + k) % batches * Batch;
                    using (NewDisposeScope())
                    {
                        var (x, y) = Gather(data, order, start, Batch, data.FeatureCount);
                        var output = engineSide ? engine.forward(x) : sequential.forward(x);
                        var loss = nn.functional.cross_entropy(output, y);
                        var optimizer = engineSide ? engineAdam : sequentialAdam;
                        optimizer.zero_grad();
                        loss.backward();
                        optimizerWatch.Start();
                        optimizer.step();
                        if (engineSide) engine.ApplyMasks();
                        optimizerWatch.Stop();
                        _ = loss.item<float>();
                    }
                }
                if (engineSide) (engineSeconds, engineOptimizer) = (watch.Elapsed.TotalSeconds, optimizerWatch.Elapsed.TotalSeconds);
                else (sequentialSeconds, sequentialOptimizer) = (watch.Elapsed.TotalSeconds, optimizerWatch.Elapsed.TotalSeconds);
            }
            engineMs.Add(1000 * engineSeconds / block);
            sequentialMs.Add(1000 * sequentialSeconds / block);
            ratio.Add(sequentialSeconds / engineSeconds);
            engineStepMs.Add(1000 * engineOptimizer / block);
            sequentialStepMs.Add(1000 * sequentialOptimizer / block);
            stepRatio.Add(sequentialOptimizer / engineOptimizer);
        }
        return new InterleavedResult(engineMs, sequentialMs, ratio, engineStepMs, sequentialStepMs, stepRatio,
            Alignment(engine.named_parameters()), Alignment(sequential.named_parameters()));
    }

    /// <summary>Where each parameter's data starts, modulo 64 bytes (libtorch's own allocations are 64-byte aligned).</summary>
    private static string Alignment(IEnumerable<(string Name, Parameter Parameter)> parameters) =>
        string.Join(", ", parameters.Select(p => $"{(long)p.Parameter.storage<float>().data_ptr() % 64}"));

    private static Tensor Initializer(OnnxModel model, string name)
    {
        var proto = model.GetInitializer(name);
        return torch.tensor(OnnxTensor.ToFloatArray(proto), OnnxTensor.Shape(proto));
    }

    private static (Tensor X, Tensor Y) Gather(TrainingData data, int[] order, int start, int count, int width)
    {
        var features = new float[count * width];
        var source = data.Features.AsSpan();
        for (int r = 0; r < count; r++)
            source.Slice(order[start + r] * width, width).CopyTo(features.AsSpan(r * width, width));
        var x = torch.tensor(features, new long[] { count, width });
        var labels = new long[count];
        for (int r = 0; r < count; r++) labels[r] = (long)data.Labels![order[start + r]];
        var y = torch.tensor(labels, new long[] { count });
        return (x, y);
    }

    private static int Steps(TrainingData data, TrainingSettings settings) => settings.Epochs * ((data.RowCount + settings.BatchSize - 1) / settings.BatchSize);
}
