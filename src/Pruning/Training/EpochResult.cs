using System;

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

    /// <inheritdoc />
    public override string ToString() =>
        $"epoch {Epoch}/{Epochs}: loss {MeanLoss:F4}, {Samples} rows in {Elapsed.TotalSeconds:F1} s ({SamplesPerSecond:F0} rows/s)";
}
