using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Training;

/// <summary>What an ADMM training run produced: the run itself, its rounds, and the masks to hard-prune to.</summary>
/// <param name="Training">The training run (epochs, loss curve, divergence).</param>
/// <param name="Rounds">Every round: ρ and the primal and dual residuals, per layer and overall.</param>
/// <param name="Masks">The support of the final Z, one mask per constrained weight, with exactly the kept counts asked for.</param>
/// <param name="SkippedRounds">Rounds skipped because the weights were not finite (the run diverged).</param>
public sealed record AdmmTrainingResult(TrainingResult Training, IReadOnlyList<AdmmRound> Rounds, IReadOnlyList<PruningMask> Masks, int SkippedRounds);
