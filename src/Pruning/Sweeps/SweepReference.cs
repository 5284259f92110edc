namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>What a <see cref="SweepConstraint"/>'s value is relative to.</summary>
public enum SweepReference
{
    /// <summary>The value as is (bytes, milliseconds, the metric's own units).</summary>
    Absolute = 0,

    /// <summary>A fraction of the dense model's quantity: bytes ≤ 0.15 × dense bytes.</summary>
    FractionOfDense = 1,

    /// <summary>A difference from the dense model's quantity: accuracy ≥ dense accuracy + (−0.01).</summary>
    DifferenceFromDense = 2,
}
