using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// ADMM's projection Π onto "at most k non-zeros", as a support: which entries of W + U the nearest sparse point keeps
/// (Z is W + U there and zero elsewhere). Unstructured: the k entries of largest |·| per layer, or one threshold over all
/// layers keeping k in total. Units: the k output units of largest L2 norm, each kept or zeroed whole. Counts are exact:
/// ties are broken by position as <see cref="MaskSelector"/> breaks them (layer order, then index; the earlier of equal
/// values is dropped first). N:M (<see cref="PruningGranularity.NM"/>): the N largest |·| of every M consecutive entries along
/// each layer's input dimension.
/// </summary>
/// <example>
/// <code>
/// var support = AdmmProjection.Support([new LayerValues("fc1.weight", v)], [[300, 784]], settings);
/// support[0].ApplyTo(v); // v is now Z
/// </code>
/// </example>
public static class AdmmProjection
{
    /// <summary>The projection's support for each layer of <paramref name="settings"/>, in its order.</summary>
    /// <param name="values">W + U of each layer of <see cref="AdmmSettings.Layers"/>, same order and names, flattened row-major.</param>
    /// <param name="shapes">Each layer's shape (needed for units).</param>
    /// <param name="settings">Target counts, scope and granularity (validated here).</param>
    /// <exception cref="ArgumentOutOfRangeException">A count exceeds the layer's (or all layers') weights or units, or a unit axis is past the shape's rank.</exception>
    /// <exception cref="ArgumentException">The layers differ from the settings' in number, name or size.</exception>
    /// <exception cref="System.IO.InvalidDataException">A value is NaN; the message names the layer.</exception>
    public static IReadOnlyList<PruningMask> Support(IReadOnlyList<LayerValues> values, IReadOnlyList<IReadOnlyList<long>> shapes, AdmmSettings settings)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentNullException.ThrowIfNull(shapes);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate(nameof(AdmmProjection));
        CheckLayers(values, shapes, settings);
        if (settings.Granularity == PruningGranularity.NM) return PatternSupport(values, shapes, settings);
        int count = values.Count;
        bool units = settings.KeepsUnits;
        var candidates = new long[count];
        var scored = new LayerValues[count];
        for (int l = 0; l < count; l++)
        {
            var layer = settings.Layers[l];
            scored[l] = units ? new LayerValues(layer.Name, SquaredUnitNorms(values[l].Values.Span, shapes[l], layer.UnitAxis)) : values[l];
            candidates[l] = scored[l].Values.Length;
        }

        PruningMask[] selected;
        if (settings.Scope == PruningScope.Global)
        {
            long total = candidates.Sum(), kept = settings.KeptTotal!.Value;
            if (kept > total)
                throw new ArgumentOutOfRangeException(nameof(AdmmSettings.KeptTotal), kept,
                    $"KeptTotal is {kept}; the {count} layers have {total} {(units ? "units" : "weights")} in all.");
            selected = kept == 0
                ? [.. scored.Select(s => NoneKept(s.Name, s.Values.Length))]
                : [.. Select(scored, new MaskSelectionOptions { Scope = PruningScope.Global, Sparsity = PrunedShare(total, kept) }, units)];
            long got = selected.Sum(m => (long)m.KeptCount);
            if (got != kept) throw new InvalidOperationException($"The projection kept {got} of {total}; {kept} were asked for.");
        }
        else
        {
            var options = new MaskSelectionOptions { Scope = PruningScope.Layer };
            for (int l = 0; l < count; l++)
            {
                long kept = settings.Layers[l].Kept!.Value;
                if (kept > candidates[l])
                    throw new ArgumentOutOfRangeException($"{nameof(AdmmSettings.Layers)}['{scored[l].Name}'].{nameof(AdmmLayer.Kept)}", kept,
                        $"Layer '{scored[l].Name}' keeps {kept} {(units ? "units" : "weights")}; it has {candidates[l]}.");
                if (kept > 0) options.LayerSparsity[scored[l].Name] = PrunedShare(candidates[l], kept);
            }
            var chosen = options.LayerSparsity.Count == 0 ? [] : Select([.. scored.Where(s => options.LayerSparsity.ContainsKey(s.Name))], options, units);
            selected = new PruningMask[count];
            for (int l = 0, next = 0; l < count; l++)
            {
                selected[l] = options.LayerSparsity.ContainsKey(scored[l].Name) ? chosen[next++] : NoneKept(scored[l].Name, scored[l].Values.Length);
                if (selected[l].KeptCount != settings.Layers[l].Kept)
                    throw new InvalidOperationException($"The projection kept {selected[l].KeptCount} of layer '{scored[l].Name}'; {settings.Layers[l].Kept} were asked for.");
            }
        }
        if (!units) return selected;
        var expanded = new PruningMask[count];
        for (int l = 0; l < count; l++) expanded[l] = ExpandUnits(selected[l], shapes[l], settings.Layers[l].UnitAxis);
        return expanded;
    }

    /// <summary>
    /// N:M: in every group of M consecutive entries along each layer's input axis, the N of largest |w + u| (ties: the earlier
    /// index is dropped first, as everywhere). Each layer's kept count is its size·N/M, which must be its <see cref="AdmmLayer.Kept"/>.
    /// </summary>
    private static PruningMask[] PatternSupport(IReadOnlyList<LayerValues> values, IReadOnlyList<IReadOnlyList<long>> shapes, AdmmSettings settings)
    {
        var masks = new PruningMask[values.Count];
        for (int l = 0; l < values.Count; l++)
        {
            var layer = settings.Layers[l];
            int axis = layer.UnitAxis == 0 ? 1 : 0;
            if (axis >= shapes[l].Count || shapes[l][axis] % settings.PatternM != 0)
                throw new ArgumentOutOfRangeException(nameof(AdmmSettings.PatternM), settings.PatternM,
                    $"N:M pattern {settings.PatternN}:{settings.PatternM}: M does not divide the input dimension (axis {axis}) of layer '{layer.Name}' [{string.Join(", ", shapes[l])}].");
            masks[l] = MaskSelector.SelectNMByMagnitude(values[l], shapes[l], axis, settings.PatternN, settings.PatternM);
            if (masks[l].KeptCount != layer.Kept)
                throw new ArgumentOutOfRangeException($"{nameof(AdmmSettings.Layers)}['{layer.Name}'].{nameof(AdmmLayer.Kept)}", layer.Kept,
                    $"Layer '{layer.Name}' keeps {layer.Kept} weights; its N:M pattern {settings.PatternN}:{settings.PatternM} keeps {masks[l].KeptCount}.");
        }
        return masks;
    }

    /// <summary>
    /// Each output unit's squared L2 norm (ranks units as the norm does): unit u along <paramref name="unitAxis"/> of a
    /// row-major tensor of <paramref name="shape"/>. Sums are in double.
    /// </summary>
    public static float[] SquaredUnitNorms(ReadOnlySpan<float> values, IReadOnlyList<long> shape, int unitAxis)
    {
        var (outer, units, inner) = Split(shape, unitAxis);
        var sums = new double[units];
        for (long o = 0; o < outer; o++)
            for (int u = 0; u < units; u++)
            {
                var slice = values.Slice((int)((o * units + u) * inner), (int)inner);
                double sum = 0;
                foreach (float v in slice) sum += (double)v * v;
                sums[u] += sum;
            }
        var result = new float[units];
        for (int u = 0; u < units; u++) result[u] = (float)sums[u];
        return result;
    }

    /// <summary>A weight mask with every weight of a kept unit kept and every weight of a dropped unit dropped.</summary>
    public static PruningMask ExpandUnits(PruningMask units, IReadOnlyList<long> shape, int unitAxis)
    {
        ArgumentNullException.ThrowIfNull(units);
        var (outer, count, inner) = Split(shape, unitAxis);
        if (units.Length != count)
            throw new ArgumentException($"The unit mask of '{units.Name}' covers {units.Length} units; axis {unitAxis} of [{string.Join(", ", shape)}] has {count}.", nameof(units));
        var keep = new bool[checked((int)(outer * count * inner))];
        int pruned = 0;
        for (long o = 0; o < outer; o++)
            for (int u = 0; u < count; u++)
            {
                bool kept = units.IsKept(u);
                keep.AsSpan((int)((o * count + u) * inner), (int)inner).Fill(kept);
                if (!kept) pruned += (int)inner;
            }
        return new PruningMask(units.Name, keep, pruned);
    }

    private static IReadOnlyList<PruningMask> Select(IReadOnlyList<LayerValues> scored, MaskSelectionOptions options, bool units) =>
        units ? MaskSelector.Select(scored, options) : MaskSelector.SelectByMagnitude(scored, options);

    /// <summary>
    /// The sparsity that makes <see cref="MaskSelector.TargetPrunedCount"/> prune exactly n − kept of n: (n − kept)/n·n
    /// is within n·2⁻⁵² of n − kept in double, so rounding gives it back (checked by the callers all the same).
    /// </summary>
    private static double PrunedShare(long n, long kept) => n == 0 ? 0 : (double)(n - kept) / n;

    private static PruningMask NoneKept(string name, int length) => new(name, new bool[length], length);

    private static (long Outer, int Units, long Inner) Split(IReadOnlyList<long> shape, int unitAxis)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (unitAxis < 0 || unitAxis >= shape.Count)
            throw new ArgumentOutOfRangeException(nameof(unitAxis), unitAxis, $"Unit axis {unitAxis} is outside the shape [{string.Join(", ", shape)}].");
        long outer = 1, inner = 1;
        for (int d = 0; d < unitAxis; d++) outer *= shape[d];
        for (int d = unitAxis + 1; d < shape.Count; d++) inner *= shape[d];
        return (outer, checked((int)shape[unitAxis]), inner);
    }

    private static void CheckLayers(IReadOnlyList<LayerValues> values, IReadOnlyList<IReadOnlyList<long>> shapes, AdmmSettings settings)
    {
        if (values.Count != settings.Layers.Count || shapes.Count != settings.Layers.Count)
            throw new ArgumentException($"The settings name {settings.Layers.Count} layers; {values.Count} value arrays and {shapes.Count} shapes were given.", nameof(values));
        for (int l = 0; l < values.Count; l++)
        {
            var layer = settings.Layers[l];
            if (!string.Equals(values[l].Name, layer.Name, StringComparison.Ordinal))
                throw new ArgumentException($"Layer {l} is '{values[l].Name}'; the settings name '{layer.Name}' there.", nameof(values));
            long size = 1;
            foreach (long d in shapes[l]) size *= d;
            if (size != values[l].Values.Length)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"Layer '{layer.Name}' has {values[l].Values.Length} values; its shape [{string.Join(", ", shapes[l])}] holds {size}."), nameof(shapes));
            if (settings.KeepsUnits && layer.UnitAxis >= shapes[l].Count)
                throw new ArgumentOutOfRangeException($"{nameof(AdmmSettings.Layers)}['{layer.Name}'].{nameof(AdmmLayer.UnitAxis)}", layer.UnitAxis,
                    $"UnitAxis {layer.UnitAxis} of '{layer.Name}' is outside its shape [{string.Join(", ", shapes[l])}].");
        }
    }
}
