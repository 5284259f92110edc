using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// What a classification model's score output holds, which decides how its loss is computed. An output made by a
/// final Softmax/LogSoftmax (multiclass) or Sigmoid (binary) node is always trained through that node's input logits.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<ScoreKind>))]
public enum ScoreKind
{
    /// <summary>
    /// Decided from the model and the data: through a final Softmax/LogSoftmax/Sigmoid node as logits; otherwise, for
    /// a multiclass label, probabilities when every row of the first training batch lies in [0, 1] and sums to 1
    /// (the log says which was taken), else logits.
    /// </summary>
    Auto = 0,

    /// <summary>Unnormalized scores: softmax (or sigmoid) cross-entropy.</summary>
    Logits = 1,

    /// <summary>Probabilities: negative log-likelihood of log(p), p clamped away from 0 (binary: cross-entropy on p).</summary>
    Probabilities = 2,
}
