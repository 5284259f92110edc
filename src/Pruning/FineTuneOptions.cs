using System;
using System.Text.Json.Serialization;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Re-training after pruning, with the masks fixed so pruned weights stay exactly zero. It runs the same
/// training loop as the SparseMlp trainers, on the Torch engine. Default: 2 epochs of Adam at 1e-3, batch 128.
/// </summary>
/// <example>
/// <code>
/// FineTune = new FineTuneOptions
/// {
///     Epochs = 10, LearningRateSchedule = LearningRateSchedule.Cosine, WarmupFraction = 0.05, GradientClipNorm = 1,
///     ValidationData = heldOut, EarlyStoppingPatience = 2, KeepBest = true,
///     Distillation = new DistillationOptions { Temperature = 4, Weight = 0.7 },
/// }
/// </code>
/// </example>
public sealed class FineTuneOptions : GradientTrainingOptions
{
    /// <summary>Two epochs by default.</summary>
    public FineTuneOptions() => Epochs = 2;

    /// <summary>
    /// The label column. Its type sets the loss: key → cross-entropy, Boolean → binary cross-entropy, Single → squared
    /// error. Null trains without labels, towards the dense model's outputs alone (needs <see cref="Distillation"/>);
    /// with <see cref="Distillation"/> set, a label column missing from the data does the same (the log says so).
    /// </summary>
    public string? LabelColumnName { get; set; } = "Label";

    /// <summary>
    /// The model output trained against the label; default the first of the estimator's output columns. A final
    /// Softmax/LogSoftmax (or Sigmoid for a Boolean label) is trained through its input logits.
    /// </summary>
    public string? ScoreColumnName { get; set; }

    /// <summary>
    /// What the score output holds when no final Softmax/Sigmoid node says so: logits, probabilities, or decided from the
    /// data (default: from the first batch's rows when there are labels). Without labels, Auto treats such an output as
    /// an embedding (distilled with <see cref="DistillationOptions.EmbeddingLoss"/>); set Logits or Probabilities to
    /// distill class scores with the tempered KL instead.
    /// </summary>
    public ScoreKind ScoreKind { get; set; } = ScoreKind.Auto;

    /// <summary>Knowledge distillation from the model before pruning; null (default) trains on the labels alone.</summary>
    public DistillationOptions? Distillation { get; set; }

    /// <summary>
    /// Held-out rows with the same columns, evaluated after every epoch (loss, and accuracy for classification) for the
    /// log, the report, <see cref="EarlyStoppingPatience"/> and <see cref="KeepBest"/>. Not serialized.
    /// </summary>
    [JsonIgnore]
    public IDataView? ValidationData { get; set; }

    /// <summary>Stop after this many epochs without a lower validation loss; null (default) trains every epoch. Needs <see cref="ValidationData"/>.</summary>
    public int? EarlyStoppingPatience { get; set; }

    /// <summary>End with the weights of the epoch of lowest validation loss instead of the last. Needs <see cref="ValidationData"/>.</summary>
    public bool KeepBest { get; set; }

    /// <summary>
    /// Keep BatchNormalization in inference mode while fine-tuning: it normalizes with the model's running statistics and does
    /// not update them (default false: batch statistics, running statistics updated, as PyTorch's train mode). For small
    /// batches, or data unlike what the model was trained on, where new running statistics change what the model computes
    /// more than the fine-tuning does.
    /// </summary>
    public bool FreezeNormalizationStatistics { get; set; }

    /// <summary>The loop's settings for a task with <paramref name="loss"/>.</summary>
    internal TrainingSettings ToFineTuneSettings(TrainingLoss loss, int seed) => ToSettings(loss, seed) with
    {
        ScoreKind = ScoreKind,
        Distillation = Distillation is { } d ? new DistillationOptions { Temperature = d.Temperature, Weight = d.Weight, EmbeddingLoss = d.EmbeddingLoss, PaddingMaskInput = d.PaddingMaskInput } : null,
        EarlyStoppingPatience = EarlyStoppingPatience,
        KeepBest = KeepBest,
        FreezeNormalizationStatistics = FreezeNormalizationStatistics,
    };

    /// <summary>Checks every fine-tuning option; messages name the option, after <paramref name="owner"/> (the property holding these options).</summary>
    internal void Validate(string owner = nameof(PruningOptions.FineTune))
    {
        ToFineTuneSettings(TrainingLoss.CrossEntropy, 0).Validate(owner);
        if (LabelColumnName is { Length: 0 })
            throw new ArgumentException($"{owner}: LabelColumnName is empty; set it to a column, or to null to train towards the dense model's outputs (with Distillation).", nameof(LabelColumnName));
        if (LabelColumnName is null && Distillation is null)
            throw new ArgumentException(
                $"{owner}: LabelColumnName is null, so there are no labels to train on; set Distillation to fine-tune towards the dense model's outputs instead.", nameof(LabelColumnName));
        if (Distillation?.PaddingMaskInput is { Length: 0 })
            throw new ArgumentException($"{owner}: Distillation.PaddingMaskInput is empty; name the model input whose zeros mark padding, or set it to null.", nameof(Distillation));
        if (ScoreColumnName is { Length: 0 })
            throw new ArgumentException($"{owner}: ScoreColumnName is empty; leave it null to take the first output column.", nameof(ScoreColumnName));
        if (EarlyStoppingPatience is not null && ValidationData is null)
            throw new ArgumentException($"{owner}: EarlyStoppingPatience needs ValidationData to measure improvement.", nameof(EarlyStoppingPatience));
        if (KeepBest && ValidationData is null)
            throw new ArgumentException($"{owner}: KeepBest needs ValidationData to tell which epoch is best.", nameof(KeepBest));
    }
}
