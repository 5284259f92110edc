namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// Per-weight gradient sums over calibration batches, in the weight's flattened order: what first-order Taylor
/// (Σ|w·g|) and Fisher / OBD (Σg²) criteria are computed from.
/// </summary>
/// <param name="AbsWeightTimesGradient">Σ over batches of |w·∂L/∂w|.</param>
/// <param name="SquaredGradient">Σ over batches of (∂L/∂w)².</param>
/// <param name="Batches">How many batches were summed.</param>
public sealed record GradientStatistics(float[] AbsWeightTimesGradient, float[] SquaredGradient, int Batches);
