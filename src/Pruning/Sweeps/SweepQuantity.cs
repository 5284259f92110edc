namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>A measured quantity of a trial that an objective optimizes or a constraint bounds.</summary>
public enum SweepQuantity
{
    /// <summary>The sweep's <see cref="SweepMetric"/> on the validation rows.</summary>
    Metric = 0,

    /// <summary>Bytes of the compact ONNX file the trial writes.</summary>
    Bytes = 1,

    /// <summary>Non-zero parameters of the prunable layers.</summary>
    NonZeroParameters = 2,

    /// <summary>Multiply-accumulates of one row (Conv, Gemm, MatMul) of the written model.</summary>
    Macs = 3,

    /// <summary>ONNX Runtime CPU latency at batch 1, median of the repeats, in milliseconds.</summary>
    LatencyBatch1 = 4,

    /// <summary>ONNX Runtime CPU latency at <see cref="SweepOptions.LatencyBatchSize"/>, median of the repeats, in milliseconds.</summary>
    Latency = 5,
}
