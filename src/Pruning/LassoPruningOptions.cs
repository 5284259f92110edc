using System;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Options of <c>mlContext.Pruning().Lasso(options)</c>: sparsity learned during training. The model is trained on the
/// data's labels (<see cref="Training"/>) with an L1 penalty on the prunable weights, applied as a proximal step after
/// every optimizer step (soft-thresholding by learning rate·λ), so weights reach exactly zero; with
/// <see cref="PruningOptions.Granularity"/> Neuron or Channel the penalty is group Lasso (ℓ2,1 over output units) and
/// whole units reach zero. Biases and normalization parameters are not penalized. The masks are the zero pattern,
/// rounded to the exact target count; then the optional <see cref="PruningOptions.FineTune"/> retrains with the masks fixed.
/// With <see cref="PruningGranularity.NM"/> the penalty is plain L1, λ is searched per layer for the pattern's 1 − N/M (or given), and the
/// trained weights are rounded to the pattern: each group of M keeps its N largest |w| (a group where the penalty zeroed more
/// than M − N weights keeps zeros among its N, so it ends with fewer than N non-zeros).
/// </summary>
/// <remarks>
/// <para>λ is either given (<see cref="Lambda"/>; the sparsity is what it gives, masks = the exact zeros) or searched for
/// <see cref="PruningOptions.Sparsity"/>: a λ path from <see cref="InitialLambda"/> growing by <see cref="LambdaGrowth"/>,
/// each λ trained <see cref="Training"/>.Epochs epochs warm-started from the last λ that stayed under the target, until a
/// λ reaches it; then <see cref="BisectionSteps"/> bisections on log λ between the last λ under and the first λ over the
/// target, each trained from where that last path step started, until a trial comes within <see cref="SparsityTolerance"/> below the target. The model keeps the weights of the
/// trial closest to the target from below (or, if every trial went over, the closest), and the masks are rounded to the
/// exact count: survivors of smallest |w| are cut; only when every trial went over are zeros kept in the masks (those of
/// highest index: they stay 0 unless FineTune trains them, so the model is then sparser than the target). The report gives every
/// trial (λ, sparsity reached), the λ used, and per layer the zeros made by the proximal step and the weights cut by rounding.</para>
/// <para><see cref="PruningOptions.Scope"/>: Global (default) shares one λ over the pooled layers (the Lasso's usual form:
/// layers that matter less lose more); Layer searches one λ per layer for its own target; layers in
/// <see cref="PruningOptions.LayerSparsity"/> get their own λ. Only the OneShot schedule applies.</para>
/// <para>With Adam, learning rate·λ is the nominal step, so λ is scale-free (a weight survives while Adam's normalized
/// step for it stays above λ; useful values lie in about 1e-3…1); with SGD it is the proximal gradient method for
/// loss + λ‖w‖₁. See <see cref="Training.L1Regularization"/>.</para>
/// </remarks>
/// <example><code>
/// var pruned = mlContext.Pruning().Lasso(new LassoPruningOptions
/// {
///     ModelPath = "lenet.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.95,
///     Training = new FineTuneOptions { Epochs = 1, LabelColumnName = "Label" },
///     FineTune = new FineTuneOptions { Epochs = 2 },
/// }).Fit(data);
/// Console.WriteLine(pruned.Report);   // λ path, λ used, per layer zeros by the proximal step and cut by rounding, loss per epoch
/// </code></example>
public sealed class LassoPruningOptions : PruningOptions, ISparsityTrainingOptions
{
    /// <summary>
    /// A fixed λ ≥ 0 instead of a target sparsity (see the remarks for its scale). Null (default) searches λ for
    /// <see cref="PruningOptions.Sparsity"/>; when set, <see cref="PruningOptions.Sparsity"/> must be 0 and
    /// <see cref="PruningOptions.LayerSparsity"/> empty, and the masks are exactly the weights (units) λ set to zero.
    /// </summary>
    public double? Lambda { get; set; }

    /// <summary>
    /// The L1-regularized training: epochs (per λ of the search), batch size, learning rate and schedule, optimizer,
    /// label column, validation rows, distillation from the dense model. Default: 2 epochs of Adam at 1e-3, batch 128,
    /// on the "Label" column.
    /// </summary>
    public FineTuneOptions Training { get; set; } = new();

    /// <summary>
    /// The first λ of the search's path. Null (default): per λ group, q / (η·steps) / 4, where q is the target
    /// quantile of |w| (of ‖w_g‖/√|g| for units), η the learning rate and steps the optimizer steps of one trial: a
    /// quarter of the λ at which, unopposed by the loss, the proximal steps alone would zero the target's share.
    /// </summary>
    public double? InitialLambda { get; set; }

    /// <summary>Factor between successive λ of the path, &gt; 1. Default 2.</summary>
    public double LambdaGrowth { get; set; } = 2;

    /// <summary>At most this many λ on the path before the target is bracketed; if none reaches it, the search stops and reports the closest. Default 10.</summary>
    public int MaxLambdaSteps { get; set; } = 10;

    /// <summary>At most this many bisections on log λ once the target is bracketed. Default 5.</summary>
    public int BisectionSteps { get; set; } = 5;

    /// <summary>
    /// The search stops when every λ group's zeros are at most this fraction (of the group's weights or units) below its
    /// target, and not above it. Default 0.005; rounding then cuts the rest to the exact count.
    /// </summary>
    public double SparsityTolerance { get; set; } = 0.005;

    /// <summary>Masks are rounded from the trained weights by magnitude (units: L1 norm), the magnitude estimator's selection.</summary>
    internal override string CriterionName => "magnitude";

    string ISparsityTrainingOptions.MethodName => "Lasso";

    /// <summary>Whether the run penalizes whole output units (group Lasso).</summary>
    internal bool IsGroupLasso => Granularity is PruningGranularity.Neuron or PruningGranularity.Channel;

    internal override void Validate()
    {
        base.Validate();
        if (Lambda is double lambda)
        {
            if (!(lambda >= 0) || double.IsInfinity(lambda))
                throw new ArgumentOutOfRangeException(nameof(Lambda), lambda, $"{nameof(Lambda)} must be a finite value ≥ 0; got {lambda}.");
            // With NM the pattern, not Sparsity, decides the masks: λ's zero pattern is rounded to it.
            if (Granularity != PruningGranularity.NM && (Sparsity != 0 || LayerSparsity.Count > 0))
                throw new ArgumentException(
                    $"Both {nameof(Sparsity)} ({Sparsity}{(LayerSparsity.Count > 0 ? $", and {nameof(LayerSparsity)}" : "")}) and {nameof(Lambda)} ({lambda}) are set; " +
                    $"set one: with {nameof(Lambda)}, set {nameof(Sparsity)} = 0 and leave {nameof(LayerSparsity)} empty (λ decides the sparsity).", nameof(Lambda));
        }
        else if (Granularity != PruningGranularity.NM && Sparsity == 0 && LayerSparsity.Count == 0)
        {
            throw new ArgumentException($"Set a target {nameof(Sparsity)} > 0 (λ is then searched) or a {nameof(Lambda)}.", nameof(Sparsity));
        }
        if (InitialLambda is double initial && (!(initial > 0) || double.IsInfinity(initial)))
            throw new ArgumentOutOfRangeException(nameof(InitialLambda), initial, $"{nameof(InitialLambda)} must be a finite value > 0, or null for automatic; got {initial}.");
        if (!(LambdaGrowth > 1) || double.IsInfinity(LambdaGrowth))
            throw new ArgumentOutOfRangeException(nameof(LambdaGrowth), LambdaGrowth, $"{nameof(LambdaGrowth)} must be a finite value > 1; got {LambdaGrowth}.");
        if (MaxLambdaSteps < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxLambdaSteps), MaxLambdaSteps, $"{nameof(MaxLambdaSteps)} must be at least 1; got {MaxLambdaSteps}.");
        if (BisectionSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(BisectionSteps), BisectionSteps, $"{nameof(BisectionSteps)} must be 0 or more; got {BisectionSteps}.");
        if (!(SparsityTolerance >= 0 && SparsityTolerance < 1))
            throw new ArgumentOutOfRangeException(nameof(SparsityTolerance), SparsityTolerance, $"{nameof(SparsityTolerance)} must be in [0, 1); got {SparsityTolerance}.");
        if (Training is null)
            throw new ArgumentNullException(nameof(Training), $"{nameof(Training)} describes the L1-regularized training; it cannot be null.");
        Training.Validate(nameof(Training));
        if (Training.Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(FineTuneOptions.Epochs), Training.Epochs, $"{nameof(Training)}.{nameof(FineTuneOptions.Epochs)} must be at least 1 for Lasso; got {Training.Epochs}.");
        if (Schedule != PruningSchedule.OneShot)
            throw new NotSupportedException($"Lasso learns its sparsity in one regularized training ({nameof(Schedule)} = OneShot), optionally followed by FineTune; {Schedule} is not supported.");
    }
}
