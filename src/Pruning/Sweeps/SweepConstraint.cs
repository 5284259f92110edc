using System;
using System.Globalization;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// A bound a trial must meet to be feasible: <c>quantity ≤ value</c> or <c>≥ value</c>, the value absolute or relative to the
/// dense model (measured by the sweep before the first trial).
/// </summary>
/// <example>
/// <code>
/// SweepConstraint.AtMost(SweepQuantity.Bytes, 0.15, SweepReference.FractionOfDense);        // file ≤ 15 % of dense
/// SweepConstraint.AtLeast(SweepQuantity.Metric, -0.01, SweepReference.DifferenceFromDense); // accuracy ≥ dense − 1 point
/// SweepConstraint.AtMost(SweepQuantity.Latency, 5);                                        // ≤ 5 ms at the sweep's batch
/// </code>
/// </example>
public sealed class SweepConstraint
{
    /// <summary>The bounded quantity.</summary>
    public SweepQuantity Quantity { get; set; }

    /// <summary>At most or at least.</summary>
    public SweepBound Bound { get; set; }

    /// <summary>The bound, in <see cref="Reference"/>'s terms.</summary>
    public double Value { get; set; }

    /// <summary>What <see cref="Value"/> is relative to.</summary>
    public SweepReference Reference { get; set; } = SweepReference.Absolute;

    /// <summary>quantity ≤ value.</summary>
    public static SweepConstraint AtMost(SweepQuantity quantity, double value, SweepReference reference = SweepReference.Absolute) =>
        new() { Quantity = quantity, Bound = SweepBound.AtMost, Value = value, Reference = reference };

    /// <summary>quantity ≥ value.</summary>
    public static SweepConstraint AtLeast(SweepQuantity quantity, double value, SweepReference reference = SweepReference.Absolute) =>
        new() { Quantity = quantity, Bound = SweepBound.AtLeast, Value = value, Reference = reference };

    /// <summary>The bound in the quantity's own units, given the dense model's value of it.</summary>
    public double Threshold(double denseValue) => Reference switch
    {
        SweepReference.FractionOfDense => Value * denseValue,
        SweepReference.DifferenceFromDense => denseValue + Value,
        _ => Value,
    };

    /// <summary>E.g. "Bytes ≤ 0.15 × dense".</summary>
    public override string ToString()
    {
        string op = Bound == SweepBound.AtMost ? "≤" : "≥";
        return Reference switch
        {
            SweepReference.FractionOfDense => string.Create(CultureInfo.InvariantCulture, $"{Quantity} {op} {Value:G4} × dense"),
            SweepReference.DifferenceFromDense => string.Create(CultureInfo.InvariantCulture, $"{Quantity} {op} dense {(Value < 0 ? "−" : "+")} {Math.Abs(Value):G4}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{Quantity} {op} {Value:G6}"),
        };
    }

    /// <summary>Checks the constraint; messages name the option.</summary>
    internal void Validate(string where)
    {
        if (!Enum.IsDefined(Quantity)) throw new ArgumentOutOfRangeException(nameof(Quantity), Quantity, $"{where}.{nameof(Quantity)} is not a {nameof(SweepQuantity)}: {Quantity}.");
        if (!Enum.IsDefined(Bound)) throw new ArgumentOutOfRangeException(nameof(Bound), Bound, $"{where}.{nameof(Bound)} is not a {nameof(SweepBound)}: {Bound}.");
        if (!Enum.IsDefined(Reference)) throw new ArgumentOutOfRangeException(nameof(Reference), Reference, $"{where}.{nameof(Reference)} is not a {nameof(SweepReference)}: {Reference}.");
        if (!double.IsFinite(Value)) throw new ArgumentOutOfRangeException(nameof(Value), Value, $"{where}.{nameof(Value)} must be finite; got {Value}.");
        if (Reference == SweepReference.FractionOfDense && Value < 0)
            throw new ArgumentOutOfRangeException(nameof(Value), Value, $"{where}.{nameof(Value)} is a fraction of dense and must not be negative; got {Value}.");
    }
}
