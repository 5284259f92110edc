using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// How trials stand against the objective: a measurement's objective value, whether it meets every constraint, by how much it
/// misses them, and the order of trials (succeeded before failed; feasible ones by objective, then infeasible ones by violation).
/// The sweep's best trial, its closest trials, its progress reports and the TPE strategy's good/bad split all use this order.
/// </summary>
internal sealed class SweepRanking : IComparer<SweepTrial>
{
    /// <summary>A violation's denominator never falls below this, so a bound of 0 still gives a finite relative miss.</summary>
    private const double Tiny = 1e-12;

    private readonly SweepObjective _objective;
    private readonly TrialMeasurement _dense;

    public SweepRanking(SweepObjective objective, SweepMetric metric, TrialMeasurement dense)
    {
        _objective = objective;
        _dense = dense;
        Maximize = objective.IsMaximized(metric);
    }

    /// <summary>Whether larger objective values are better.</summary>
    public bool Maximize { get; }

    /// <summary>The optimized quantity of <paramref name="measurement"/>; null when it was not measured.</summary>
    public double? ObjectiveValue(TrialMeasurement measurement) => measurement.Value(_objective.Optimize);

    /// <summary>
    /// Whether <paramref name="measurement"/> meets every constraint, and its violation: Σ max(0, miss) / max(|bound|, tiny). A
    /// quantity that was not measured (latency at a batch the model does not take, MACs) cannot be shown to hold: it counts as a
    /// miss of 1.
    /// </summary>
    public (bool Feasible, double Violation) Evaluate(TrialMeasurement measurement)
    {
        double violation = 0;
        bool feasible = true;
        foreach (var constraint in _objective.Constraints)
        {
            double? value = measurement.Value(constraint.Quantity);
            double? threshold = Threshold(constraint);
            if (value is not { } v || threshold is not { } t)
            {
                feasible = false;
                violation += 1;
                continue;
            }
            double miss = constraint.Bound == SweepBound.AtMost ? v - t : t - v;
            if (miss > 0)
            {
                feasible = false;
                violation += miss / Math.Max(Math.Abs(t), Tiny);
            }
        }
        return (feasible, violation);
    }

    /// <summary>A constraint's bound in the quantity's units; null when it is relative to a dense value that was not measured.</summary>
    public double? Threshold(SweepConstraint constraint) =>
        constraint.Reference == SweepReference.Absolute ? constraint.Value
        : _dense.Value(constraint.Quantity) is { } dense ? constraint.Threshold(dense) : null;

    /// <summary>Sets <see cref="SweepTrial.Feasible"/> and <see cref="SweepTrial.ConstraintViolation"/> of a trial from its measurement.</summary>
    public void Assess(SweepTrial trial)
    {
        if (trial.Status == TrialStatus.Succeeded && trial.Measurement is { } m)
            (trial.Feasible, trial.ConstraintViolation) = Evaluate(m);
        else
        {
            trial.Feasible = false;
            trial.ConstraintViolation = double.PositiveInfinity;
        }
    }

    /// <summary>Better trials first: succeeded, feasible by objective (unmeasured last), infeasible by violation then objective; then by id.</summary>
    public int Compare(SweepTrial? x, SweepTrial? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        if (x is null) return 1;
        if (y is null) return -1;
        bool xs = x.Status == TrialStatus.Succeeded && x.Measurement is not null, ys = y.Status == TrialStatus.Succeeded && y.Measurement is not null;
        if (xs != ys) return xs ? -1 : 1;
        if (!xs) return x.Id.CompareTo(y.Id);
        if (x.Feasible != y.Feasible) return x.Feasible ? -1 : 1;
        if (!x.Feasible)
        {
            int byViolation = x.ConstraintViolation.CompareTo(y.ConstraintViolation);
            if (byViolation != 0) return byViolation;
        }
        int byObjective = CompareObjective(ObjectiveValue(x.Measurement!), ObjectiveValue(y.Measurement!));
        return byObjective != 0 ? byObjective : x.Id.CompareTo(y.Id);
    }

    private int CompareObjective(double? x, double? y)
    {
        if (x is null || y is null) return x is null == y is null ? 0 : x is null ? 1 : -1;
        int ascending = x.Value.CompareTo(y.Value);
        return Maximize ? -ascending : ascending;
    }
}
