using System;
using System.Linq;
using Microsoft.ML.Pruning.Onnx.Tests.Fuzzing;
using Microsoft.ML.Pruning.Onnx.Tests.Helpers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests;

/// <summary>
/// The short run of the load fuzzer (the long one, ≥ 100,000 inputs, is benchmarks/OnnxFuzz; its result is the
/// onnx-fuzz section of BENCHMARKS.md). Seeded, so the inputs are the same every run; bounded by an input count and
/// by time, whichever comes first, so a slow machine covers fewer inputs rather than running long.
/// </summary>
[TestClass]
public sealed class OnnxLoadFuzzTests
{
    private const int Inputs = 10_000;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(60);

    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Load_ShortSeededFuzzRun_OnlyDocumentedExceptionsBoundedCostAndRoundTrips()
    {
        var paths = OnnxTestData.ModelPaths(); // Inconclusive without the backend suite
        var fuzzer = new OnnxLoadFuzzer(OnnxLoadFuzzer.DefaultCorpus(OnnxTestData.Root),
            new FuzzOptions { Seed = 20261126, MaxInputs = Inputs, MaxDuration = Duration });

        var report = fuzzer.Run();

        string summary = $"seed {report.Seed}, {report.Elapsed.TotalSeconds:F0} s, corpus of {paths.Count} backend models and more: {report.Summary()}";
        Console.WriteLine(summary);
        TestContext.WriteLine(summary);
        Assert.AreEqual(0, report.FindingCount, string.Join(Environment.NewLine, report.Findings.Select(f => f.ToString())));
        // A busy machine covers fewer inputs; a run that covered almost none would prove nothing.
        Assert.IsGreaterThan(1_000, report.Inputs, summary);
    }
}
