using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Samples;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// structured (issue 11): structured pruning that removes whole units from the written ONNX file, measured on what the file
/// is (parameters, bytes, multiply-accumulates, ONNX Runtime CPU latency at batch 1 and a larger batch) and on what it still
/// does (accuracy, linear-probe accuracy, cosine to the dense embeddings). Four parts, each its own subsection:
/// lenet (LeNet-300-100, hidden neurons), resnet18 (ML.NET's featurizer, channels; vs a PyTorch ResNet18 at half width),
/// minilm (all-MiniLM-L6-v2, FFN units × attention heads) and testdata (every pytorch-converted model of libonnx-testdata
/// with a Conv or Gemm). Every number is measured here from <c>PrunedModelTransformer.CompactOnnx</c>, not from the report.
/// </summary>
internal static class StructuredBenchmark
{
    private static readonly string[] AllParts = ["lenet", "resnet18", "minilm", "testdata"];

    /// <summary>What every part shares.</summary>
    /// <param name="Repeats">Timed runs per model and batch; medians are reported.</param>
    /// <param name="Warmup">Untimed runs per model and batch first.</param>
    /// <param name="OrtThreads">ONNX Runtime intra-op threads of the timed sessions.</param>
    /// <param name="Output">Folder for written models and the peer's files.</param>
    /// <param name="Figures">Folder for figures (beside the markdown file when there is one).</param>
    public sealed record Settings(int Repeats, int Warmup, int OrtThreads, int Seed, string Data, string Output, string Figures, int Threads);

    public static string Run(BenchmarkArguments args)
    {
        string[] parts = args.String("parts", string.Join(',', AllParts)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0 || parts.Any(p => !AllParts.Contains(p)) || parts.Distinct().Count() != parts.Length)
            throw new ArgumentException($"--parts takes some of {string.Join(", ", AllParts)}, comma-separated; got '{string.Join(',', parts)}'.");
        var settings = new Settings(
            Repeats: args.Int("repeats", 20),
            Warmup: args.Int("warmup", 3, min: 0),
            OrtThreads: args.Int("ort-threads", 2),
            Seed: args.Int("seed", 1, min: 0),
            Data: args.String("data", FashionMnist.DebianFolder),
            Output: args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "structured")),
            Figures: args.OptionalString("markdown") is { } markdown ? Path.GetDirectoryName(Path.GetFullPath(markdown))! : Environment.CurrentDirectory,
            Threads: TorchSharp.torch.get_num_threads());
        // Every part's options are read whichever parts run, so an option of a part not run is not "unknown".
        var lenet = StructuredLeNet.Parse(args);
        var resnet = StructuredResNet18.Parse(args);
        var minilm = StructuredMiniLm.Parse(args);
        var testData = StructuredTestData.Parse(args);
        args.ThrowIfUnknown();
        Directory.CreateDirectory(settings.Output);

        var sections = new List<string>();
        var extraVersions = new List<string>();
        foreach (string part in parts)
        {
            Format.Progress($"structured: part {part} ...");
            sections.Add(part switch
            {
                "lenet" => StructuredLeNet.Run(settings, lenet),
                "resnet18" => StructuredResNet18.Run(settings, resnet, extraVersions),
                "minilm" => StructuredMiniLm.Run(settings, minilm, extraVersions),
                "testdata" => StructuredTestData.Run(settings, testData),
                _ => throw new InvalidOperationException(part),
            });
        }

        var text = new StringBuilder();
        text.AppendLine("## structured: whole units removed from the ONNX file (issue 11)");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, extraVersions.Count == 0 ? null : string.Join(", ", extraVersions.Distinct())));
        text.AppendLine();
        text.AppendLine("Each model is pruned with `Granularity` Neuron, Channel or Head and `Structured.RemoveUnits` (the default), and " +
            "everything below is measured on the bytes of `PrunedModelTransformer.CompactOnnx`, the file a user ships: *parameters* = " +
            "elements of its float initializers; *MACs* = multiply-accumulates of its Conv, Gemm and MatMul nodes per row (batch 1), " +
            "shapes from one ONNX Runtime run; *latency* = ONNX Runtime CPU, " +
            $"{settings.OrtThreads} intra-op threads, median of {settings.Repeats} runs after {settings.Warmup} warm-up runs, the models a table " +
            "compares timed in one loop in a rotated order (resnet18: each dense / pruned pair), seeded random inputs (a CPU's dense kernels do not depend on the values).");
        foreach (string section in sections)
        {
            text.AppendLine();
            text.AppendLine(section.TrimEnd());
        }
        text.Append(TorchRetry.Note());
        return text.ToString();
    }

    /// <summary>Milliseconds: "12.34", or "0.057" below 1 ms.</summary>
    public static string Ms(double seconds) => seconds < 1e-3 ? $"{seconds * 1000:F3}" : $"{seconds * 1000:F2}";

    /// <summary>"n / d" as a speed-up ("2.41×").</summary>
    public static string SpeedUp(double dense, double pruned) => Format.Ratio(dense / pruned);
}
