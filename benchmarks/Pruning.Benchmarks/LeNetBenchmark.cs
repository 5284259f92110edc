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
using Microsoft.ML.Pruning.Trainers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// lenet: LeNet-300-100 on the full Fashion-MNIST. Dense training with SparseMlp, then for each sparsity one-shot
/// global magnitude pruning, pruning + fine-tuning, and gradual pruning during training; the python peer prunes
/// the same exported weights with torch.nn.utils.prune. Also checks the compact file at 90 %.
/// </summary>
internal static class LeNetBenchmark
{
    private static readonly string[] Outputs = LeNetSetup.Outputs;
    private static readonly string[] Inputs = LeNetSetup.Inputs;
    private const int Seed = LeNetSetup.DenseSeed;

    private sealed record SparsityResult(
        double Sparsity, double OneShot, long CompactBytes, double OneShotSeconds,
        double FineTuned, double FineTuneSeconds, double Gradual, double GradualSparsity, long GradualBytes, double GradualSeconds);

    public static string Run(BenchmarkArguments args)
    {
        int epochs = args.Int("epochs", 10);
        int fineTuneEpochs = args.Int("fine-tune-epochs", 2);
        double[] sparsities = args.Fractions("sparsities", [0.5, 0.8, 0.9, 0.95]);
        string data = args.String("data", FashionMnist.DebianFolder);
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "lenet")));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript());
        double checkSparsity = args.Fractions("check-sparsity", [0.9]).Single();
        args.ThrowIfUnknown();
        if (!sparsities.Contains(checkSparsity))
            throw new ArgumentException($"--check-sparsity {checkSparsity} must be one of --sparsities.");
        Directory.CreateDirectory(output);

        var ml = new MLContext(seed: Seed);
        var (train, test) = FashionMnist.Load(ml, data);
        Format.Progress($"Fashion-MNIST from {data}: {train.GetRowCount()} training rows, {test.GetRowCount()} test rows.");

        // 1. The dense reference, trained in ML.NET and exported.
        string densePath = Path.Combine(output, "dense.onnx");
        var (denseAccuracy, denseModel, denseSeconds) = LeNetSetup.TrainDense(ml, train, test, epochs, densePath);
        long denseBytes = new FileInfo(densePath).Length;
        Format.Progress($"Dense: {epochs} epochs in {denseSeconds:F1} s, accuracy {denseAccuracy:P2}, {denseBytes:N0} bytes.");

        // 2. Dense + fine-tune epochs: what the extra epochs alone are worth.
        var denseTuned = TorchRetry.Run("dense fine-tune", () => ml.Pruning().Magnitude(LeNetSetup.FineTuned(denseModel, 0, fineTuneEpochs)).Fit(train));
        double denseTunedAccuracy = LeNetSetup.Accuracy(ml, denseTuned, test);
        double denseTunedSeconds = denseTuned.Report.Elapsed.TotalSeconds;
        Format.Progress($"Dense + {fineTuneEpochs} epochs: accuracy {denseTunedAccuracy:P2} in {denseTunedSeconds:F1} s.");

        // 3. Each sparsity: one-shot, + fine-tuning, gradual.
        var results = new List<SparsityResult>();
        OnnxRuntimeComparison.Result? comparison = null;
        string? checkPath = null;
        long checkBytes = 0;
        foreach (double sparsity in sparsities)
        {
            var oneShot = ml.Pruning().Magnitude(denseModel, Outputs, Inputs, sparsity, PruningScope.Global).Fit(train);
            double oneShotAccuracy = LeNetSetup.Accuracy(ml, oneShot, test);
            string path = Path.Combine(output, $"magnitude-{Percent(sparsity)}.onnx");
            oneShot.SaveOnnx(path);
            if (sparsity == checkSparsity)
            {
                checkPath = path;
                checkBytes = new FileInfo(path).Length;
                string maskedDensePath = Path.Combine(output, $"magnitude-{Percent(sparsity)}-masked-dense.onnx");
                oneShot.Model.Save(maskedDensePath);
                var rows = FashionMnist.Read(data, "t10k");
                var features = new float[rows.Length * FashionMnist.Pixels];
                for (int r = 0; r < rows.Length; r++) rows[r].Features.CopyTo(features, r * FashionMnist.Pixels);
                comparison = OnnxRuntimeComparison.Compare(oneShot.CompactOnnx.ToArray(), oneShot.Model.ToBytes(), features,
                    rows.Select(r => r.Label).ToArray(), FashionMnist.Pixels, Inputs[0], "Score", TorchSharp.torch.get_num_threads());
                Format.Progress($"ONNX Runtime, compact vs masked dense at {sparsity:P0}: max |diff| {comparison.MaxAbsDifference:G3}, {comparison.ArgMaxDisagreements} arg-max disagreements.");
            }

            var tuned = TorchRetry.Run($"fine-tune at {sparsity:P0}", () => ml.Pruning().Magnitude(LeNetSetup.FineTuned(denseModel, sparsity, fineTuneEpochs)).Fit(train));
            double tunedAccuracy = LeNetSetup.Accuracy(ml, tuned, test);

            double gradualSeconds = 0;
            var gradual = TorchRetry.Run($"gradual SparseMlp at {sparsity:P0}", () =>
            {
                var watch = Stopwatch.StartNew();
                var trained = ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { Epochs = epochs, Sparsity = sparsity, Seed = Seed }).Fit(train);
                gradualSeconds = watch.Elapsed.TotalSeconds;
                return trained;
            });
            double gradualAccuracy = LeNetSetup.Accuracy(ml, gradual, test);

            results.Add(new SparsityResult(sparsity, oneShotAccuracy, oneShot.Report.CompactBytes, oneShot.Report.Elapsed.TotalSeconds,
                tunedAccuracy, tuned.Report.Elapsed.TotalSeconds, gradualAccuracy, gradual.Report.Sparsity, gradual.Report.CompactBytes, gradualSeconds));
            Format.Progress($"{sparsity:P0}: one-shot {oneShotAccuracy:P2}, + {fineTuneEpochs} epochs {tunedAccuracy:P2}, gradual {gradualAccuracy:P2} ({gradual.Report.Sparsity:P1} sparse, {gradualSeconds:F1} s).");
        }

        // 4. The python peer on the same exported dense weights.
        string jsonPath = Path.Combine(output, "torch-peer.json");
        var peerArgs = new List<string>
        {
            "--model", densePath, "--data", data, "--epochs", fineTuneEpochs.ToString(CultureInfo.InvariantCulture),
            "--sparsities", string.Join(',', sparsities.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            "--ours", Path.Combine(output, "magnitude-{percent}.onnx"), "--threads", TorchSharp.torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
        };
        if (checkPath is not null) peerArgs.AddRange(["--check", checkPath]);
        using var torchPeer = PythonPeer.Run(python, peer, peerArgs, jsonPath);
        var root = torchPeer.RootElement;

        return Report(args, epochs, fineTuneEpochs, denseAccuracy, denseSeconds, denseBytes, denseTunedAccuracy, denseTunedSeconds,
            results, root, checkSparsity, checkBytes, comparison);
    }

    private static string Percent(double sparsity) => (sparsity * 100).ToString("0.##", CultureInfo.InvariantCulture);

    private static string Report(BenchmarkArguments args, int epochs, int fineTuneEpochs, double denseAccuracy, double denseSeconds, long denseBytes,
        double denseTunedAccuracy, double denseTunedSeconds, List<SparsityResult> results, JsonElement peer,
        double checkSparsity, long checkBytes, OnnxRuntimeComparison.Result? comparison)
    {
        var versions = peer.GetProperty("versions");
        string peerVersions = LeNetSetup.PeerVersions(peer);
        var peerBySparsity = peer.GetProperty("sparsities").EnumerateArray()
            .ToDictionary(e => Math.Round(e.GetProperty("sparsity").GetDouble(), 6));
        const string Dash = "–";

        var table = new MarkdownTable("sparsity", "ours one-shot", "torch one-shot", $"ours +{fineTuneEpochs} ep", $"torch +{fineTuneEpochs} ep",
            $"SparseMlp gradual ({epochs} ep)", "compact ONNX bytes (ours)", "vs dense bytes");
        table.Add($"dense ({epochs} ep)", Format.Percent(denseAccuracy), Format.Percent(peer.GetProperty("dense").GetProperty("accuracy").GetDouble()),
            Dash, Dash, Dash, Format.Bytes(denseBytes), "100.0 %");
        table.Add($"dense +{fineTuneEpochs} ep", Dash, Dash, Format.Percent(denseTunedAccuracy),
            Format.Percent(peer.GetProperty("dense_fine_tuned").GetProperty("accuracy").GetDouble()), Dash, Dash, Dash);
        foreach (var r in results)
        {
            var p = peerBySparsity[Math.Round(r.Sparsity, 6)];
            table.Add($"{r.Sparsity * 100:0.##} %", Format.Percent(r.OneShot), Format.Percent(p.GetProperty("one_shot").GetDouble()),
                Format.Percent(r.FineTuned), Format.Percent(p.GetProperty("fine_tuned").GetDouble()), Format.Percent(r.Gradual),
                Format.Bytes(r.CompactBytes), $"{100.0 * r.CompactBytes / denseBytes:F1} %");
        }

        var times = new MarkdownTable("sparsity", "ours one-shot (prune + compact)", $"ours +{fineTuneEpochs} ep", $"torch +{fineTuneEpochs} ep",
            $"SparseMlp gradual ({epochs} ep)", "SparseMlp sparsity reached", "SparseMlp compact bytes", "same pruned set as torch");
        times.Add($"dense", Dash, Format.Seconds(denseTunedSeconds), Format.Seconds(peer.GetProperty("dense_fine_tuned").GetProperty("seconds").GetDouble()),
            Format.Seconds(denseSeconds), Dash, Format.Bytes(denseBytes), Dash);
        foreach (var r in results)
        {
            var p = peerBySparsity[Math.Round(r.Sparsity, 6)];
            string agreement = p.TryGetProperty("mask_agreement", out var a) && a.ValueKind == JsonValueKind.Number ? $"{a.GetDouble() * 100:F4} %" : "?";
            times.Add($"{r.Sparsity * 100:0.##} %", Format.Seconds(r.OneShotSeconds), Format.Seconds(r.FineTuneSeconds),
                Format.Seconds(p.GetProperty("fine_tune_seconds").GetDouble()), Format.Seconds(r.GradualSeconds), Format.Percent(r.GradualSparsity),
                Format.Bytes(r.GradualBytes), agreement);
        }

        var text = new StringBuilder();
        text.AppendLine("## lenet: LeNet-300-100 on Fashion-MNIST, ours vs torch.nn.utils.prune");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, peerVersions));
        text.AppendLine();
        text.AppendLine($"Full Fashion-MNIST (60,000 training, 10,000 test images). The dense network is trained by `SparseMlp` " +
            $"(Adam, lr 1e-3, batch 128, {epochs} epochs, seed {Seed}) and exported; every other row starts from that file. " +
            "*One-shot*: global magnitude pruning (`ml.Pruning().Magnitude(..., PruningScope.Global)`), no retraining. " +
            $"*+{fineTuneEpochs} ep*: the same masks, then {fineTuneEpochs} epochs of fine-tuning with the masks fixed (fresh Adam, lr 1e-3, batch 128); " +
            $"the *dense +{fineTuneEpochs} ep* row is the same at sparsity 0, the reference for what the extra epochs alone give. " +
            "*torch*: the python peer (`benchmarks/peer/torch_prune.py`) loads the same ONNX initializers into an `nn.Sequential` of " +
            "Linear/ReLU, prunes with `prune.global_unstructured(..., prune.L1Unstructured, amount=s)` and fine-tunes the same way " +
            "(the pruning re-parametrization keeps the masks). " +
            $"*SparseMlp gradual*: trained from scratch for the same {epochs} epochs with the cubic sparsity ramp to the target " +
            "(default ramp over the first 75 % of steps, masks updated every 50 steps, global scope). Accuracies are test-set accuracies.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.AppendLine();
        text.AppendLine("Wall times and cross-checks (\"same pruned set as torch\": share of weight positions where our one-shot file and torch's mask agree on pruned/kept):");
        text.AppendLine();
        text.AppendLine(times.ToString());
        text.AppendLine();

        text.AppendLine($"### Compact file at {checkSparsity:P0}");
        text.AppendLine();
        double ratio = (double)checkBytes / denseBytes;
        text.AppendLine($"- Size: {checkBytes:N0} bytes, {ratio:P1} of the dense file's {denseBytes:N0} → {(ratio <= 0.2 ? "PASS" : "FAIL")} (≤ 20 %).");
        if (peer.TryGetProperty("check", out var check) && check.ValueKind == JsonValueKind.Object)
        {
            bool ok = check.GetProperty("ok").GetBoolean();
            string detail = ok ? "" : $": {check.GetProperty("error").GetString()}";
            text.AppendLine($"- `onnx.checker.check_model` (onnx {versions.GetProperty("onnx").GetString()}): {(ok ? "PASS" : "FAIL")}{detail}.");
            if (check.TryGetProperty("full_check_ok", out var full))
            {
                string fullDetail = full.GetBoolean() ? "PASS" : $"FAIL: {check.GetProperty("full_check_error").GetString()}";
                text.AppendLine($"- `onnx.checker.check_model(..., full_check=True)` (with shape inference): {fullDetail}.");
            }
        }
        if (comparison is not null)
        {
            text.AppendLine($"- ONNX Runtime (`InferenceSession`), compact vs masked-dense model on the {comparison.Rows:N0} test images: " +
                $"max |Δ Score| = {comparison.MaxAbsDifference:G3}, {comparison.ArgMaxDisagreements} arg-max disagreements, " +
                $"accuracy {comparison.AccuracyA:P2} (compact) vs {comparison.AccuracyB:P2} (dense) → {(comparison.MaxAbsDifference <= 1e-6 && comparison.ArgMaxDisagreements == 0 ? "PASS" : "CHECK")}.");
        }
        text.Append(TorchRetry.Note());
        return text.ToString();
    }
}
