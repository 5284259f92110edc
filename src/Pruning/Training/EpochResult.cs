using System;
using System.Globalization;
using System.Text;

namespace Microsoft.ML.Pruning.Training;

/// <summary>What one epoch did, reported to the caller's log.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Epochs">Epochs in the run.</param>
/// <param name="MeanLoss">Mean training loss over the epoch's batches.</param>
/// <param name="Samples">Rows seen.</param>
/// <param name="Elapsed">Wall time of the epoch.</param>
public sealed record EpochResult(int Epoch, int Epochs, double MeanLoss, long Samples, TimeSpan Elapsed)
{
    /// <summary>Training throughput.</summary>
    public double SamplesPerSecond => Elapsed.TotalSeconds > 0 ? Samples / Elapsed.TotalSeconds : 0;

    /// <summary>The learning rate of the epoch's last step.</summary>
    public double LearningRate { get; init; }

    /// <summary>Mean loss on the validation data after the epoch (the training objective, in inference mode); null without validation data.</summary>
    public double? ValidationLoss { get; init; }

    /// <summary>Fraction of validation rows classified right after the epoch; null without validation data or for other tasks.</summary>
    public double? ValidationAccuracy { get; init; }

    /// <inheritdoc />
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.Append(c, $"epoch {Epoch}/{Epochs}: loss {MeanLoss:F4}");
        if (ValidationLoss is double v) text.Append(c, $", validation loss {v:F4}");
        if (ValidationAccuracy is double a) text.Append(c, $", validation accuracy {a:P2}");
        text.Append(c, $", lr {LearningRate:G4}, {Samples} rows in {Elapsed.TotalSeconds:F1} s ({SamplesPerSecond:F0} rows/s)");
        return text.ToString();
    }
}
