namespace Microsoft.ML.Pruning.Trainers.Models;

/// <summary>What an MLP's last layer is read as, which fixes its output tensors.</summary>
public enum MlpHead
{
    /// <summary>Outputs <c>Score</c> (softmax probabilities, [N, classes]) and <c>PredictedLabel</c> (UINT32 argmax, [N]).</summary>
    Multiclass,

    /// <summary>Outputs <c>Score</c> (logit, [N]), <c>Probability</c> (sigmoid, [N]) and <c>PredictedLabel</c> (BOOL, [N]).</summary>
    Binary,

    /// <summary>Outputs <c>Score</c> ([N]).</summary>
    Regression,
}
