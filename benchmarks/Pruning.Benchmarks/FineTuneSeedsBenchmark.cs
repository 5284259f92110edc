using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using MathNet.Numerics.Distributions;
using MathNet.Numerics.Statistics;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Trainers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// fine-tune-seeds: Magnitude pruning + fine-tuning against torch.nn.utils.prune + the same fine-tuning, repeated
/// over several seeds on both sides. One run per side differs by the shuffling alone (each side has its own
/// generator), so a single pair cannot say which is better; means over seeds with a Welch interval can.
/// </summary>
internal static class FineTuneSeedsBenchmark
{
    private const int DenseSeed = LeNetSetup.DenseSeed;

    private sealed record SeedRun(int Seed, double Sparsity, double Accuracy, double Seconds);

    public static string Run(BenchmarkArguments args)
    {
        int epochs = args.Int("epochs", 10);
        int fineTuneEpochs = args.Int("fine-tune-epochs", 2);
        int[] seeds = Seeds(args.String("seeds", "1,2,3,4,5,6,7,8,9,10"));
        double[] sparsities = args.Fractions("sparsities", [0, 0.5, 0.8, 0.9, 0.95]);
        string data = args.String("data", FashionMnist.DebianFolder);
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "fine-tune-seeds")));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript());
        args.ThrowIfUnknown();
        Directory.CreateDirectory(output);

        // The dense network exactly as the lenet benchmark trains it (same MLContext seed, same SparseMlp seed).
        var ml = new MLContext(seed: DenseSeed);
        var (train, test) = FashionMnist.Load(ml, data);
        string densePath = Path.Combine(output, "dense.onnx");
        var (denseAccuracy, denseModel, _) = LeNetSetup.TrainDense(ml, train, test, epochs, densePath);
        Format.Progress($"Dense: {epochs} epochs, accuracy {denseAccuracy:P2}.");

        // Ours: a fresh MLContext per seed; the fine-tuning takes its shuffling seed from it.
        var ours = new List<SeedRun>();
        foreach (int seed in seeds)
        {
            foreach (double sparsity in sparsities)
            {
                var context = new MLContext(seed: seed);
                var tuned = TorchRetry.Run($"fine-tune at {sparsity:P0}, seed {seed}", () => context.Pruning().Magnitude(LeNetSetup.FineTuned(denseModel, sparsity, fineTuneEpochs)).Fit(train));
                var run = new SeedRun(seed, sparsity, LeNetSetup.Accuracy(context, tuned, test), tuned.Report.Elapsed.TotalSeconds);
                ours.Add(run);
                Format.Progress($"ours, seed {seed}, {sparsity:P0}: + {fineTuneEpochs} epochs {run.Accuracy:P2} in {run.Seconds:F1} s.");
            }
        }

        // torch: the same dense file, the same sparsities and seeds.
        using var torchPeer = PythonPeer.Run(python, peer,
        [
            "--model", densePath, "--data", data, "--epochs", fineTuneEpochs.ToString(CultureInfo.InvariantCulture),
            "--sparsities", string.Join(',', sparsities.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            "--seeds", string.Join(',', seeds), "--threads", TorchSharp.torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
        ], Path.Combine(output, "torch-peer-seeds.json"));
        var root = torchPeer.RootElement;
        var torch = root.GetProperty("seed_runs").EnumerateArray()
            .Select(e => new SeedRun(e.GetProperty("seed").GetInt32(), e.GetProperty("sparsity").GetDouble(), e.GetProperty("accuracy").GetDouble(), e.GetProperty("seconds").GetDouble()))
            .ToList();

        return Report(args, root, epochs, fineTuneEpochs, seeds, sparsities, denseAccuracy, ours, torch);
    }

    private static int[] Seeds(string text)
    {
        var seeds = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v >= 0
                ? v : throw new ArgumentException($"--seeds takes non-negative integers separated by commas; got '{s}'."))
            .ToArray();
        if (seeds.Length < 2 || seeds.Distinct().Count() != seeds.Length)
            throw new ArgumentException("--seeds needs at least two different seeds, to measure the spread.");
        return seeds;
    }

    /// <summary>Mean, sample standard deviation and count of accuracies.</summary>
    private sealed record Summary(double Mean, double StdDev, int Count)
    {
        public static Summary Of(IEnumerable<double> values)
        {
            var list = values.ToList();
            return new Summary(list.Mean(), list.StandardDeviation(), list.Count);
        }

        public double Variance => StdDev * StdDev;

        public override string ToString() => $"{Mean * 100:F2} ± {StdDev * 100:F2} %";
    }

    /// <summary>The difference of means and its 95 % Welch interval (unequal variances, Welch–Satterthwaite degrees of freedom).</summary>
    private static (double Difference, double Low, double High) Welch(Summary a, Summary b)
    {
        double va = a.Variance / a.Count, vb = b.Variance / b.Count;
        double difference = a.Mean - b.Mean;
        double se = Math.Sqrt(va + vb);
        if (se == 0) return (difference, difference, difference);
        double df = (va + vb) * (va + vb) / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        double t = StudentT.InvCDF(0, 1, df, 0.975);
        return (difference, difference - t * se, difference + t * se);
    }

    private static string Verdict(double difference, double low, double high) =>
        difference >= 0 ? "ours ≥ torch" : high >= 0 ? "below by less than the noise" : "below";

    private static string Points(double fraction) => $"{fraction * 100:+0.00;-0.00;0.00}";

    private static string Label(double sparsity) => sparsity == 0 ? "dense" : $"{sparsity * 100:0.##} %";

    private static string Report(BenchmarkArguments args, JsonElement peer, int epochs, int fineTuneEpochs, int[] seeds, double[] sparsities,
        double denseAccuracy, List<SeedRun> ours, List<SeedRun> torch)
    {
        string peerVersions = LeNetSetup.PeerVersions(peer);

        var summary = new MarkdownTable("sparsity", $"ours +{fineTuneEpochs} ep (mean ± sd)", $"torch +{fineTuneEpochs} ep (mean ± sd)",
            "ours − torch (points)", "95 % interval (Welch)", "verdict", "ours time (mean)", "torch time (mean)");
        var perSeed = new MarkdownTable(["sparsity", .. seeds.Select(s => $"seed {s}: ours / torch")]);
        foreach (double sparsity in sparsities)
        {
            var mine = ours.Where(r => r.Sparsity == sparsity).ToList();
            var theirs = torch.Where(r => Math.Abs(r.Sparsity - sparsity) < 1e-9).ToList();
            if (theirs.Count != mine.Count)
                throw new InvalidOperationException($"The python peer reported {theirs.Count} runs at sparsity {sparsity}; expected {mine.Count}.");
            var a = Summary.Of(mine.Select(r => r.Accuracy));
            var b = Summary.Of(theirs.Select(r => r.Accuracy));
            var (difference, low, high) = Welch(a, b);
            summary.Add(Label(sparsity), a.ToString(), b.ToString(), Points(difference), $"[{Points(low)}, {Points(high)}]",
                Verdict(difference, low, high), Format.Seconds(mine.Average(r => r.Seconds)), Format.Seconds(theirs.Average(r => r.Seconds)));
            perSeed.Add([Label(sparsity), .. seeds.Select(s =>
                $"{mine.Single(r => r.Seed == s).Accuracy * 100:F2} / {theirs.Single(r => r.Seed == s).Accuracy * 100:F2}")]);
        }

        string Epochs(int n) => n == 1 ? "1 epoch" : $"{n} epochs";
        var text = new StringBuilder();
        text.AppendLine($"## fine-tune-seeds: Magnitude + {Epochs(fineTuneEpochs)} of fine-tuning vs torch.nn.utils.prune + {Epochs(fineTuneEpochs)}, {seeds.Length} seeds each");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, peerVersions));
        text.AppendLine();
        text.AppendLine($"The dense LeNet-300-100 of the lenet benchmark (SparseMlp, {Epochs(epochs)}, seed {DenseSeed}; " +
            $"test accuracy {denseAccuracy * 100:F2} % in this run) is pruned globally by magnitude at each sparsity and fine-tuned for " +
            $"{Epochs(fineTuneEpochs)} with the masks fixed (Adam, lr 1e-3, batch 128) once per seed: ours with `new MLContext(seed)` and " +
            "`ml.Pruning().Magnitude(...)` with `FineTune`, torch with `prune.global_unstructured(..., L1Unstructured)` and " +
            "`torch.Generator().manual_seed(seed)` for the shuffling (`benchmarks/peer/torch_prune.py --seeds`). Both sides prune the " +
            "same weight positions (see lenet); the seed only changes the order of the batches, and a seed number means nothing " +
            "across the two sides. *dense* is the unpruned model fine-tuned the same way. Accuracies are on the 10,000 test images; " +
            "sd is the sample standard deviation over seeds; the interval is the 95 % Welch interval of the difference of means. " +
            "*Verdict*: \"ours ≥ torch\" when our mean is not lower, \"below by less than the noise\" when it is lower but the interval " +
            "includes 0, \"below\" otherwise.");
        text.AppendLine();
        text.AppendLine(summary.ToString());
        text.AppendLine();
        text.AppendLine("Each run (test accuracy, %):");
        text.AppendLine();
        text.AppendLine(perSeed.ToString());
        text.AppendLine();
        text.Append(TorchRetry.Note());
        return text.ToString();
    }
}
