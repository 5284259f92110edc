using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>How distillation compares the pruned model's output with the dense model's when the output is not class scores.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EmbeddingLoss>))]
public enum EmbeddingLoss
{
    /// <summary>Mean over rows of 1 − cos(student, teacher), the cosine taken along the last dimension (embeddings).</summary>
    Cosine = 0,

    /// <summary>Mean squared difference of every value (regression outputs, or embeddings whose scale matters).</summary>
    MeanSquaredError = 1,
}
