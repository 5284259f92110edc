using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// structured, part minilm: all-MiniLM-L6-v2 with attention heads removed (Granularity Head), then feed-forward units removed
/// (Granularity Neuron on the head-pruned file, the attention projections excluded), over a grid of fractions; each Fit
/// optionally followed by distillation fine-tuning. Measured: ONNX Runtime latency at batch 32 × 128 tokens vs dense, and the
/// mean cosine between the pruned and the dense model's mean-pooled sentence embeddings on held-out fortune lines; a table and
/// an SVG curve (speed-up vs cosine).
/// </summary>
internal static class StructuredMiniLm
{
    /// <summary>The MatMul weights of one encoder layer, in graph order: query, key, value, attention output, FFN in, FFN out.</summary>
    private const int WeightsPerLayer = 6;

    /// <summary>Head size of all-MiniLM-L6-v2 (384 = 12 heads × 32).</summary>
    private const int HeadSize = 32;

    public const string FigureFile = "structured-minilm.svg";

    public sealed record Options(double[] FfnFractions, double[] HeadFractions, int FineTuneEpochs, int TrainLines, int HeldOutLines, int MaxTokens,
        int LatencyTokens, int LatencyBatch, int Batch, double LearningRate, int VerifyRows, string Text, bool Refit);

    private sealed record Setting(double Heads, double Ffn, byte[] Bytes, double Seconds);

    public static Options Parse(BenchmarkArguments args)
    {
        string rate = args.String("minilm-learning-rate", "1e-4");
        if (!double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out double learningRate) || !(learningRate > 0))
            throw new ArgumentException($"--minilm-learning-rate must be a positive number; got '{rate}'.");
        return new Options(
            FfnFractions: args.Fractions("ffn-fractions", [0.25, 0.5, 0.75]),
            HeadFractions: args.Fractions("head-fractions", [0, 0.25, 0.5]),
            FineTuneEpochs: args.Int("minilm-fine-tune-epochs", 0, min: 0),
            TrainLines: args.Int("train-lines", 1000),
            HeldOutLines: args.Int("held-out-lines", 500),
            MaxTokens: args.Int("max-tokens", 64, min: 3),
            LatencyTokens: args.Int("latency-tokens", 128, min: 3),
            LatencyBatch: args.Int("minilm-latency-batch", 32),
            Batch: args.Int("minilm-batch", 16),
            LearningRate: learningRate,
            VerifyRows: args.Int("minilm-verify-rows", 16, min: 0),
            Refit: args.Int("minilm-refit", 1, min: 0) != 0,
            Text: args.String("text", FortuneLines.DebianFolder));
    }

    public static string Run(StructuredBenchmark.Settings s, Options o, List<string> versions)
    {
        versions.Add($"Microsoft.ML.Tokenizers {MiniLmSetup.Version(typeof(BertTokenizer).Assembly)}");
        var model = MiniLmSetup.Load();
        // The minilm benchmarks' lines: the same shuffle and held-out lines; training (verification, distillation) lines after them.
        var lines = MiniLmSetup.Shuffle(o.Text, s.Seed, o.HeldOutLines + o.TrainLines, $"--held-out-lines {o.HeldOutLines} + --train-lines {o.TrainLines}");
        var heldOut = MiniLmSetup.Tokenize(model.Tokenizer, lines.Shuffled[..o.HeldOutLines], o.MaxTokens);
        var train = MiniLmSetup.Tokenize(model.Tokenizer, lines.Shuffled[o.HeldOutLines..(o.HeldOutLines + o.TrainLines)], o.MaxTokens);
        var denseHeldOut = MiniLmSetup.Embed(model.Bytes, heldOut, s.OrtThreads);
        var ml = new MLContext(seed: s.Seed);
        var trainView = MiniLmSetup.TokenView(ml, train);
        Format.Progress($"minilm: {lines.Usable:N0} lines; {o.HeldOutLines} held out, {o.TrainLines} for verification and fine-tuning.");

        PruneOptions Options(OnnxModel start, PruningGranularity granularity, double fraction, IEnumerable<string> excluded) => new()
        {
            Model = start,
            InputColumnNames = MiniLmSetup.InputColumns,
            OutputColumnNames = [MiniLmSetup.HiddenState],
            Criterion = "magnitude-l2",
            Granularity = granularity,
            Sparsity = fraction,
            Scope = PruningScope.Layer,
            ExcludedLayers = [.. excluded],
            Seed = s.Seed,
            CalibrationRows = o.Refit ? o.TrainLines : Math.Max(1, o.VerifyRows),
            Structured = new StructuredOptions { VerifyRows = o.VerifyRows, RefitConsumers = o.Refit },
            FineTune = o.FineTuneEpochs == 0 ? null : new FineTuneOptions
            {
                Epochs = o.FineTuneEpochs,
                BatchSize = o.Batch,
                LearningRate = o.LearningRate,
                LabelColumnName = null,
                ScoreColumnName = MiniLmSetup.HiddenState,
                Distillation = new DistillationOptions { Weight = 1, EmbeddingLoss = EmbeddingLoss.Cosine },
            },
        };

        var settings = new List<Setting>();
        foreach (double heads in o.HeadFractions)
        {
            // 1. Heads: Q, K, V columns and the output projection's rows of the lowest-scoring heads, in every layer.
            OnnxModel headPruned = model.Dense;
            double headSeconds = 0;
            if (heads > 0)
            {
                Format.Progress($"minilm: removing {heads:P0} of the heads ...");
                var fit = TorchRetry.Run($"minilm heads {heads:P0}",
                    () => ml.Pruning().Prune(Options(model.Dense, PruningGranularity.Head, heads, Pooler(model.Dense))).Fit(trainView));
                headPruned = OnnxModel.Load(fit.CompactOnnx.Span);
                headSeconds = fit.Report.Elapsed.TotalSeconds;
            }
            // 2. FFN units, on the head-pruned file: the attention projections are excluded, so only the FFN groups (FFN in → GELU → FFN out) are cut.
            // The head groups are not Neuron groups and the hidden width is unprunable (LayerNorm), so the FFN groups are all Neuron prunes;
            // excluding the attention and pooler weights only says so.
            var excluded = AttentionWeights(headPruned).Concat(Pooler(headPruned)).ToList();
            foreach (double ffn in o.FfnFractions)
            {
                Format.Progress($"minilm: heads {heads:P0}, removing {ffn:P0} of the FFN units ...");
                var fit = TorchRetry.Run($"minilm heads {heads:P0} ffn {ffn:P0}",
                    () => ml.Pruning().Prune(Options(headPruned, PruningGranularity.Neuron, ffn, excluded)).Fit(trainView));
                settings.Add(new Setting(heads, ffn, fit.CompactOnnx.ToArray(), headSeconds + fit.Report.Elapsed.TotalSeconds));
            }
        }

        var cosines = settings.Select(p => MiniLmSetup.Compare(denseHeldOut, MiniLmSetup.Embed(p.Bytes, heldOut, s.OrtThreads))).ToList();
        InputFeed[] feeds =
        [
            InputFeed.Int64(MiniLmSetup.InputIds, [o.LatencyTokens], i => i == 0 ? model.Tokenizer.ClassificationTokenId : 1000 + i * 37 % 20000),
            InputFeed.Int64(MiniLmSetup.AttentionMask, [o.LatencyTokens], _ => 1),
            InputFeed.Int64(MiniLmSetup.TokenTypeIds, [o.LatencyTokens], _ => 0),
        ];
        var models = new List<byte[]> { model.Bytes };
        models.AddRange(settings.Select(p => p.Bytes));
        Format.Progress($"minilm: ONNX Runtime latency of {models.Count} models at batch {o.LatencyBatch} × {o.LatencyTokens} tokens ...");
        double[] latency = LatencyTimer.Medians(models, feeds, o.LatencyBatch, s.Warmup, s.Repeats, s.OrtThreads, s.Seed);
        return Report(s, o, model, lines.Usable, settings, cosines, latency, feeds);
    }

    /// <summary>The pooler's Gemm weight(s): not on the path to last_hidden_state.</summary>
    private static IEnumerable<string> Pooler(OnnxModel model) =>
        model.GetPrunableWeights().Where(w => w.Role != PrunableWeightRole.MatMulWeight).Select(w => w.Name);

    /// <summary>The attention projections (query, key, value, output) of every encoder layer: the first four of each layer's six MatMul weights.</summary>
    private static IEnumerable<string> AttentionWeights(OnnxModel model)
    {
        var matMuls = MatMuls(model);
        return matMuls.Where((_, i) => i % WeightsPerLayer < 4).Select(w => w.Name);
    }

    private static List<PrunableWeight> MatMuls(OnnxModel model)
    {
        var matMuls = model.GetPrunableWeights().Where(w => w.Role == PrunableWeightRole.MatMulWeight).ToList();
        if (matMuls.Count % WeightsPerLayer != 0 || matMuls.Count == 0)
            throw new InvalidOperationException($"Expected six MatMul weights per encoder layer; the model has {matMuls.Count}.");
        return matMuls;
    }

    private static string Report(StructuredBenchmark.Settings s, Options o, MiniLmSetup.Model model, int usableLines, List<Setting> settings,
        List<MiniLmSetup.Similarity> cosines, double[] latency, InputFeed[] feeds)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine("### minilm: all-MiniLM-L6-v2, attention heads and feed-forward units removed");
        text.AppendLine();
        text.AppendLine($"The minilm benchmark's model (NuGet {MiniLmSetup.Assembly}, 6 encoder layers of 12 heads and 1,536 feed-forward units). " +
            "Each setting is two Fits of `ml.Pruning().Prune(new PruneOptions { Criterion = \"magnitude-l2\", Scope = Layer, ... })`: " +
            "`Granularity = Head` removes that fraction of every layer's heads (Q, K and V columns, the output projection's rows, the Reshape " +
            "head counts), then `Granularity = Neuron` on the head-pruned file, with the attention projections in `ExcludedLayers`, removes that " +
            "fraction of every layer's feed-forward units (FFN-in columns, bias, FFN-out rows). " +
            (o.Refit
                ? $"Reconstruction: `Structured.RefitConsumers = true` on the first {o.TrainLines} training lines (`CalibrationRows`): after each group's " +
                  "choice the next layer (the attention output projection for heads, FFN-out for units) is refit by least squares on the kept inputs, bias " +
                  "included, group after group on the partly pruned model. "
                : "") +
            (o.FineTuneEpochs == 0
                ? (o.Refit ? "No fine-tuning (`--minilm-fine-tune-epochs 0`)." : "No reconstruction (`--minilm-refit 0 --minilm-fine-tune-epochs 0`): the numbers are one-shot.")
                : $"Each Fit distils from the model it starts from: `FineTune` without labels, {o.FineTuneEpochs} epoch(s) over {o.TrainLines} lines, " +
                  $"batch {o.Batch}, Adam lr {o.LearningRate.ToString(c)}, cosine on `{MiniLmSetup.HiddenState}`.") +
            $" Held out: the minilm benchmark's first {o.HeldOutLines} of {usableLines:N0} shuffled fortune lines (seed {s.Seed}), at most {o.MaxTokens} tokens; " +
            $"the cosine compares each line's mean-pooled `{MiniLmSetup.HiddenState}` with the dense model's. Latency: batch {o.LatencyBatch} × " +
            $"{o.LatencyTokens} tokens, all {settings.Count + 1} models in one loop. MACs per sequence of {o.LatencyTokens} tokens (attention's " +
            "activation × activation MatMuls included).");
        text.AppendLine();
        var table = new MarkdownTable("heads removed", "FFN units removed", "heads / FFN units per layer", "parameters", "file bytes", "MACs",
            $"ORT ms, {o.LatencyBatch} × {o.LatencyTokens}", "speed-up", "held-out mean cosine", "median", "min", "prune time");
        var feedsAtLength = feeds;
        byte[] dense = model.Bytes;
        table.Add("dense", "", Widths(dense), $"{ModelSize.Parameters(dense):N0}", Format.Bytes(dense.Length), $"{ModelSize.Macs(dense, feedsAtLength):N0}",
            StructuredBenchmark.Ms(latency[0]), "1.00×", "1.0000", "1.0000", "1.0000", "");
        var points = new List<SvgScatter.Point>();
        for (int i = 0; i < settings.Count; i++)
        {
            var p = settings[i];
            var cos = cosines[i];
            double speedUp = latency[0] / latency[i + 1];
            table.Add($"{p.Heads:P0}", $"{p.Ffn:P0}", Widths(p.Bytes), $"{ModelSize.Parameters(p.Bytes):N0}", Format.Bytes(p.Bytes.Length),
                $"{ModelSize.Macs(p.Bytes, feedsAtLength):N0}", StructuredBenchmark.Ms(latency[i + 1]), Format.Ratio(speedUp),
                cos.Mean.ToString("F4", c), cos.Median.ToString("F4", c), cos.Min.ToString("F4", c), Format.Seconds(p.Seconds));
            points.Add(new SvgScatter.Point(speedUp, cos.Mean, $"h{p.Heads * 100:0}/f{p.Ffn * 100:0}"));
        }
        text.AppendLine(table.ToString());
        text.AppendLine();

        string svg = SvgScatter.Draw($"all-MiniLM-L6-v2, structured: speed-up vs cosine (h = heads %, f = FFN units % removed)",
            $"ONNX Runtime speed-up at batch {o.LatencyBatch} x {o.LatencyTokens} tokens", "held-out mean cosine to dense", points, xTarget: 1.5, yTarget: 0.95);
        Directory.CreateDirectory(s.Figures);
        string figure = Path.Combine(s.Figures, FigureFile);
        File.WriteAllText(figure, svg);
        string normalized = s.Figures.Replace('\\', '/').TrimEnd('/');
        text.AppendLine(normalized.EndsWith("benchmarks/results", StringComparison.Ordinal)
            ? $"![speed-up vs cosine](benchmarks/results/{FigureFile})"
            : $"The curve (speed-up vs held-out mean cosine, dashed: the targets): `{figure}`.");
        text.AppendLine();

        var best = settings.Select((p, i) => (p, Speed: latency[0] / latency[i + 1], Cosine: cosines[i].Mean))
            .Where(t => t.Speed >= 1.5 && t.Cosine >= 0.95).OrderByDescending(t => t.Speed).FirstOrDefault();
        text.AppendLine(best.p is null
            ? "- Target: a setting ≥ 1.5× faster with held-out mean cosine ≥ 0.95: none → **MISSED**."
            : $"- Target: a setting ≥ 1.5× faster with held-out mean cosine ≥ 0.95: heads {best.p.Heads:P0} / FFN {best.p.Ffn:P0}, {Format.Ratio(best.Speed)} " +
              $"at cosine {best.Cosine.ToString("F4", c)} → **met** (the fastest such setting).");
        return text.ToString();
    }

    /// <summary>"12 / 1,536": heads (Q width / head size) and FFN units (FFN-in width) of the first encoder layer, read from the file.</summary>
    private static string Widths(byte[] bytes)
    {
        var matMuls = MatMuls(OnnxModel.Load(bytes));
        long q = matMuls[0].Shape[^1], ffn = matMuls[4].Shape[^1];
        return $"{q / HeadSize} / {ffn:N0}";
    }
}
