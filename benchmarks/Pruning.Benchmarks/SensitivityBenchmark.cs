using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// sensitivity (issue 12): per-layer sparsities suggested by a sensitivity analysis (each layer pruned alone by magnitude, accuracy on
/// validation rows held out of the training file) against the same sparsity in every layer, at the same total, on LeNet-300-100 (the
/// lenet benchmark's SparseMlp) and LeNet-5 (lenet5's PyTorch export): magnitude one-shot and + fine-tuning, test accuracy.
/// </summary>
internal static class SensitivityBenchmark
{
    private static readonly string[] AllModels = ["lenet", "lenet5"];

    /// <summary>Everything both models share.</summary>
    private sealed record Settings(double[] Sparsities, double[] Totals, int FineTuneEpochs, int TrainRows, int ValidationRows, int Seed, string Data,
        string Output, string Plots, int Threads);

    /// <summary>One pruned model: total, allocation, fine-tune epochs, the overall sparsity reached and the test accuracy.</summary>
    private sealed record Row(double Total, string Allocation, int Epochs, double Reached, double Accuracy);

    /// <summary>One model's part of the section.</summary>
    private sealed record Part(string Title, string Description, SensitivityResult Sensitivity, double DenseAccuracy,
        IReadOnlyDictionary<double, IReadOnlyDictionary<string, double>> Suggestions, List<Row> Rows, IReadOnlyList<SweepPlots.Figure> Figures);

    public static string Run(BenchmarkArguments args)
    {
        string[] models = args.String("models", string.Join(',', AllModels)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (models.Length == 0 || models.Any(m => !AllModels.Contains(m)) || models.Distinct().Count() != models.Length)
            throw new ArgumentException($"--models takes some of {string.Join(", ", AllModels)}, comma-separated; got '{string.Join(',', models)}'.");
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "sensitivity")));
        var settings = new Settings(
            Sparsities: args.Fractions("sparsities", [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99]),
            Totals: args.Fractions("totals", [0.8, 0.9, 0.95]),
            FineTuneEpochs: args.Int("fine-tune-epochs", 1),
            TrainRows: args.Int("train-rows", 50_000),
            ValidationRows: args.Int("validation-rows", 10_000),
            Seed: args.Int("seed", 1, min: 0),
            Data: args.String("data", FashionMnist.DebianFolder),
            Output: output,
            Plots: SweepPlots.Folder(args, output),
            Threads: TorchSharp.torch.get_num_threads());
        int lenetEpochs = args.Int("dense-epochs", 10);
        int lenet5Epochs = args.Int("lenet5-epochs", 10);
        string cache = Path.GetFullPath(args.String("cache", RealModels.DefaultCache));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript("real_models.py"));
        args.ThrowIfUnknown();
        if (settings.Sparsities.Length == 0 || settings.Totals.Length == 0) throw new ArgumentException("--sparsities and --totals must not be empty.");
        if (settings.Totals.Max() > settings.Sparsities.Max())
            throw new ArgumentException($"--totals go up to {settings.Totals.Max()}, above the largest analysed sparsity {settings.Sparsities.Max()}: no allocation reaches it.");
        Directory.CreateDirectory(output);

        var parts = new List<Part>();
        var versions = new List<string>();
        foreach (string model in models)
        {
            var ml = new MLContext(seed: model == "lenet" ? LeNetSetup.DenseSeed : settings.Seed);
            var (full, testView) = FashionMnist.Load(ml, settings.Data);
            long available = full.GetRowCount() ?? throw new InvalidOperationException("The training set has no row count.");
            if (settings.ValidationRows >= available) throw new ArgumentException($"--validation-rows {settings.ValidationRows} leaves no training rows of {available}.");
            var validation = ml.Data.SkipRows(full, available - settings.ValidationRows);
            int trainRows = (int)Math.Min(settings.TrainRows, available - settings.ValidationRows);
            var train = ml.Data.Cache(ml.Data.TakeRows(full, trainRows));
            if (model == "lenet")
            {
                string densePath = Path.Combine(output, "lenet-dense.onnx");
                Format.Progress($"sensitivity: LeNet-300-100, dense {lenetEpochs} epochs on {trainRows:N0} rows ...");
                var (denseAccuracy, _, _) = LeNetSetup.TrainDense(ml, train, testView, lenetEpochs, densePath);
                parts.Add(Analyse(ml, settings, "lenet", "LeNet-300-100", densePath, LeNetSetup.Inputs, LeNetSetup.Outputs, train, validation, denseAccuracy,
                    pruned => LeNetSetup.Accuracy(ml, pruned, testView),
                    $"The lenet benchmark's dense network (SparseMlp 784-300-100-10, seed {LeNetSetup.DenseSeed}, {lenetEpochs} epochs) trained on the first " +
                    $"{trainRows:N0} rows of the Fashion-MNIST training file; accuracy by ML.NET on the 10,000 test images."));
            }
            else
            {
                var (export, _, testImages, denseAccuracy) = RealModels.LoadDense("lenet5", lenet5Epochs, settings.Seed, python, peer, cache, settings.Data, settings.Threads);
                versions.Add(export.PeerVersions);
                parts.Add(Analyse(ml, settings, "lenet5", "LeNet-5", export.OnnxPath, [RealModels.Input], [RealModels.Output], train, validation, denseAccuracy,
                    pruned => RealModels.Accuracy(pruned.Model.ToBytes(), testImages, settings.Threads),
                    $"The lenet5 benchmark's LeNet-5 (the cached export of `benchmarks/peer/real_models.py`: {export.Epochs} epochs in PyTorch on the full " +
                    $"training file, {export.Parameters:N0} parameters; the validation rows were in its training data, unlike LeNet-300-100's), fed the 784-float " +
                    $"`Features` column; fine-tuning and calibration on the first {trainRows:N0} training rows; accuracy by ONNX Runtime on the 10,000 test images."));
            }
        }
        return Report(args, settings, parts, versions);
    }

    private static Part Analyse(MLContext ml, Settings s, string key, string title, string densePath, string[] inputs, string[] outputs, IDataView train,
        IDataView validation, double denseAccuracy, Func<PrunedModelTransformer, double> testAccuracy, string description)
    {
        MagnitudePruningOptions Magnitude(double sparsity, PruningScope scope, IReadOnlyDictionary<string, double>? layers, int epochs)
        {
            var options = new MagnitudePruningOptions
            {
                ModelPath = densePath, InputColumnNames = inputs, OutputColumnNames = outputs, Sparsity = sparsity, Scope = scope, Seed = s.Seed,
                FineTune = epochs == 0 ? null : new FineTuneOptions { Epochs = epochs, LabelColumnName = "Label" },
            };
            if (layers is not null)
                foreach (var (layer, value) in layers) options.LayerSparsity[layer] = value;
            return options;
        }

        Format.Progress($"sensitivity: {title}: each layer alone at {string.Join(", ", s.Sparsities.Select(x => x.ToString("P0", CultureInfo.InvariantCulture)))} ...");
        var sensitivity = ml.Pruning().Sensitivity(new SensitivityOptions
        {
            BaseOptions = Magnitude(0, PruningScope.Layer, null, 0),
            Sparsities = [.. s.Sparsities],
            Metric = SweepMetric.Accuracy("Label", outputs[0]),
        }).Analyze(train, validation, new SyncProgress<SensitivityPoint>(p =>
            Format.Progress($"sensitivity: {title}: {p.Layer} at {p.Sparsity:P0}: validation accuracy {p.Metric:P2}.")));

        var suggestions = new Dictionary<double, IReadOnlyDictionary<string, double>>();
        var rows = new List<Row>();
        foreach (double total in s.Totals)
        {
            var suggested = sensitivity.SuggestLayerSparsity(total);
            suggestions[total] = suggested;
            foreach (int epochs in s.FineTuneEpochs == 0 ? new[] { 0 } : new[] { 0, s.FineTuneEpochs })
            {
                foreach (var (allocation, scope, layers) in new (string, PruningScope, IReadOnlyDictionary<string, double>?)[]
                    { ("uniform", PruningScope.Layer, null), ("sensitivity", PruningScope.Layer, suggested), ("global", PruningScope.Global, null) })
                {
                    var pruned = TorchRetry.Run($"{title} {allocation} {total:P0} {epochs} ep",
                        () => ml.Pruning().Magnitude(Magnitude(total, scope, layers, epochs)).Fit(train));
                    double accuracy = testAccuracy(pruned);
                    rows.Add(new Row(total, allocation, epochs, pruned.Report.Sparsity, accuracy));
                    Format.Progress($"sensitivity: {title}: {allocation} {total:P0} + {epochs} ep: {pruned.Report.Sparsity:P2} zero, test accuracy {accuracy:P2}.");
                }
            }
        }
        var figures = SweepPlots.Sensitivity(sensitivity, s.Plots, $"sensitivity-{key}.png", $"{title}: validation accuracy with one layer pruned, per layer");
        return new Part(title, description, sensitivity, denseAccuracy, suggestions, rows, figures);
    }

    private static string Report(BenchmarkArguments args, Settings s, List<Part> parts, List<string> versions)
    {
        var text = new StringBuilder();
        text.AppendLine("## sensitivity: sensitivity-guided per-layer sparsities vs the same sparsity in every layer (issue 12)");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, versions.Count == 0 ? null : string.Join(", ", versions.Distinct())));
        text.AppendLine();
        text.AppendLine("`ml.Pruning().Sensitivity(new SensitivityOptions { BaseOptions = new MagnitudePruningOptions { Scope = Layer }, Sparsities = " +
            $"[{string.Join(", ", s.Sparsities.Select(x => x.ToString(CultureInfo.InvariantCulture)))}], Metric = SweepMetric.Accuracy(\"Label\", \"Score\") }})" +
            $".Analyze(train, validation)` prunes each layer alone (every other layer dense) and measures accuracy on the last {s.ValidationRows:N0} rows of the " +
            "training file (validation; the test set is only reported). For each total sparsity T, *sensitivity* = `Magnitude(Scope = Layer, LayerSparsity = " +
            "result.SuggestLayerSparsity(T))` (per-layer sparsities whose parameter-weighted mean is T, layers whose accuracy drops least pruned most); " +
            "*uniform* = `Magnitude(Sparsity = T, Scope = Layer)` (T in every layer); *global* = `Magnitude(Sparsity = T, Scope = Global)` (one threshold, " +
            $"for reference). One-shot and + {s.FineTuneEpochs} fine-tune epoch(s) (`FineTune = {{ Epochs = {s.FineTuneEpochs} }}`, Adam, lr 1e-3, batch 128, " +
            "masks fixed). *Reached*: zeros over the prunable weights of the written model.");
        foreach (var part in parts)
        {
            text.AppendLine();
            text.AppendLine($"### {part.Title}");
            text.AppendLine();
            text.AppendLine(part.Description + $" Dense test accuracy: {Format.Percent(part.DenseAccuracy)}; dense validation accuracy: " +
                $"{Format.Percent(part.Sensitivity.DenseMetric)}.");
            text.AppendLine();
            text.AppendLine("Validation accuracy with one layer pruned (rows: layers and their prunable parameters; columns: that layer's sparsity):");
            text.AppendLine();
            var sparsities = part.Sensitivity.Points.Select(p => p.Sparsity).Distinct().Order().ToArray();
            var curves = new MarkdownTable(["layer", "parameters", .. sparsities.Select(x => $"{x * 100:0.##} %")]);
            foreach (string layer in part.Sensitivity.Layers)
            {
                string Cell(double x) => part.Sensitivity.Points.FirstOrDefault(p => p.Layer == layer && p.Sparsity == x) is { } p ? Format.Percent(p.Metric) : "–";
                curves.Add([layer, part.Sensitivity.LayerParameters.TryGetValue(layer, out long n) ? $"{n:N0}" : "?", .. sparsities.Select(Cell)]);
            }
            text.AppendLine(curves.ToString());
            text.AppendLine();
            text.AppendLine("Suggested per-layer sparsities:");
            text.AppendLine();
            var allocation = new MarkdownTable(["total", .. part.Sensitivity.Layers]);
            foreach (var (total, layers) in part.Suggestions.OrderBy(p => p.Key))
                allocation.Add([$"{total * 100:0.##} %", .. part.Sensitivity.Layers.Select(l => layers.TryGetValue(l, out double v) ? $"{v * 100:F1} %" : "–")]);
            text.AppendLine(allocation.ToString());
            text.AppendLine();
            text.AppendLine("Test accuracy (reached sparsity in brackets):");
            text.AppendLine();
            int[] epochs = [.. part.Rows.Select(r => r.Epochs).Distinct().Order()];
            string[] allocations = ["uniform", "sensitivity", "global"];
            var results = new MarkdownTable(["total", .. epochs.SelectMany(e => allocations.Select(a => $"{a}{(e == 0 ? ", one-shot" : $", + {e} ep")}")),
                .. epochs.Select(e => $"sensitivity − uniform{(e == 0 ? ", one-shot" : $", + {e} ep")} (points)")]);
            foreach (double total in s.Totals)
            {
                Row Of(string a, int e) => part.Rows.Single(r => r.Total == total && r.Allocation == a && r.Epochs == e);
                results.Add([$"{total * 100:0.##} %",
                    .. epochs.SelectMany(e => allocations.Select(a => $"{Format.Percent(Of(a, e).Accuracy)} ({Of(a, e).Reached * 100:F1} %)")),
                    .. epochs.Select(e => ((Of("sensitivity", e).Accuracy - Of("uniform", e).Accuracy) * 100).ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture))]);
            }
            text.AppendLine(results.ToString());
            text.AppendLine();
            text.AppendLine(SweepPlots.Markdown(part.Figures));
        }
        text.Append(TorchRetry.Note());
        return text.ToString();
    }
}
