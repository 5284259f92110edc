using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// What a sweep looks for: the trial that optimizes one quantity among those meeting every constraint. When no trial meets
/// them, the sweep returns the closest trials (smallest total relative violation) and says so.
/// </summary>
/// <example>
/// <code>
/// // "the most accurate model whose file is at most 15 % of dense"
/// var objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, 0.15, SweepReference.FractionOfDense));
/// // "the smallest file within 1 point of dense"
/// var smallest = SweepObjective.Minimize(SweepQuantity.Bytes, SweepConstraint.AtLeast(SweepQuantity.Metric, -0.01, SweepReference.DifferenceFromDense));
/// </code>
/// </example>
public sealed class SweepObjective
{
    /// <summary>The optimized quantity. Default <see cref="SweepQuantity.Metric"/>.</summary>
    public SweepQuantity Optimize { get; set; } = SweepQuantity.Metric;

    /// <summary>Maximize or minimize; null takes the metric's direction for <see cref="SweepQuantity.Metric"/> and minimizes every other quantity.</summary>
    public bool? Maximize { get; set; }

    /// <summary>Bounds every chosen trial must meet.</summary>
    public IList<SweepConstraint> Constraints { get; set; } = new List<SweepConstraint>();

    /// <summary>Best metric (in the metric's own direction) subject to <paramref name="constraints"/>.</summary>
    public static SweepObjective MaximizeMetric(params SweepConstraint[] constraints) => new() { Optimize = SweepQuantity.Metric, Constraints = [.. constraints] };

    /// <summary>Smallest <paramref name="quantity"/> subject to <paramref name="constraints"/>.</summary>
    public static SweepObjective Minimize(SweepQuantity quantity, params SweepConstraint[] constraints) =>
        new() { Optimize = quantity, Maximize = false, Constraints = [.. constraints] };

    /// <summary>Whether larger values of <see cref="Optimize"/> are better, given the sweep's metric.</summary>
    public bool IsMaximized(SweepMetric metric) => Maximize ?? (Optimize == SweepQuantity.Metric && metric.HigherIsBetter);

    /// <summary>Checks the objective; messages name the option.</summary>
    internal void Validate()
    {
        if (!Enum.IsDefined(Optimize))
            throw new ArgumentOutOfRangeException(nameof(Optimize), Optimize, $"{nameof(SweepObjective)}.{nameof(Optimize)} is not a {nameof(SweepQuantity)}: {Optimize}.");
        if (Constraints is null) throw new ArgumentNullException(nameof(Constraints));
        for (int i = 0; i < Constraints.Count; i++)
        {
            if (Constraints[i] is null) throw new ArgumentNullException(nameof(Constraints), $"{nameof(SweepObjective)}.{nameof(Constraints)}[{i}] is null.");
            Constraints[i].Validate($"{nameof(SweepObjective)}.{nameof(Constraints)}[{i}]");
        }
    }
}
