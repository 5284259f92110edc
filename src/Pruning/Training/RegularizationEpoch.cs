using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Training;

/// <summary>What a regularizer measured after one epoch of a run (see <see cref="TrainingResult.Regularization"/>).</summary>
/// <param name="Epoch">The 1-based epoch.</param>
/// <param name="NonZeros">Per regularized weight: its non-zero values after the epoch's last proximal step.</param>
/// <param name="Penalty">The penalty's value after the epoch: Σ λ‖w‖₁ (L1), Σ λ·√|g|·‖w_g‖₂ (group L1); the training loss does not include it.</param>
/// <param name="Measures">Method-specific numbers by name (e.g. ADMM's primal and dual residuals); empty when none.</param>
public sealed record RegularizationEpoch(int Epoch, IReadOnlyDictionary<string, long> NonZeros, double Penalty, IReadOnlyDictionary<string, double> Measures);
