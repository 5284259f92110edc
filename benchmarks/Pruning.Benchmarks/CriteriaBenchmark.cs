using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// criteria: every unstructured criterion of the pipeline on LeNet-300-100 (full Fashion-MNIST) at each sparsity and
/// scope, one-shot and + fine-tuning, next to torch.nn.utils.prune (L1, random) and a PyTorch first-order Taylor
/// score on the same weights; and the neuron criteria removing half of the hidden neurons, against random neurons.
/// </summary>
internal static class CriteriaBenchmark
{
    private static readonly string[] Outputs = LeNetSetup.Outputs;
    private static readonly string[] Inputs = LeNetSetup.Inputs;

    private sealed record Result(string Criterion, string Scope, double Sparsity, double OneShot, double Tuned, double PruneSeconds, double TuneSeconds);

    public static string Run(BenchmarkArguments args)
    {
        int epochs = args.Int("epochs", 10);
        int fineTuneEpochs = args.Int("fine-tune-epochs", 2);
        double[] sparsities = args.Fractions("sparsities", [0.5, 0.8, 0.9, 0.95]);
        string[] criteria = args.String("criteria", "magnitude,random,taylor,fisher,wanda").Split(',');
        string[] neuronCriteria = args.String("neuron-criteria",
            "random,magnitude,magnitude-l2,taylor,fisher,wanda,activation,apoz,entropy,fpgm,min-redundancy,gsap").Split(',');
        double neuronFraction = args.Fractions("neuron-fraction", [0.5]).Single();
        int calibrationRows = args.Int("calibration-rows", 1024);
        string data = args.String("data", FashionMnist.DebianFolder);
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "criteria")));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript());
        args.ThrowIfUnknown();
        Directory.CreateDirectory(output);

        var ml = new MLContext(seed: LeNetSetup.DenseSeed);
        var (train, test) = FashionMnist.Load(ml, data);
        string densePath = Path.Combine(output, "dense.onnx");
        var (denseAccuracy, dense, denseSeconds) = LeNetSetup.TrainDense(ml, train, test, epochs, densePath);
        Format.Progress($"Dense: {epochs} epochs in {denseSeconds:F1} s, accuracy {denseAccuracy:P2}.");
        var denseTuned = TorchRetry.Run("dense fine-tune", () => ml.Pruning().Magnitude(LeNetSetup.FineTuned(dense, 0, fineTuneEpochs)).Fit(train));
        double denseTunedAccuracy = LeNetSetup.Accuracy(ml, denseTuned, test);
        Format.Progress($"Dense + {fineTuneEpochs} epochs: {denseTunedAccuracy:P2}.");

        PruneOptions Options(string criterion, double sparsity, PruningScope scope, PruningGranularity granularity, bool tune) => new()
        {
            Model = dense, OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = criterion, Sparsity = sparsity,
            Scope = scope, Granularity = granularity, CalibrationRows = calibrationRows, LabelColumnName = "Label", Seed = 1,
            ExcludedLayers = granularity == PruningGranularity.Unstructured ? [] : ["fc3.weight"],
            FineTune = tune ? new FineTuneOptions { Epochs = fineTuneEpochs, LabelColumnName = "Label" } : null,
        };
        Result Measure(string criterion, double sparsity, PruningScope scope, PruningGranularity granularity)
        {
            var oneShot = TorchRetry.Run($"{criterion} {sparsity:P0} {scope}", () => ml.Pruning().Prune(Options(criterion, sparsity, scope, granularity, false)).Fit(train));
            double oneShotAccuracy = LeNetSetup.Accuracy(ml, oneShot, test);
            var tuned = TorchRetry.Run($"{criterion} {sparsity:P0} {scope} + fine-tune", () => ml.Pruning().Prune(Options(criterion, sparsity, scope, granularity, true)).Fit(train));
            double tunedAccuracy = LeNetSetup.Accuracy(ml, tuned, test);
            Format.Progress($"{granularity} {criterion} {sparsity:P0} {scope}: one-shot {oneShotAccuracy:P2} ({oneShot.Report.Elapsed.TotalSeconds:F2} s), + {fineTuneEpochs} ep {tunedAccuracy:P2}.");
            return new Result(criterion, scope.ToString().ToLowerInvariant(), sparsity, oneShotAccuracy, tunedAccuracy,
                oneShot.Report.Elapsed.TotalSeconds, tuned.Report.Elapsed.TotalSeconds - oneShot.Report.Elapsed.TotalSeconds);
        }

        var unstructured = new List<Result>();
        foreach (double sparsity in sparsities)
            foreach (var scope in new[] { PruningScope.Global, PruningScope.Layer })
                foreach (string criterion in criteria)
                    unstructured.Add(Measure(criterion, sparsity, scope, PruningGranularity.Unstructured));
        var neurons = neuronCriteria.Select(c => Measure(c, neuronFraction, PruningScope.Layer, PruningGranularity.Neuron)).ToList();

        string jsonPath = Path.Combine(output, "torch-criteria.json");
        using var torchPeer = PythonPeer.Run(python, peer,
        [
            "--criteria", "--model", densePath, "--data", data, "--epochs", fineTuneEpochs.ToString(CultureInfo.InvariantCulture),
            "--sparsities", string.Join(',', sparsities.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            "--calibration-rows", calibrationRows.ToString(CultureInfo.InvariantCulture),
            "--neuron-fraction", neuronFraction.ToString(CultureInfo.InvariantCulture),
            "--threads", TorchSharp.torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
        ], jsonPath);
        return Report(args, epochs, fineTuneEpochs, calibrationRows, neuronFraction, denseAccuracy, denseTunedAccuracy, sparsities, criteria,
            unstructured, neurons, torchPeer.RootElement);
    }

    private static string Report(BenchmarkArguments args, int epochs, int fineTuneEpochs, int calibrationRows, double neuronFraction,
        double denseAccuracy, double denseTunedAccuracy, double[] sparsities, string[] criteria, List<Result> unstructured, List<Result> neurons, JsonElement peer)
    {
        string peerVersions = $"python {peer.GetProperty("python").GetString()}: torch {peer.GetProperty("torch").GetString()}, numpy {peer.GetProperty("numpy").GetString()}";
        var torch = peer.GetProperty("unstructured").EnumerateArray().ToList();
        double Torch(string method, string scope, double sparsity, string field) => torch.Single(e =>
            e.GetProperty("method").GetString() == method && e.GetProperty("scope").GetString() == scope &&
            Math.Abs(e.GetProperty("sparsity").GetDouble() - sparsity) < 1e-9).GetProperty(field).GetDouble();
        string[] torchMethods = ["l1", "random", "taylor"];

        string Table(string field, Func<Result, double> value)
        {
            var table = new MarkdownTable([
                "sparsity", "scope", .. criteria.Select(c => $"ours {c}"), .. torchMethods.Select(m => $"torch {m}")]);
            foreach (double sparsity in sparsities)
                foreach (string scope in new[] { "global", "layer" })
                {
                    var ours = criteria.Select(c => unstructured.Single(r => r.Criterion == c && r.Scope == scope && r.Sparsity == sparsity));
                    table.Add([$"{sparsity * 100:0.##} %", scope, .. ours.Select(r => Format.Percent(value(r))),
                        .. torchMethods.Select(m => Format.Percent(Torch(m, scope, sparsity, field)))]);
                }
            return table.ToString();
        }

        var text = new StringBuilder();
        text.AppendLine("## criteria: pruning criteria on LeNet-300-100, ours vs torch.nn.utils.prune");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, peerVersions));
        text.AppendLine();
        text.AppendLine($"The dense network of the lenet benchmark (SparseMlp, {epochs} epochs, seed {LeNetSetup.DenseSeed}; test accuracy " +
            $"{Format.Percent(denseAccuracy)} here, torch reads the same file: {Format.Percent(peer.GetProperty("dense").GetDouble())}), pruned by " +
            $"`ml.Pruning().Prune(new PruneOptions {{ Criterion = …, Scope = …, CalibrationRows = {calibrationRows} }})`. Data-aware criteria observe " +
            $"the first {calibrationRows:N0} training rows in file order (taylor and fisher: their labels, gradients of 128-row batches). " +
            "torch: `benchmarks/peer/torch_prune.py --criteria` on the same file: `prune.global_unstructured` / `prune.l1_unstructured` (l1), " +
            "`RandomUnstructured` (random), and |w·∂L/∂w| over the same rows and batches (taylor, PyTorch's autograd). " +
            $"*+{fineTuneEpochs} ep*: the same pruning, then {fineTuneEpochs} epochs of fine-tuning with the masks fixed (Adam, lr 1e-3, batch 128) on both sides. " +
            $"The dense model trained {fineTuneEpochs} more epochs reaches {Format.Percent(denseTunedAccuracy)} (ours) and " +
            $"{Format.Percent(peer.GetProperty("dense_tuned").GetDouble())} (torch).");
        text.AppendLine();
        text.AppendLine("One-shot test accuracy (no retraining):");
        text.AppendLine();
        text.AppendLine(Table("one_shot", r => r.OneShot));
        text.AppendLine();
        text.AppendLine($"After {fineTuneEpochs} fine-tuning epochs:");
        text.AppendLine();
        text.AppendLine(Table("tuned", r => r.Tuned));
        text.AppendLine();

        var bestAt80 = unstructured.Where(r => r.Sparsity == 0.8 && r.Scope == "global").MaxBy(r => r.OneShot);
        var bestAt90 = unstructured.Where(r => r.Sparsity == 0.9).MaxBy(r => r.Tuned);
        text.AppendLine("Targets:");
        if (bestAt80 is not null)
            text.AppendLine($"- 80 % one-shot, global scope, best criterion ≥ 77 %: {bestAt80.Criterion} {Format.Percent(bestAt80.OneShot)} → {(bestAt80.OneShot >= 0.77 ? "MET" : "MISSED")}.");
        if (bestAt90 is not null)
        {
            double gap = (denseTunedAccuracy - bestAt90.Tuned) * 100;
            text.AppendLine($"- 90 % + {fineTuneEpochs} ep, best criterion within 0.3 points of the dense model + {fineTuneEpochs} ep: " +
                $"{bestAt90.Criterion} ({bestAt90.Scope}) {Format.Percent(bestAt90.Tuned)}, {gap:F2} points below → {(gap <= 0.3 ? "MET" : "MISSED")}.");
        }
        text.AppendLine();

        text.AppendLine($"Neurons: {neuronFraction:P0} of the hidden neurons of fc1 and fc2 (each layer; fc3 untouched) zeroed as whole rows, " +
            "biases kept (on both sides), one-shot and + fine-tuning:");
        text.AppendLine();
        var neuronTable = new MarkdownTable("criterion", "one-shot", $"+{fineTuneEpochs} ep", "prune time (one-shot)");
        foreach (var r in neurons)
            neuronTable.Add($"ours {r.Criterion}", Format.Percent(r.OneShot), Format.Percent(r.Tuned), Format.Seconds(r.PruneSeconds));
        foreach (var e in peer.GetProperty("neurons").EnumerateArray())
            neuronTable.Add($"torch {e.GetProperty("method").GetString()}", Format.Percent(e.GetProperty("one_shot").GetDouble()),
                Format.Percent(e.GetProperty("tuned").GetDouble()), Format.Seconds(e.GetProperty("prune_seconds").GetDouble()));
        text.AppendLine(neuronTable.ToString());
        text.AppendLine();

        text.AppendLine("Prune time (one-shot, calibration and compaction included; ours at global scope):");
        text.AppendLine();
        var times = new MarkdownTable(["sparsity", .. criteria.Select(c => $"ours {c}"), "torch taylor"]);
        foreach (double sparsity in sparsities)
            times.Add([$"{sparsity * 100:0.##} %", .. criteria.Select(c => Format.Seconds(unstructured.Single(r => r.Criterion == c && r.Scope == "global" && r.Sparsity == sparsity).PruneSeconds)),
                Format.Seconds(Torch("taylor", "global", sparsity, "prune_seconds"))]);
        text.AppendLine(times.ToString());
        text.Append(TorchRetry.Note());
        return text.ToString();
    }
}
