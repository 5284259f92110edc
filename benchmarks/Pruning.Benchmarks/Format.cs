using System;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>Formatting shared by the reports.</summary>
internal static class Format
{
    public static string Seconds(double s) => s >= 100 ? $"{s:F0} s" : s >= 10 ? $"{s:F1} s" : $"{s:F2} s";

    public static string Percent(double fraction) => $"{fraction * 100:F2} %";

    public static string Ratio(double r) => $"{r:F2}×";

    public static string Bytes(long bytes) => $"{bytes:N0}";

    public static string MiB(long bytes) => $"{bytes / (1024.0 * 1024):N0} MiB";

    public static void Progress(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
