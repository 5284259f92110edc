using System;
using System.Collections.Generic;

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
    /// <exception cref="ArgumentOutOfRangeException">The target is outside [0, 1) or above what the measured sparsities can reach.</exception>
    public IReadOnlyDictionary<string, double> SuggestLayerSparsity(double overallSparsity) => throw new NotImplementedException("slice sensitivity");

    /// <summary>The result as JSON (to keep, or to give a sweep or the CLI).</summary>
    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, SweepJson.Options);

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    /// <exception cref="System.IO.InvalidDataException">The text is not a sensitivity result.</exception>
    public static SensitivityResult FromJson(string json) => SweepJson.Read<SensitivityResult>(json, "sensitivity result");
}
