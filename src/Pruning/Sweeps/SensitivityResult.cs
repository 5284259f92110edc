using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// The table of a sensitivity analysis (metric per layer and sparsity, with the dense metric), and per-layer sparsity suggestions
/// for a target overall sparsity: layers whose metric drops least are pruned most. Plain and serializable, so a sweep can take it.
/// </summary>
public sealed partial class SensitivityResult
{
    /// <summary>The metric's display name.</summary>
    public string MetricName { get; set; } = "";

    /// <summary>Whether larger metric values are better.</summary>
    public bool HigherIsBetter { get; set; } = true;

    /// <summary>The dense model's metric.</summary>
    public double DenseMetric { get; set; }

    /// <summary>The analysed layers, in graph order.</summary>
    public IList<string> Layers { get; set; } = new List<string>();

    /// <summary>Prunable parameters (or units, for structured granularities) of each layer: the weights of the overall-sparsity arithmetic.</summary>
    public IDictionary<string, long> LayerParameters { get; set; } = new Dictionary<string, long>();

    /// <summary>Every measured point, by layer then sparsity.</summary>
    public IList<SensitivityPoint> Points { get; set; } = new List<SensitivityPoint>();

    /// <summary>
    /// Per-layer sparsities whose parameter-weighted mean is <paramref name="overallSparsity"/>, allotting more to layers whose
    /// metric drops least (each layer's curve interpolated between its measured points, capped at the largest measured sparsity).
    /// The result is meant for <see cref="PruningOptions.LayerSparsity"/> with scope Layer.
    /// </summary>
    /// <remarks>
    /// Each layer's metric loss (dense minus the point's metric, in the metric's direction, never below 0) is made a curve through
    /// (0, 0) and the measured points, linear in between and non-decreasing (a point that measured better than a sparser one takes
    /// the sparser one's loss). For a loss budget τ, layer l gets s_l(τ), the largest sparsity (at most its largest measured one)
    /// whose loss is ≤ τ. τ is found by bisection so that Σ n_l·s_l(τ) = overall·Σ n_l, n_l = <see cref="LayerParameters"/>; where
    /// the total jumps at τ (a flat stretch of a curve), the layers that jump there take the same share of their jump, so the
    /// total is met exactly (up to floating-point rounding) and every layer stays between its sparsities just below and at τ.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException">The target is outside [0, 1) or above what the measured sparsities can reach.</exception>
    /// <exception cref="InvalidOperationException">A layer has no <see cref="LayerParameters"/> entry, or a point names an unknown layer.</exception>
    public IReadOnlyDictionary<string, double> SuggestLayerSparsity(double overallSparsity)
    {
        if (!(overallSparsity >= 0 && overallSparsity < 1))
            throw new ArgumentOutOfRangeException(nameof(overallSparsity), overallSparsity, FormattableString.Invariant($"The target overall sparsity must be in [0, 1); got {overallSparsity}."));
        var curves = LossCurves();
        double total = curves.Sum(c => (double)c.Weight);
        double wanted = overallSparsity * total;
        double Total(double tau) => curves.Sum(c => c.Weight * c.At(tau));
        // Below every loss (τ < 0) nothing is pruned; at the largest finite loss every layer is at its largest measured sparsity
        // (short of a point whose metric was NaN, which is never reached).
        double low = -1, high = curves.SelectMany(c => c.Losses).Where(double.IsFinite).DefaultIfEmpty(0).Max();
        double reachable = Total(high);
        if (wanted > reachable * (1 + 1e-12))
            throw new ArgumentOutOfRangeException(nameof(overallSparsity), overallSparsity,
                FormattableString.Invariant($"The target overall sparsity {overallSparsity} is above what the measured sparsities reach ({(total == 0 ? 0 : reachable / total):G6}, every layer at its largest measured sparsity); measure larger sparsities or lower the target."));
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        if (wanted == 0)
        {
            foreach (var c in curves) result[c.Layer] = 0;
            return result;
        }
        for (int i = 0; i < 200 && high - low > 0; i++)
        {
            double mid = low + (high - low) / 2;
            if (mid <= low || mid >= high) break;
            if (Total(mid) >= wanted) high = mid; else low = mid;
        }
        double below = Total(low), above = Total(high);
        double share = above > below ? Math.Clamp((wanted - below) / (above - below), 0, 1) : 1;
        foreach (var c in curves)
        {
            double a = c.At(low), b = c.At(high);
            result[c.Layer] = Math.Min(c.Sparsities[^1], a + share * (b - a));
        }
        return result;
    }

    /// <summary>Per layer (in <see cref="Layers"/> order) its weight and its non-decreasing loss curve through (0, 0).</summary>
    private List<LossCurve> LossCurves()
    {
        var byLayer = Points.GroupBy(p => p.Layer, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        foreach (string layer in byLayer.Keys)
            if (!Layers.Contains(layer)) throw new InvalidOperationException($"Point of layer '{layer}', which is not in {nameof(Layers)}.");
        var curves = new List<LossCurve>();
        foreach (string layer in Layers)
        {
            if (!LayerParameters.TryGetValue(layer, out long weight))
                throw new InvalidOperationException($"Layer '{layer}' has no {nameof(LayerParameters)} entry.");
            var sparsities = new List<double> { 0 };
            var losses = new List<double> { 0 };
            foreach (var p in (byLayer.GetValueOrDefault(layer) ?? []).Where(p => p.Sparsity > 0).OrderBy(p => p.Sparsity))
            {
                double loss = HigherIsBetter ? DenseMetric - p.Metric : p.Metric - DenseMetric;
                if (double.IsNaN(loss)) loss = double.PositiveInfinity; // a NaN metric: nothing is worse
                loss = Math.Max(losses[^1], Math.Max(0, loss));
                if (p.Sparsity == sparsities[^1]) losses[^1] = loss;
                else { sparsities.Add(p.Sparsity); losses.Add(loss); }
            }
            curves.Add(new LossCurve(layer, weight, [.. sparsities], [.. losses]));
        }
        return curves;
    }

    private sealed record LossCurve(string Layer, long Weight, double[] Sparsities, double[] Losses)
    {
        /// <summary>The largest sparsity whose loss is at most <paramref name="tau"/> (0 when τ &lt; 0).</summary>
        public double At(double tau)
        {
            if (tau < 0) return 0;
            for (int i = 1; i < Sparsities.Length; i++)
            {
                if (Losses[i] <= tau) continue;
                // Losses[i-1] ≤ τ < Losses[i]: interpolate on this segment (an infinite loss ends the curve at its start).
                if (double.IsInfinity(Losses[i])) return Sparsities[i - 1];
                return Sparsities[i - 1] + (tau - Losses[i - 1]) / (Losses[i] - Losses[i - 1]) * (Sparsities[i] - Sparsities[i - 1]);
            }
            return Sparsities[^1];
        }
    }

    /// <summary>The table: one row per layer (its parameters, the metric at each measured sparsity), and the dense metric.</summary>
    public override string ToString()
    {
        var sparsities = Points.Select(p => p.Sparsity).Distinct().Order().ToList();
        var header = new List<string> { "layer", "parameters" };
        header.AddRange(sparsities.Select(s => FormattableString.Invariant($"{s * 100:G4} %")));
        var rows = new List<List<string>> { header };
        foreach (string layer in Layers)
        {
            var row = new List<string> { layer, LayerParameters.TryGetValue(layer, out long n) ? n.ToString(CultureInfo.InvariantCulture) : "" };
            foreach (double s in sparsities)
            {
                var point = Points.LastOrDefault(p => p.Layer == layer && p.Sparsity == s);
                row.Add(point is null ? "–" : point.Metric.ToString("F4", CultureInfo.InvariantCulture));
            }
            rows.Add(row);
        }
        var widths = Enumerable.Range(0, header.Count).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"Sensitivity of {(MetricName.Length == 0 ? "the metric" : MetricName)} ({(HigherIsBetter ? "higher" : "lower")} is better); dense {DenseMetric:F4}").AppendLine();
        foreach (var row in rows)
            text.AppendLine(string.Join("  ", row.Select((cell, c) => c == 0 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd());
        return text.ToString();
    }

    /// <summary>The result as JSON (to keep, or to give a sweep or the CLI).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, SweepJson.Options);

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    /// <exception cref="System.IO.InvalidDataException">The text is not a sensitivity result.</exception>
    public static SensitivityResult FromJson(string json) => SweepJson.Read<SensitivityResult>(json, "sensitivity result");
}
