using System;

namespace Microsoft.ML.Pruning.Training;

/// <summary>How one training run goes: the settings shared by the trainers and by fine-tuning.</summary>
public sealed record TrainingSettings
{
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per gradient step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Step size (the peak of the schedule).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>How the step size changes from step to step.</summary>
    public LearningRateSchedule LearningRateSchedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>Where <see cref="LearningRateSchedule.Cosine"/> ends.</summary>
    public double MinimumLearningRate { get; init; }

    /// <summary>Steps of linear warm-up; 0 for none (or see <see cref="WarmupFraction"/>).</summary>
    public int WarmupSteps { get; init; }

    /// <summary>Linear warm-up over this fraction of all steps, in [0, 1); 0 for none.</summary>
    public double WarmupFraction { get; init; }

    /// <summary>Optimizer.</summary>
    public TrainingOptimizer Optimizer { get; init; } = TrainingOptimizer.Adam;

    /// <summary>Momentum for <see cref="TrainingOptimizer.SgdMomentum"/>.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Weight decay: L2 added to the gradient, or decoupled (AdamW) with <see cref="DecoupledWeightDecay"/>.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Shrink weights by lr·decay before the step instead of adding decay·w to the gradient (AdamW, Loshchilov and Hutter).</summary>
    public bool DecoupledWeightDecay { get; init; }

    /// <summary>Largest global L2 norm of all gradients together; larger gradients are scaled down to it. Null: no clipping.</summary>
    public double? GradientClipNorm { get; init; }

    /// <summary>The task: what the labels are and what the trained output holds.</summary>
    public TrainingLoss Loss { get; init; } = TrainingLoss.CrossEntropy;

    /// <summary>Whether a class-score output holds logits or probabilities.</summary>
    public ScoreKind ScoreKind { get; init; } = ScoreKind.Auto;

    /// <summary>Distillation from a teacher model (given to the training run); null for none.</summary>
    public DistillationOptions? Distillation { get; init; }

    /// <summary>With validation data: stop after this many epochs without a lower validation loss. Null: never stop early.</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>With validation data: end with the weights of the epoch of lowest validation loss.</summary>
    public bool KeepBest { get; init; }

    /// <summary>BatchNormalization runs on its running statistics and leaves them unchanged while training (see FineTuneOptions).</summary>
    public bool FreezeNormalizationStatistics { get; init; }

    /// <summary>Seed for shuffling and initialization.</summary>
    public int Seed { get; init; }

    /// <summary>Steps of warm-up in a run of <paramref name="totalSteps"/> steps.</summary>
    public long WarmupStepsOf(long totalSteps) =>
        WarmupSteps > 0 ? Math.Min(WarmupSteps, totalSteps) : (long)Math.Floor(WarmupFraction * totalSteps);

    /// <summary>
    /// The learning rate of 0-based step <paramref name="step"/> of <paramref name="totalSteps"/>: step s of a W-step
    /// warm-up takes lr·(s + 1)/W; then <see cref="LearningRate"/> (constant) or the cosine from it to
    /// <see cref="MinimumLearningRate"/> over the remaining steps. Without warm-up, a constant schedule gives exactly
    /// <see cref="LearningRate"/>.
    /// </summary>
    public double LearningRateAt(long step, long totalSteps)
    {
        long warmup = WarmupStepsOf(totalSteps);
        if (step < warmup) return LearningRate * (step + 1) / warmup;
        if (LearningRateSchedule != LearningRateSchedule.Cosine) return LearningRate;
        long span = totalSteps - warmup;
        if (span <= 0) return LearningRate;
        double progress = Math.Min(1.0, (double)(step - warmup) / span);
        return MinimumLearningRate + (LearningRate - MinimumLearningRate) * (1 + Math.Cos(Math.PI * progress)) / 2;
    }

    /// <summary>Checks every value; the message names the option.</summary>
    public void Validate(string owner)
    {
        if (Epochs < 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"{owner}: Epochs must be zero or more.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"{owner}: BatchSize must be positive.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"{owner}: LearningRate must be a positive finite number.");
        if (!Enum.IsDefined(LearningRateSchedule))
            throw new ArgumentOutOfRangeException(nameof(LearningRateSchedule), LearningRateSchedule,
                $"{owner}: LearningRateSchedule must be one of {string.Join(", ", Enum.GetNames<LearningRateSchedule>())}.");
        if (!(MinimumLearningRate >= 0 && MinimumLearningRate <= LearningRate))
            throw new ArgumentOutOfRangeException(nameof(MinimumLearningRate), MinimumLearningRate,
                $"{owner}: MinimumLearningRate must be in [0, LearningRate = {LearningRate}].");
        if (WarmupSteps < 0) throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"{owner}: WarmupSteps must be zero or more.");
        if (!(WarmupFraction >= 0 && WarmupFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(WarmupFraction), WarmupFraction, $"{owner}: WarmupFraction must be in [0, 1).");
        if (WarmupSteps > 0 && WarmupFraction > 0)
            throw new ArgumentException($"{owner}: set WarmupSteps or WarmupFraction, not both (got {WarmupSteps} and {WarmupFraction}).", nameof(WarmupFraction));
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, $"{owner}: Momentum must be in [0, 1).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"{owner}: WeightDecay must be zero or a positive finite number.");
        if (GradientClipNorm is double clip && (!(clip > 0) || double.IsInfinity(clip)))
            throw new ArgumentOutOfRangeException(nameof(GradientClipNorm), clip, $"{owner}: GradientClipNorm must be a positive finite number, or null for no clipping.");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, $"{owner}: unknown optimizer.");
        if (!Enum.IsDefined(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"{owner}: unknown loss.");
        if (!Enum.IsDefined(ScoreKind))
            throw new ArgumentOutOfRangeException(nameof(ScoreKind), ScoreKind, $"{owner}: ScoreKind must be one of {string.Join(", ", Enum.GetNames<ScoreKind>())}.");
        if (EarlyStoppingPatience is int patience && patience < 1)
            throw new ArgumentOutOfRangeException(nameof(EarlyStoppingPatience), patience, $"{owner}: EarlyStoppingPatience must be at least 1 epoch, or null to train every epoch.");
        if (Distillation is { } d)
        {
            if (!(d.Temperature > 0) || double.IsInfinity(d.Temperature))
                throw new ArgumentOutOfRangeException(nameof(DistillationOptions.Temperature), d.Temperature, $"{owner}: Distillation.Temperature must be a positive finite number.");
            if (!(d.Weight >= 0 && d.Weight <= 1))
                throw new ArgumentOutOfRangeException(nameof(DistillationOptions.Weight), d.Weight, $"{owner}: Distillation.Weight must be in [0, 1].");
            if (!Enum.IsDefined(d.EmbeddingLoss))
                throw new ArgumentOutOfRangeException(nameof(DistillationOptions.EmbeddingLoss), d.EmbeddingLoss,
                    $"{owner}: Distillation.EmbeddingLoss must be one of {string.Join(", ", Enum.GetNames<EmbeddingLoss>())}.");
        }
    }
}
