using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Re-training after pruning, with the masks fixed so pruned weights stay exactly zero. It runs the same
/// training loop as the SparseMlp trainers, on the Torch engine.
/// </summary>
public sealed class FineTuneOptions
{
    /// <summary>Passes over the data.</summary>
    public int Epochs { get; set; } = 2;

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

    /// <summary>The label column. Its type sets the loss: key → cross-entropy, Boolean → binary cross-entropy, Single → squared error.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The model output trained against the label; default the first of the estimator's output columns. A final
    /// Softmax/LogSoftmax (or Sigmoid for a Boolean label) is trained through its input logits.
    /// </summary>
    public string? ScoreColumnName { get; set; }

    internal void Validate() => ToSettings(TrainingLoss.CrossEntropy, 0).Validate("FineTune");

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
