namespace Microsoft.ML.Pruning.Training;

/// <summary>The loss a training run minimizes, chosen from the task.</summary>
public enum TrainingLoss
{
    /// <summary>Multiclass: softmax cross-entropy on logits; labels are 0-based class indices.</summary>
    CrossEntropy,

    /// <summary>Binary: sigmoid cross-entropy on one logit; labels are 0 or 1.</summary>
    BinaryCrossEntropy,

    /// <summary>Regression: mean squared error.</summary>
    MeanSquaredError,
}
