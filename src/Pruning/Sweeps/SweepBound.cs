namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>Which side of its value a <see cref="SweepConstraint"/> allows.</summary>
public enum SweepBound
{
    /// <summary>The quantity must be at most the value.</summary>
    AtMost = 0,

    /// <summary>The quantity must be at least the value.</summary>
    AtLeast = 1,
}
