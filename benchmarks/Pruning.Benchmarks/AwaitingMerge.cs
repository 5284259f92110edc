namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// The one place where the new benchmarks need library API that issue 8's other slices are adding and that this
/// branch does not have yet. Everything else in lenet5, engine-throughput, minilm and resnet18 is written against
/// the API as it is (the engine's missing ops make those runs fail at run time until the op slices are merged,
/// with the engine's own "unsupported op" message).
/// </summary>
internal static class AwaitingMerge
{
    /// <summary>
    /// Fine-tuning options for the minilm benchmark: distillation from the unpruned model, with no label column: the
    /// pruned model is trained to reproduce the dense model's <paramref name="output"/> (last_hidden_state) on the
    /// training lines, cosine loss.
    /// </summary>
    /// <remarks>
    /// TODO(lead): wire the fine-tuning slice's distillation here, e.g.
    /// <code>
    /// options.LabelColumnName = null;                 // no label: distillation is the loss
    /// options.Distillation = new DistillationOptions { Output = output, Loss = DistillationLoss.Cosine, Weight = 1 };
    /// </code>
    /// (names as that slice defines them). Until then these options ask for a "Label" column, which the token data
    /// does not have, so the fine-tuned half of minilm stops with the estimator's missing-column error; the one-shot
    /// half runs.
    /// </remarks>
    public static FineTuneOptions DistillationFineTune(string output, int epochs, int batchSize, double learningRate)
    {
        _ = output; // TODO(lead): the distilled output, see remarks.
        return new FineTuneOptions { Epochs = epochs, BatchSize = batchSize, LearningRate = learningRate };
    }
}
