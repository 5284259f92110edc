namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>What a trial measured (trial 0: the dense model).</summary>
/// <param name="Metric">The sweep's metric on the validation rows.</param>
/// <param name="Parameters">Parameters of the prunable layers before pruning.</param>
/// <param name="NonZeroParameters">Of those, the non-zeros after pruning (removed units count as zeros).</param>
/// <param name="Bytes">Bytes of the compact ONNX file.</param>
/// <param name="Macs">Multiply-accumulates per row of the written model (Conv, Gemm, MatMul), null when shapes are unknown.</param>
/// <param name="LatencyBatch1Milliseconds">ONNX Runtime CPU latency at batch 1, median.</param>
/// <param name="LatencyMilliseconds">Latency at <paramref name="LatencyBatchSize"/>, median; null when the written model fixes its batch at 1.</param>
/// <param name="LatencyBatchSize">The batch of <paramref name="LatencyMilliseconds"/>.</param>
/// <param name="FitSeconds">Wall time of the estimator's Fit (pruning and fine-tuning); 0 for the dense model.</param>
public sealed record TrialMeasurement(
    double Metric, long Parameters, long NonZeroParameters, long Bytes, long? Macs,
    double LatencyBatch1Milliseconds, double? LatencyMilliseconds, int LatencyBatchSize, double FitSeconds)
{
    /// <summary>The share of prunable parameters that are zero.</summary>
    public double Sparsity => Parameters == 0 ? 0 : 1.0 - (double)NonZeroParameters / Parameters;

    /// <summary>The value of <paramref name="quantity"/>; null when it was not measured (latency at a batch the model cannot take, MACs).</summary>
    public double? Value(SweepQuantity quantity) => quantity switch
    {
        SweepQuantity.Metric => Metric,
        SweepQuantity.Bytes => Bytes,
        SweepQuantity.NonZeroParameters => NonZeroParameters,
        SweepQuantity.Macs => Macs,
        SweepQuantity.LatencyBatch1 => LatencyBatch1Milliseconds,
        SweepQuantity.Latency => LatencyMilliseconds,
        _ => null,
    };
}
