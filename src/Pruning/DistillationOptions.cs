using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Knowledge distillation from the unpruned model during fine-tuning: the dense model (as it was before pruning) runs
/// in inference mode on every batch, and the pruned model is trained towards its outputs as well as (or, with no label
/// column, instead of) the labels.
/// </summary>
/// <remarks>
/// Class scores: loss = (1 − <see cref="Weight"/>)·task + <see cref="Weight"/>·T²·KL(softmax(t/T) ‖ softmax(s/T)) with
/// T = <see cref="Temperature"/> (Hinton et al., 2015; probabilities are taken as log p; a binary output as a
/// two-way Bernoulli). Other outputs (regression values, embeddings): the distillation term is
/// <see cref="EmbeddingLoss"/> between the two outputs, and <see cref="Temperature"/> is not used.
/// Without labels the loss is the distillation term alone: an embedding model is fine-tuned to reproduce the
/// dense model's embeddings.
/// </remarks>
/// <example>
/// <code>
/// FineTune = new FineTuneOptions { LabelColumnName = null, Distillation = new DistillationOptions { EmbeddingLoss = EmbeddingLoss.Cosine } }
/// </code>
/// </example>
public sealed class DistillationOptions
{
    /// <summary>Softens both distributions before they are compared (class scores only); positive. Default 2.</summary>
    public double Temperature { get; set; } = 2;

    /// <summary>The share α of the distillation term when there are labels, in [0, 1]. Default 0.5.</summary>
    public double Weight { get; set; } = 0.5;

    /// <summary>The distillation term for outputs that are not class scores. Default <see cref="EmbeddingLoss.Cosine"/>.</summary>
    public EmbeddingLoss EmbeddingLoss { get; set; } = EmbeddingLoss.Cosine;

    /// <summary>
    /// The model input whose zeros mark padding, default "attention_mask" (BERT exports): when the model has this input,
    /// shaped [batch, sequence], and the distilled output is [batch, sequence, …], the embedding loss is averaged over the
    /// positions where it is non-zero only, so padding added to even out a batch does not train the model. Null
    /// averages over every position.
    /// </summary>
    public string? PaddingMaskInput { get; set; } = "attention_mask";
}
