using System;

namespace Microsoft.ML.Pruning.Training;

/// <summary>How one training run goes: the settings shared by the trainers and by fine-tuning.</summary>
public sealed class TrainingSettings
{
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Rows per gradient step.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Step size.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Optimizer.</summary>
    public TrainingOptimizer Optimizer { get; init; } = TrainingOptimizer.Adam;

    /// <summary>Momentum for <see cref="TrainingOptimizer.SgdMomentum"/>.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>L2 weight decay.</summary>
    public double WeightDecay { get; init; }

    /// <summary>Loss.</summary>
    public TrainingLoss Loss { get; init; } = TrainingLoss.CrossEntropy;

    /// <summary>Seed for shuffling and initialization.</summary>
    public int Seed { get; init; }

    /// <summary>Checks every value; the message names the option.</summary>
    public void Validate(string owner)
    {
        if (Epochs < 0) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, $"{owner}: Epochs must be zero or more.");
        if (BatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, $"{owner}: BatchSize must be positive.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, $"{owner}: LearningRate must be a positive finite number.");
        if (!(Momentum >= 0 && Momentum < 1)) throw new ArgumentOutOfRangeException(nameof(Momentum), Momentum, $"{owner}: Momentum must be in [0, 1).");
        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
            throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, $"{owner}: WeightDecay must be zero or a positive finite number.");
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentOutOfRangeException(nameof(Optimizer), Optimizer, $"{owner}: unknown optimizer.");
        if (!Enum.IsDefined(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"{owner}: unknown loss.");
    }
}
