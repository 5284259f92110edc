using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>How distillation compares the pruned model's output with the dense model's when the output is not class scores.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EmbeddingLoss>))]
public enum EmbeddingLoss
{
    /// <summary>
    /// Mean of 1 − cos(student, teacher) over the output's vectors: along the last dimension once trailing dimensions of size 1
    /// are dropped (each token of [N, S, 384]; each row of a featurizer's [N, 512, 1, 1]).
    /// </summary>
    Cosine = 0,

    /// <summary>Mean squared difference of every value (regression outputs, or embeddings whose scale matters).</summary>
    MeanSquaredError = 1,
}
