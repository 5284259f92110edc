using System;
using System.Collections.Generic;
using System.Globalization;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// One dimension of a sweep's search space: an option of <see cref="SweepOptions.BaseOptions"/> named by its path
/// (<c>"Sparsity"</c>, <c>"Granularity"</c>, <c>"FineTune.Epochs"</c>, <c>"Structured.RoundTo"</c>) and its values: a list
/// of choices, or a numeric range. Three names are special: <see cref="Method"/> chooses the estimator, <see cref="FineTuneEpochs"/>
/// 0 means no fine-tuning, <see cref="LayerAllocation"/> chooses uniform or sensitivity-guided per-layer sparsities.
/// </summary>
/// <example>
/// <code>
/// SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda", "coordinate-descent", "lasso");
/// SweepParameter.Range(SweepParameter.Sparsity, 0.5, 0.95);
/// SweepParameter.IntegerRange(SweepParameter.FineTuneEpochs, 0, 2);
/// SweepParameter.Choice(SweepParameter.LayerAllocation, "uniform", "sensitivity");
/// </code>
/// </example>
public sealed class SweepParameter
{
    /// <summary>
    /// The estimator: <c>magnitude</c>, <c>coordinate-descent</c>, <c>lasso</c>, <c>admm</c>, or any criterion name of
    /// <see cref="PruneOptions.Criterion"/> (<c>wanda</c>, <c>taylor</c>…), which prunes with <see cref="PruneOptions"/>.
    /// Options the chosen estimator shares with <see cref="SweepOptions.BaseOptions"/> are kept.
    /// </summary>
    public const string Method = "Method";

    /// <summary><see cref="PruningOptions.Sparsity"/>.</summary>
    public const string Sparsity = "Sparsity";

    /// <summary>Epochs of <see cref="PruningOptions.FineTune"/> (from the base options' FineTune, which must be set); 0 turns fine-tuning off.</summary>
    public const string FineTuneEpochs = "FineTune.Epochs";

    /// <summary>
    /// <c>uniform</c> (the base options' scope and per-layer targets) or <c>sensitivity</c>: per-layer sparsities suggested by
    /// <see cref="SweepOptions.Sensitivity"/> for the trial's overall sparsity (scope Layer).
    /// </summary>
    public const string LayerAllocation = "LayerAllocation";

    /// <summary>The option's path, as above.</summary>
    public string Name { get; set; } = "";

    /// <summary>The choices, as invariant-culture text: numbers, enum names, method or criterion names. Empty for a range.</summary>
    public IList<string> Values { get; set; } = new List<string>();

    /// <summary>A range's lower end (inclusive); null for a list of choices.</summary>
    public double? Minimum { get; set; }

    /// <summary>A range's upper end (inclusive).</summary>
    public double? Maximum { get; set; }

    /// <summary>Whether a range takes whole numbers only.</summary>
    public bool IsInteger { get; set; }

    /// <summary>Whether a range is searched on a log scale (both ends positive).</summary>
    public bool LogScale { get; set; }

    /// <summary>Whether this parameter is a range rather than a list of choices.</summary>
    public bool IsRange => Minimum is not null || Maximum is not null;

    /// <summary>A list of choices.</summary>
    public static SweepParameter Choice(string name, params string[] values) => new() { Name = name, Values = [.. values] };

    /// <summary>A list of numeric choices.</summary>
    public static SweepParameter Choice(string name, params double[] values) =>
        new() { Name = name, Values = Array.ConvertAll(values, v => v.ToString("R", CultureInfo.InvariantCulture)) };

    /// <summary>A continuous range.</summary>
    public static SweepParameter Range(string name, double minimum, double maximum, bool logScale = false) =>
        new() { Name = name, Minimum = minimum, Maximum = maximum, LogScale = logScale };

    /// <summary>A range of whole numbers.</summary>
    public static SweepParameter IntegerRange(string name, int minimum, int maximum) =>
        new() { Name = name, Minimum = minimum, Maximum = maximum, IsInteger = true };

    /// <summary>E.g. "Sparsity in [0.5, 0.95]" or "Method in {magnitude, wanda}".</summary>
    public override string ToString() => IsRange
        ? string.Create(CultureInfo.InvariantCulture, $"{Name} in [{Minimum:G6}, {Maximum:G6}]{(IsInteger ? " (integers)" : "")}{(LogScale ? " (log)" : "")}")
        : $"{Name} in {{{string.Join(", ", Values)}}}";
}
