using System.Collections.Generic;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>One regularized training run of a λ search (or the one run of a fixed λ): a row of <see cref="SparseTrainingReport.Trials"/>.</summary>
/// <param name="Trial">1-based position in the search.</param>
/// <param name="Phase">"fixed" (a given λ), "path" (λ growing until the target is reached) or "bisection" (on log λ between the bracket).</param>
/// <param name="Lambdas">The λ of each λ group by its first layer's name (one entry with the Global scope and no overrides).</param>
/// <param name="StartedFrom">The trial whose weights this one was warm-started from; 0 for the dense model.</param>
/// <param name="Pruned">Zero weights (units, for group Lasso) over all λ groups after the run.</param>
/// <param name="Target">The target count over all λ groups; null for a fixed λ.</param>
/// <param name="Total">Weights (units) over all λ groups.</param>
/// <param name="Training">The run: its epochs (loss curve), divergence, and what the regularizer measured per epoch.</param>
public sealed record LambdaTrial(int Trial, string Phase, IReadOnlyDictionary<string, double> Lambdas, int StartedFrom, long Pruned, long? Target, long Total, TrainingResult Training)
{
    /// <summary>The fraction of weights (units) zero after the run.</summary>
    public double Sparsity => Total == 0 ? 0 : (double)Pruned / Total;
}
