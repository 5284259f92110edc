using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Numerics;
using System.Runtime.ExceptionServices;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>
/// Chooses which weights to prune: the ones with the smallest importance scores, exactly as many as the
/// target sparsity asks for, per layer or across layers (<see cref="PruningScope"/>).
/// </summary>
/// <remarks>
/// <para>
/// Any criterion plugs in through its scores: <see cref="Select(IReadOnlyList{LayerValues}, MaskSelectionOptions)"/>
/// takes one non-negative score per weight (lower = less important), and
/// <see cref="SelectByMagnitude(IReadOnlyList{LayerValues}, MaskSelectionOptions)"/> is the same selection with
/// |w| as the score, computed on the fly.
/// </para>
/// <para>
/// Of n candidate weights exactly <see cref="TargetPrunedCount"/>(n, s) are pruned. Equal scores are broken by
/// position: layer order, then index, so the count is exact even when every score is equal (e.g. all zeros).
/// The threshold is found by selection (<c>Introselect</c>: quickselect, average O(n), O(n log n) worst case),
/// not by sorting, on a pooled copy of the scores; inputs are never modified. Large inputs are processed in
/// parallel chunks.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var layers = new[] { new LayerValues("fc1.weight", fc1), new LayerValues("fc2.weight", fc2) };
/// var masks = MaskSelector.SelectByMagnitude(layers, new MaskSelectionOptions { Sparsity = 0.9, Scope = PruningScope.Global });
/// masks[0].ApplyTo(fc1);
/// masks[1].ApplyTo(fc2);
/// </code>
/// </example>
public static class MaskSelector
{
    /// <summary>Chunk of one layer handled by one parallel work item.</summary>
    private const int ChunkSize = 1 << 18;

    /// <summary>Groups smaller than this are handled on the calling thread; parallelism would cost more than it saves.</summary>
    private const int ParallelThreshold = 1 << 20;

    /// <summary>
    /// Number of weights pruned out of <paramref name="parameters"/> at <paramref name="sparsity"/>:
    /// round(sparsity·parameters), midpoints to even (as Python's <c>round</c> in <c>torch.nn.utils.prune</c>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="parameters"/> is negative or <paramref name="sparsity"/> is not in [0, 1).</exception>
    public static long TargetPrunedCount(long parameters, double sparsity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(parameters);
        MaskSelectionOptions.ValidateSparsity(sparsity, nameof(MaskSelectionOptions.Sparsity));
        return Math.Min(parameters, (long)Math.Round(sparsity * parameters, MidpointRounding.ToEven));
    }

    /// <summary>
    /// Selects masks from importance scores: one non-negative score per weight, lower = less important.
    /// </summary>
    /// <param name="scores">Each layer's scores, in the layer's flattened order; names must be unique.</param>
    /// <param name="options">Target sparsity, scope and per-layer overrides.</param>
    /// <returns>One mask per layer, in the order of <paramref name="scores"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">Names are missing or repeated, an override names no layer, or a score is negative.</exception>
    /// <exception cref="InvalidDataException">A score is NaN; the message names the layer.</exception>
    public static IReadOnlyList<PruningMask> Select(IReadOnlyList<LayerValues> scores, MaskSelectionOptions options) =>
        SelectCore(scores, options, magnitude: false, nameof(scores));

    /// <summary>Selects masks from importance scores at one sparsity and scope, without overrides.</summary>
    /// <inheritdoc cref="Select(IReadOnlyList{LayerValues}, MaskSelectionOptions)"/>
    public static IReadOnlyList<PruningMask> Select(IReadOnlyList<LayerValues> scores, double sparsity, PruningScope scope = PruningScope.Global) =>
        Select(scores, new MaskSelectionOptions { Sparsity = sparsity, Scope = scope });

    /// <summary>
    /// Selects masks by weight magnitude: the weights of smallest |w| are pruned. Existing zeros are the first
    /// candidates.
    /// </summary>
    /// <param name="weights">Each layer's weights, in the layer's flattened order; names must be unique.</param>
    /// <param name="options">Target sparsity, scope and per-layer overrides.</param>
    /// <returns>One mask per layer, in the order of <paramref name="weights"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">Names are missing or repeated, or an override names no layer.</exception>
    /// <exception cref="InvalidDataException">A weight is NaN; the message names the layer.</exception>
    public static IReadOnlyList<PruningMask> SelectByMagnitude(IReadOnlyList<LayerValues> weights, MaskSelectionOptions options) =>
        SelectCore(weights, options, magnitude: true, nameof(weights));

    /// <summary>Selects masks by weight magnitude at one sparsity and scope, without overrides.</summary>
    /// <inheritdoc cref="SelectByMagnitude(IReadOnlyList{LayerValues}, MaskSelectionOptions)"/>
    public static IReadOnlyList<PruningMask> SelectByMagnitude(IReadOnlyList<LayerValues> weights, double sparsity, PruningScope scope = PruningScope.Global) =>
        SelectByMagnitude(weights, new MaskSelectionOptions { Sparsity = sparsity, Scope = scope });

    /// <summary>
    /// N:M selection (<see cref="PruningGranularity.NM"/>): of every <paramref name="m"/> consecutive entries along
    /// <paramref name="axis"/> of the row-major tensor of <paramref name="shape"/>, the <paramref name="n"/> of highest score
    /// are kept, separately for every position of the other axes. Of equal scores the earlier index is pruned first, so
    /// every group keeps exactly <paramref name="n"/>.
    /// </summary>
    /// <param name="scores">One non-negative score per weight of the layer, row-major.</param>
    /// <param name="shape">The weight's shape, e.g. [out, in] for Gemm with transB = 1.</param>
    /// <param name="axis">The axis the groups run along: the input dimension (1 of [out, in], 0 of MatMul's [in, out], 1 of Conv's [M, C/group, kernel…]).</param>
    /// <param name="n">Weights kept per group, 0 ≤ n ≤ m.</param>
    /// <param name="m">Weights per group, at least 1; it must divide the axis.</param>
    /// <returns>The layer's mask; it prunes exactly (m − n)/m of the weights.</returns>
    /// <exception cref="ArgumentOutOfRangeException">n or m out of range, m does not divide the axis, or the axis is outside the shape.</exception>
    /// <exception cref="ArgumentException">The shape does not hold the scores, the layer has no name, or a score is negative.</exception>
    /// <exception cref="InvalidDataException">A score is NaN; the message names the layer.</exception>
    /// <example>
    /// <code>
    /// // 2:4 along the inputs of a Gemm weight [out = 3, in = 8] (transB = 1): each row keeps 2 of every 4.
    /// PruningMask mask = MaskSelector.SelectNM(new LayerValues("fc.weight", wandaScores), [3, 8], axis: 1, n: 2, m: 4);
    /// </code>
    /// </example>
    public static PruningMask SelectNM(LayerValues scores, IReadOnlyList<long> shape, int axis, int n, int m) =>
        NMGroupSelection.Select(scores.Name, scores.Values.Span, magnitude: false, shape, axis, n, m);

    /// <summary>
    /// N:M selection by weight magnitude: of every <paramref name="m"/> consecutive weights along <paramref name="axis"/>,
    /// the <paramref name="n"/> of largest |w| are kept (existing zeros are the first pruned).
    /// </summary>
    /// <param name="weights">The layer's weights, row-major.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="axis">The axis the groups run along (the input dimension).</param>
    /// <param name="n">Weights kept per group, 0 ≤ n ≤ m.</param>
    /// <param name="m">Weights per group, at least 1; it must divide the axis.</param>
    /// <returns>The layer's mask.</returns>
    /// <exception cref="ArgumentOutOfRangeException">n or m out of range, m does not divide the axis, or the axis is outside the shape.</exception>
    /// <exception cref="ArgumentException">The shape does not hold the weights, or the layer has no name.</exception>
    /// <exception cref="InvalidDataException">A weight is NaN; the message names the layer.</exception>
    public static PruningMask SelectNMByMagnitude(LayerValues weights, IReadOnlyList<long> shape, int axis, int n, int m) =>
        NMGroupSelection.Select(weights.Name, weights.Values.Span, magnitude: true, shape, axis, n, m);

    private static PruningMask[] SelectCore(IReadOnlyList<LayerValues> layers, MaskSelectionOptions options, bool magnitude, string layersName)
    {
        ArgumentNullException.ThrowIfNull(layers, layersName);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Snapshot with exact name matching, whatever comparer the caller's dictionary uses.
        var overrides = new Dictionary<string, double>(options.LayerSparsity, StringComparer.Ordinal);
        CheckNames(layers, overrides, layersName);

        List<Group> groups = Plan(layers, options.Sparsity, options.Scope, overrides);
        var masks = new PruningMask[layers.Count];
        var errors = new ExceptionDispatchInfo?[groups.Count];
        var run = (Group group, int g) =>
        {
            try { Process(layers, group, magnitude, masks); }
            catch (Exception e) { errors[g] = ExceptionDispatchInfo.Capture(e); }
        };

        if (groups.Count == 1)
            run(groups[0], 0);
        else
            Parallel.For(0, groups.Count, g => run(groups[g], g));

        // Report the failure of the earliest layer, whatever thread found it first.
        int first = -1;
        for (int g = 0; g < groups.Count; g++)
        {
            if (errors[g] != null && (first < 0 || groups[g].FailedLayer < groups[first].FailedLayer))
                first = g;
        }
        if (first >= 0)
            errors[first]!.Throw();
        return masks;
    }

    private static void CheckNames(IReadOnlyList<LayerValues> layers, Dictionary<string, double> overrides, string layersName)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int l = 0; l < layers.Count; l++)
        {
            string name = layers[l].Name;
            if (string.IsNullOrEmpty(name))
                throw new ArgumentException($"Layer {l} has no name.", layersName);
            if (!seen.Add(name))
                throw new ArgumentException($"Layer name '{name}' appears more than once.", layersName);
        }
        foreach (string name in overrides.Keys)
        {
            if (!seen.Contains(name))
                throw new ArgumentException($"{nameof(MaskSelectionOptions.LayerSparsity)} names layer '{name}', which is not among the {layers.Count} layers given.", "options");
        }
    }

    /// <summary>Splits the layers into groups that share one threshold.</summary>
    private static List<Group> Plan(IReadOnlyList<LayerValues> layers, double sparsity, PruningScope scope, Dictionary<string, double> overrides)
    {
        var groups = new List<Group>();
        var pooled = new List<int>();
        for (int l = 0; l < layers.Count; l++)
        {
            if (overrides.TryGetValue(layers[l].Name, out double own))
                groups.Add(new Group([l], own, layers));
            else if (scope == PruningScope.Global)
                pooled.Add(l);
            else
                groups.Add(new Group([l], sparsity, layers));
        }
        if (pooled.Count > 0)
            groups.Add(new Group([.. pooled], sparsity, layers));
        return groups;
    }

    private static void Process(IReadOnlyList<LayerValues> layers, Group group, bool magnitude, PruningMask[] masks)
    {
        Chunk[] chunks = group.Chunks;
        bool parallel = group.Total >= ParallelThreshold;
        var keeps = new bool[group.Layers.Length][];
        for (int i = 0; i < keeps.Length; i++)
            keeps[i] = new bool[layers[group.Layers[i]].Values.Length];

        if (group.PruneCount == 0)
        {
            // Nothing to prune, but bad data is still bad data.
            var invalid = new int[chunks.Length];
            ForEach(chunks.Length, parallel, c =>
            {
                Chunk chunk = chunks[c];
                invalid[c] = CopyChecked(Source(layers, chunk), default, magnitude);
                keeps[chunk.Member].AsSpan(chunk.Start, chunk.Length).Fill(true);
            });
            ThrowIfInvalid(layers, group, invalid, magnitude);
            for (int i = 0; i < keeps.Length; i++)
                masks[group.Layers[i]] = new PruningMask(layers[group.Layers[i]].Name, keeps[i], 0);
            return;
        }

        if (group.Total > Array.MaxLength)
            throw new NotSupportedException($"One selection covers at most {Array.MaxLength} weights; these layers have {group.Total}. Use {nameof(PruningScope)}.{nameof(PruningScope.Layer)} or per-layer overrides.");

        int total = (int)group.Total;
        float threshold;
        float[] work = ArrayPool<float>.Shared.Rent(total);
        try
        {
            var invalid = new int[chunks.Length];
            ForEach(chunks.Length, parallel, c =>
                invalid[c] = CopyChecked(Source(layers, chunks[c]), work.AsSpan((int)chunks[c].Offset, chunks[c].Length), magnitude));
            ThrowIfInvalid(layers, group, invalid, magnitude);
            threshold = Introselect.Select(work.AsSpan(0, total), (int)group.PruneCount - 1);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(work);
        }

        // Prune everything below the threshold, then the first of the ties (in layer, index order) until the count is exact.
        var less = new int[chunks.Length];
        var equal = new int[chunks.Length];
        ForEach(chunks.Length, parallel, c =>
        {
            Chunk chunk = chunks[c];
            (less[c], equal[c]) = MarkKept(Source(layers, chunk), keeps[chunk.Member].AsSpan(chunk.Start, chunk.Length), threshold, magnitude);
        });

        long ties = group.PruneCount;
        for (int c = 0; c < chunks.Length; c++)
            ties -= less[c];
        var pruned = new int[keeps.Length];
        var tieQuota = new int[chunks.Length];
        for (int c = 0; c < chunks.Length; c++)
        {
            tieQuota[c] = (int)Math.Min(ties, equal[c]);
            ties -= tieQuota[c];
            pruned[chunks[c].Member] += less[c] + tieQuota[c];
        }
        for (int c = 0; c < chunks.Length; c++)
        {
            if (tieQuota[c] == 0)
                continue;
            Chunk chunk = chunks[c];
            PruneTies(Source(layers, chunk), keeps[chunk.Member].AsSpan(chunk.Start, chunk.Length), threshold, magnitude, tieQuota[c]);
        }

        for (int i = 0; i < keeps.Length; i++)
            masks[group.Layers[i]] = new PruningMask(layers[group.Layers[i]].Name, keeps[i], pruned[i]);
    }

    private static ReadOnlySpan<float> Source(IReadOnlyList<LayerValues> layers, Chunk chunk) =>
        layers[chunk.Layer].Values.Span.Slice(chunk.Start, chunk.Length);

    private static void ForEach(int count, bool parallel, Action<int> body)
    {
        if (parallel)
        {
            Parallel.For(0, count, body);
        }
        else
        {
            for (int i = 0; i < count; i++)
                body(i);
        }
    }

    private static void ThrowIfInvalid(IReadOnlyList<LayerValues> layers, Group group, int[] invalid, bool magnitude)
    {
        // Chunks are in layer, then index order: the first hit is the earliest bad value.
        for (int c = 0; c < invalid.Length; c++)
        {
            if (invalid[c] < 0)
                continue;
            Chunk chunk = group.Chunks[c];
            group.FailedLayer = chunk.Layer;
            int index = chunk.Start + invalid[c];
            string name = layers[chunk.Layer].Name;
            float value = layers[chunk.Layer].Values.Span[index];
            if (float.IsNaN(value))
            {
                throw new InvalidDataException(magnitude
                    ? $"Layer '{name}' has a NaN weight at index {index}; NaN weights cannot be ranked for pruning."
                    : $"Layer '{name}' has a NaN importance score at index {index}; NaN scores cannot be ranked for pruning.");
            }
            throw new ArgumentException(
                $"Layer '{name}' has a negative importance score at index {index}; scores must be non-negative (pass weights to {nameof(SelectByMagnitude)} to rank by |w|).",
                "scores");
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> (as |x| when <paramref name="magnitude"/>) into <paramref name="destination"/>
    /// (unless it is empty) and returns the index of the first NaN or, for scores, negative value; -1 if none.
    /// </summary>
    private static int CopyChecked(ReadOnlySpan<float> source, Span<float> destination, bool magnitude)
    {
        bool copy = !destination.IsEmpty;
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(source.Slice(i));
                if (magnitude)
                    v = Vector.Abs(v);
                // x != x only for NaN; the scalar loop below pins down which element failed.
                if (!Vector.EqualsAll(v, v) || (!magnitude && Vector.LessThanAny(v, Vector<float>.Zero)))
                    break;
                if (copy)
                    v.CopyTo(destination.Slice(i));
            }
        }
        for (; i < source.Length; i++)
        {
            float x = magnitude ? Math.Abs(source[i]) : source[i];
            if (float.IsNaN(x) || x < 0)
                return i;
            if (copy)
                destination[i] = x;
        }
        return -1;
    }

    /// <summary>Keeps the values at or above <paramref name="threshold"/>; counts those below and equal.</summary>
    private static (int Less, int Equal) MarkKept(ReadOnlySpan<float> source, Span<bool> keep, float threshold, bool magnitude)
    {
        int less = 0, equal = 0;
        for (int i = 0; i < source.Length; i++)
        {
            float x = magnitude ? Math.Abs(source[i]) : source[i];
            keep[i] = x >= threshold;
            less += x < threshold ? 1 : 0;
            equal += x == threshold ? 1 : 0;
        }
        return (less, equal);
    }

    /// <summary>Prunes the first <paramref name="quota"/> values equal to <paramref name="threshold"/>.</summary>
    private static void PruneTies(ReadOnlySpan<float> source, Span<bool> keep, float threshold, bool magnitude, int quota)
    {
        for (int i = 0; i < source.Length && quota > 0; i++)
        {
            float x = magnitude ? Math.Abs(source[i]) : source[i];
            if (x == threshold)
            {
                keep[i] = false;
                quota--;
            }
        }
    }

    /// <summary>A piece of one layer: <see cref="Member"/> indexes the group's layers, <see cref="Offset"/> the group's work buffer.</summary>
    private readonly record struct Chunk(int Layer, int Member, int Start, int Length, long Offset);

    /// <summary>Layers that share one threshold and one pruning count.</summary>
    private sealed class Group
    {
        public Group(int[] layerIndices, double sparsity, IReadOnlyList<LayerValues> layers)
        {
            Layers = layerIndices;
            FailedLayer = layerIndices[0];
            var chunks = new List<Chunk>();
            long offset = 0;
            for (int m = 0; m < layerIndices.Length; m++)
            {
                int length = layers[layerIndices[m]].Values.Length;
                for (int start = 0; start < length; start += ChunkSize)
                {
                    int size = Math.Min(ChunkSize, length - start);
                    chunks.Add(new Chunk(layerIndices[m], m, start, size, offset));
                    offset += size;
                }
            }
            Chunks = [.. chunks];
            Total = offset;
            PruneCount = TargetPrunedCount(offset, sparsity);
        }

        public int[] Layers { get; }

        public Chunk[] Chunks { get; }

        public long Total { get; }

        public long PruneCount { get; }

        /// <summary>The layer whose bad value stopped this group (else its first layer), for picking which error to report.</summary>
        public int FailedLayer { get; set; }
    }
}
