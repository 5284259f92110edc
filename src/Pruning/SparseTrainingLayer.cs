namespace Microsoft.ML.Pruning;

/// <summary>
/// How sparsity learned during training (<c>Lasso</c>) pruned one layer: one row of <see cref="SparseTrainingReport.Layers"/>.
/// Counts are of weights; for group Lasso the unit counts are given too.
/// </summary>
/// <param name="Name">The layer's weight (initializer name).</param>
/// <param name="Lambda">The λ the layer was trained with in the run kept (its group's λ).</param>
/// <param name="Parameters">Weights in the layer.</param>
/// <param name="NonZerosBeforePruning">Non-zero weights after the regularized training, before the masks were rounded.</param>
/// <param name="ZerosByTraining">Weights exactly zero after the regularized training (set by the proximal step, or zero before): pruned as they are.</param>
/// <param name="CutByRounding">Non-zero weights the rounding to the exact target count pruned (survivors of smallest |w|, or of units of smallest L1 norm).</param>
/// <param name="ZerosKept">Zero weights the rounding kept (more zeros than the target): they stay 0 and train again under FineTune.</param>
/// <param name="Units">Output units (neurons, filters) for group Lasso; null for single weights.</param>
/// <param name="ZeroUnitsByTraining">Units entirely zero after the regularized training, for group Lasso; null otherwise.</param>
public sealed record SparseTrainingLayer(
    string Name,
    double Lambda,
    long Parameters,
    long NonZerosBeforePruning,
    long ZerosByTraining,
    long CutByRounding,
    long ZerosKept,
    long? Units = null,
    long? ZeroUnitsByTraining = null);
