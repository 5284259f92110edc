using System;
using System.Globalization;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>Axis labels and units of the quantities a sweep measures: bytes in KiB or MiB, MACs in thousands or millions.</summary>
internal static class PlotQuantities
{
    /// <summary>The divisor and unit that keep the largest value of <paramref name="quantity"/> readable on an axis.</summary>
    public static (double Divisor, string Label) Axis(SweepQuantity quantity, double largest, SweepResult result)
    {
        int batch = result.Options.LatencyBatchSize;
        return quantity switch
        {
            SweepQuantity.Metric => (1, result.Options.Metric.DisplayName),
            SweepQuantity.Bytes when largest >= 1 << 20 => (1 << 20, "ONNX file size (MiB)"),
            SweepQuantity.Bytes => (1 << 10, "ONNX file size (KiB)"),
            SweepQuantity.Macs => Scaled("MACs per row", largest),
            SweepQuantity.NonZeroParameters => Scaled("non-zero parameters", largest),
            SweepQuantity.LatencyBatch1 => (1, "ONNX Runtime latency at batch 1 (ms)"),
            SweepQuantity.Latency => (1, string.Create(CultureInfo.InvariantCulture, $"ONNX Runtime latency at batch {batch} (ms)")),
            _ => throw new ArgumentOutOfRangeException(nameof(quantity), quantity, $"Not a {nameof(SweepQuantity)}: {quantity}."),
        };
    }

    /// <summary>A short name for tables: "bytes", "MACs", "latency b1 (ms)", "latency b32 (ms)".</summary>
    public static string Short(SweepQuantity quantity, SweepResult result) => quantity switch
    {
        SweepQuantity.Metric => result.Options.Metric.DisplayName,
        SweepQuantity.Bytes => "bytes",
        SweepQuantity.Macs => "MACs",
        SweepQuantity.NonZeroParameters => "non-zeros",
        SweepQuantity.LatencyBatch1 => "latency b1 (ms)",
        SweepQuantity.Latency => string.Create(CultureInfo.InvariantCulture, $"latency b{result.Options.LatencyBatchSize} (ms)"),
        _ => quantity.ToString(),
    };

    private static (double, string) Scaled(string name, double largest) =>
        largest >= 1e6 ? (1e6, name + " (millions)") : largest >= 1e4 ? (1e3, name + " (thousands)") : (1, name);
}
