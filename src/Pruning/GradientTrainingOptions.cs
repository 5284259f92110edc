using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>The gradient-training settings shared by fine-tuning and the SparseMlp trainers.</summary>
public abstract class GradientTrainingOptions
{
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; set; } = 10;

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; set; } = 128;

    /// <summary>Step size.</summary>
    public double LearningRate { get; set; } = 1e-3;

    /// <summary>Optimizer.</summary>
    public TrainingOptimizer Optimizer { get; set; } = TrainingOptimizer.Adam;

    /// <summary>Momentum, for <see cref="TrainingOptimizer.SgdMomentum"/>.</summary>
    public double Momentum { get; set; } = 0.9;

    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; set; }

    /// <summary>The loop's settings; <see cref="TrainingSettings.Validate"/> checks them with the option names.</summary>
    internal TrainingSettings ToSettings(TrainingLoss loss, int seed) => new()
    {
        Epochs = Epochs,
        BatchSize = BatchSize,
        LearningRate = LearningRate,
        Optimizer = Optimizer,
        Momentum = Momentum,
        WeightDecay = WeightDecay,
        Loss = loss,
        Seed = seed,
    };
}
