using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Trainers.Training;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// fine-tune-replay: our fine-tuning and torch's on the same batches. Our training loop reports the row order of
/// each epoch (<see cref="TrainingHooks.EpochShuffled"/>); the python peer fine-tunes its pruned copy on exactly
/// those batches, then compares weights and test predictions with ours. With the order shared, what is left of the
/// difference is the engines' arithmetic.
/// </summary>
internal static class FineTuneReplayBenchmark
{
    public static string Run(BenchmarkArguments args)
    {
        int epochs = args.Int("epochs", 10);
        int fineTuneEpochs = args.Int("fine-tune-epochs", 2);
        int seed = args.Int("seed", 1, min: 0);
        double[] sparsities = args.Fractions("sparsities", [0, 0.5, 0.9]);
        string data = args.String("data", FashionMnist.DebianFolder);
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "fine-tune-replay")));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript());
        args.ThrowIfUnknown();
        Directory.CreateDirectory(output);

        var ml = new MLContext(seed: LeNetSetup.DenseSeed);
        var (train, test) = FashionMnist.Load(ml, data);
        var (denseAccuracy, denseModel, _) = LeNetSetup.TrainDense(ml, train, test, epochs, Path.Combine(output, "dense.onnx"));
        Format.Progress($"Dense: {epochs} epochs, accuracy {denseAccuracy:P2}.");
        var rows = FashionMnist.Read(data, "train");
        var trainingData = new TrainingData(rows.SelectMany(r => r.Features).ToArray(), FashionMnist.Pixels, rows.Select(r => (float)r.Label).ToArray());

        // What MagnitudePruningEstimator.Fit does with FineTune, step by step, so that the order can be recorded:
        // global magnitude masks, then the one training loop with the masks fixed, then the weights written back.
        int[]? orders = null;
        var ours = new Dictionary<double, double>(); // test accuracy by sparsity
        foreach (double sparsity in sparsities)
        {
            var model = denseModel.Clone();
            var weights = model.GetPrunableWeights().Select(w => new LayerValues(w.Name, OnnxTensor.ToFloatArray(model.GetInitializer(w.Name)))).ToList();
            var masks = MaskSelector.SelectByMagnitude(weights, sparsity, PruningScope.Global);
            var recorded = new List<int>();
            var watch = System.Diagnostics.Stopwatch.StartNew();
            TorchRetry.Run($"fine-tune at {sparsity:P0}", () =>
            {
                recorded.Clear();
                using var trainer = new MaskedTrainer(model, TrainingGraph.TrainableOutput(model, LeNetSetup.Outputs[0], TrainingLoss.CrossEntropy), TorchSharp.torch.CPU);
                trainer.SetMasks(masks);
                trainer.Train(trainingData, new TrainingSettings { Epochs = fineTuneEpochs, Seed = seed, Loss = TrainingLoss.CrossEntropy },
                    new TrainingHooks { EpochShuffled = (_, order) => recorded.AddRange(order.ToArray()) });
                trainer.WriteBack(model);
                return 0;
            });
            double seconds = watch.Elapsed.TotalSeconds;
            model.Save(Path.Combine(output, $"tuned-{Percent(sparsity)}.onnx"));
            // Scored through ML.NET like every other accuracy here: Magnitude at sparsity 0 scores a model unchanged.
            double accuracy = LeNetSetup.Accuracy(ml, ml.Pruning().Magnitude(model, LeNetSetup.Outputs, LeNetSetup.Inputs, 0, PruningScope.Global).Fit(train), test);
            ours[sparsity] = accuracy;
            if (orders is null) orders = [.. recorded];
            else if (!orders.AsSpan().SequenceEqual(recorded.ToArray()))
                throw new InvalidOperationException($"The loop took another batch order at sparsity {sparsity} with the same seed {seed}.");
            Format.Progress($"ours {sparsity:P0}: + {fineTuneEpochs} epochs {accuracy:P2} in {seconds:F1} s.");
        }

        string ordersPath = Path.Combine(output, "orders.int32");
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The peer reads the orders file as little-endian int32.");
        File.WriteAllBytes(ordersPath, MemoryMarshal.AsBytes(orders.AsSpan()).ToArray());

        using var torchPeer = PythonPeer.Run(python, peer,
        [
            "--model", Path.Combine(output, "dense.onnx"), "--data", data,
            "--sparsities", string.Join(',', sparsities.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            "--orders", ordersPath, "--ours-tuned", Path.Combine(output, "tuned-{percent}.onnx"),
            "--threads", TorchSharp.torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
        ], Path.Combine(output, "torch-peer-replay.json"));
        var root = torchPeer.RootElement;

        var table = new MarkdownTable("sparsity", $"ours +{fineTuneEpochs} ep", $"torch +{fineTuneEpochs} ep, same batches", "ours − torch (points)",
            "ours vs torch", "torch nudged 1 ulp", "torch vs nudged torch", "ours vs nudged torch");
        foreach (var run in root.GetProperty("replay_runs").EnumerateArray())
        {
            double sparsity = run.GetProperty("sparsity").GetDouble();
            double accuracy = ours.Single(o => Math.Abs(o.Key - sparsity) < 1e-9).Value;
            double theirs = run.GetProperty("accuracy").GetDouble();
            double oursSeenByTorch = run.GetProperty("ours_accuracy").GetDouble();
            if (Math.Abs(oursSeenByTorch - accuracy) > 1e-4)
                throw new InvalidOperationException($"At {sparsity}: our file scores {accuracy:P2} in ML.NET and {oursSeenByTorch:P2} when the peer loads it.");
            string Comparison(string prefix) =>
                $"{run.GetProperty(prefix + "_prediction_agreement").GetDouble() * 100:F2} % / {run.GetProperty(prefix + "_max_abs_weight_difference").GetDouble():G2} / " +
                $"{run.GetProperty(prefix + "_mean_abs_weight_difference").GetDouble():G2}";
            table.Add(sparsity == 0 ? "dense" : $"{sparsity * 100:0.##} %", Format.Percent(accuracy), Format.Percent(theirs),
                $"{(accuracy - theirs) * 100:+0.00;-0.00;0.00}", Comparison("ours"),
                Format.Percent(run.GetProperty("control_accuracy").GetDouble()), Comparison("control"), Comparison("ours_control"));
        }
        double largest = root.GetProperty("replay_runs").EnumerateArray().Max(r => r.GetProperty("largest_weight").GetDouble());

        var text = new StringBuilder();
        text.AppendLine($"## fine-tune-replay: ours and torch fine-tuning on the same batches");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, LeNetSetup.PeerVersions(root)));
        text.AppendLine();
        text.AppendLine($"The dense LeNet-300-100 of the lenet benchmark (test accuracy {denseAccuracy * 100:F2} % in this run) is pruned globally by " +
            $"magnitude and fine-tuned for {fineTuneEpochs} epochs (Adam, lr 1e-3, batch 128) by our training loop with seed {seed}, exactly as " +
            "`Magnitude(...)` with `FineTune` does it, recording the row order of every epoch (`TrainingHooks.EpochShuffled`). The python peer " +
            "prunes its copy with `prune.global_unstructured` and fine-tunes it on those same batches, in the same order. Both sides start from " +
            "the same weights and masks and see the same data; only the arithmetic differs (libtorch 2.10 through TorchSharp and our Adam step, " +
            "against PyTorch 1.13 and `torch.optim.Adam`). Each *A vs B* cell reads " +
            "*agree / max / mean*: the share of the 10,000 test images on which the two fine-tuned networks pick the same class, then the " +
            $"largest and the mean absolute difference over all weights and biases (the largest absolute weight is {largest:G2}). *torch nudged 1 ulp*: the yardstick for arithmetic noise, a second torch run on the same batches whose " +
            "starting weights were each moved by one float32 ulp (`np.nextafter`), compared with the first torch run the same way.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.Append(TorchRetry.Note());
        return text.ToString();
    }

    private static string Percent(double sparsity) => (sparsity * 100).ToString("0.##", CultureInfo.InvariantCulture);
}
