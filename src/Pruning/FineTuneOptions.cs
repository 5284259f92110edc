using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Re-training after pruning, with the masks fixed so pruned weights stay exactly zero. It runs the same
/// training loop as the SparseMlp trainers, on the Torch engine. Default: 2 epochs of Adam at 1e-3, batch 128.
/// </summary>
public sealed class FineTuneOptions : GradientTrainingOptions
{
    /// <summary>Two epochs by default.</summary>
    public FineTuneOptions() => Epochs = 2;

    /// <summary>The label column. Its type sets the loss: key → cross-entropy, Boolean → binary cross-entropy, Single → squared error.</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The model output trained against the label; default the first of the estimator's output columns. A final
    /// Softmax/LogSoftmax (or Sigmoid for a Boolean label) is trained through its input logits.
    /// </summary>
    public string? ScoreColumnName { get; set; }

    internal void Validate() => ToSettings(TrainingLoss.CrossEntropy, 0).Validate("FineTune");
}
