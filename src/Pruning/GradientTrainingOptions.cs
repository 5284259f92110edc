using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>The gradient-training settings shared by fine-tuning and the SparseMlp trainers.</summary>
public abstract class GradientTrainingOptions
{
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>Step size; the peak of the schedule.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>
    /// How the step size changes over the run, step by step: <see cref="LearningRateSchedule.Constant"/> (default) or
    /// <see cref="LearningRateSchedule.Cosine"/> down to <see cref="MinimumLearningRate"/>; either after a linear warm-up
    /// when <see cref="WarmupSteps"/> or <see cref="WarmupFraction"/> is set.
    /// </summary>
    public LearningRateSchedule LearningRateSchedule { get; set; } = LearningRateSchedule.Constant;

    /// <summary>Where the cosine schedule ends, in [0, <see cref="LearningRate"/>]. Default 0.</summary>
    public double MinimumLearningRate { get; set; }

    /// <summary>Steps of linear warm-up from <see cref="LearningRate"/>/W to <see cref="LearningRate"/>; 0 (default) for none.</summary>
    public int WarmupSteps { get; set; }

    /// <summary>Warm-up as a fraction of all steps, in [0, 1), instead of <see cref="WarmupSteps"/>; 0 (default) for none.</summary>
    public double WarmupFraction { get; set; }

    /// <summary>Optimizer.</summary>
    public TrainingOptimizer Optimizer { get; set; } = TrainingOptimizer.Adam;

    /// <summary>Momentum, for <see cref="TrainingOptimizer.SgdMomentum"/>.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>Weight decay; L2 added to the gradient unless <see cref="DecoupledWeightDecay"/>.</summary>
    public double WeightDecay { get; set; }

    /// <summary>Decoupled weight decay (AdamW; SGDW for SGD): weights shrink by lr·WeightDecay each step, apart from the gradient.</summary>
    public bool DecoupledWeightDecay { get; set; }

    /// <summary>Clips the global L2 norm of all gradients to this value before each step; null (default) does not clip.</summary>
    public double? GradientClipNorm { get; set; }

    /// <summary>The loop's settings; <see cref="TrainingSettings.Validate"/> checks them with the option names.</summary>
    internal TrainingSettings ToSettings(TrainingLoss loss, int seed) => new()
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        LearningRateSchedule = LearningRateSchedule,
        MinimumLearningRate = MinimumLearningRate,
        WarmupSteps = WarmupSteps,
        WarmupFraction = WarmupFraction,
        Optimizer = Optimizer,
        Momentum = Momentum,
        WeightDecay = WeightDecay,
        DecoupledWeightDecay = DecoupledWeightDecay,
        GradientClipNorm = GradientClipNorm,
        Loss = loss,
        Seed = seed,
    };
}
