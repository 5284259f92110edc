using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Samples;

/// <summary>
/// The README's first command prints what BENCHMARKS.md shows: the README quotes the benchmarked output, and a run
/// of the QuickStart here reproduces its table.
/// </summary>
[TestClass]
public sealed class QuickStartTests
{
    /// <summary>One row of the QuickStart's table.</summary>
    private sealed record TableRow(string Sparsity, double Accuracy, long Bytes, double? FineTuned);

    [TestMethod]
    public void Readme_QuickStartOutput_IsQuotedUnchangedFromBenchmarks()
    {
        var readme = CodeBlockAfter(File.ReadAllLines(RepositoryFiles.Path("README.md")), "What the QuickStart printed");
        var benchmarks = CodeBlockAfter(File.ReadAllLines(RepositoryFiles.Path("BENCHMARKS.md")), "## quickstart");
        Assert.IsTrue(readme.Count > 5, "README's QuickStart block is missing");
        bool contained = Enumerable.Range(0, benchmarks.Count - readme.Count + 1)
            .Any(start => benchmarks.Skip(start).Take(readme.Count).SequenceEqual(readme));
        Assert.IsTrue(contained,
            "README's QuickStart output must be a verbatim excerpt of the quickstart section of BENCHMARKS.md (benchmarks/run-all.sh quickstart)." +
            Environment.NewLine + string.Join(Environment.NewLine, readme));
    }

    [TestMethod]
    [Timeout(600_000, CooperativeCancellation = true)]
    public void QuickStart_Run_ReproducesTheBenchmarkedTable()
    {
        var expected = Table(CodeBlockAfter(File.ReadAllLines(RepositoryFiles.Path("BENCHMARKS.md")), "## quickstart"));
        string output = Path.Combine(Path.GetTempPath(), "quickstart-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            string printed = RunQuickStart(output);
            var actual = Table(printed.Split('\n').Select(l => l.TrimEnd('\r')).ToList());

            CollectionAssert.AreEqual(expected.Select(r => r.Sparsity).ToList(), actual.Select(r => r.Sparsity).ToList(), printed);
            foreach (var (want, got) in expected.Zip(actual))
            {
                // Seeded and single-machine deterministic: on this project's machine the rows are equal to the digit.
                // Another CPU may round differently inside libtorch, so allow what that can move, and no more.
                Assert.AreEqual(want.Accuracy, got.Accuracy, 1.0, $"accuracy at {want.Sparsity}{Environment.NewLine}{printed}");
                Assert.AreEqual(want.Bytes, got.Bytes, want.Bytes * 0.02, $"ONNX bytes at {want.Sparsity}{Environment.NewLine}{printed}");
                Assert.AreEqual(want.FineTuned.HasValue, got.FineTuned.HasValue, $"fine-tuned cell at {want.Sparsity}{Environment.NewLine}{printed}");
                if (want.FineTuned is double tuned)
                    Assert.AreEqual(tuned, got.FineTuned!.Value, 1.0, $"fine-tuned accuracy at {want.Sparsity}{Environment.NewLine}{printed}");
            }
            Assert.IsTrue(File.Exists(Path.Combine(output, "lenet-magnitude-90.onnx")), "the compact 90 % file is written to --output");
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }

    private static string RunQuickStart(string output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = RepositoryFiles.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string arg in new[] { "run", "--project", RepositoryFiles.Path("samples", "QuickStart"), "-c", "Release", "--", "--output", output })
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.AreEqual(0, process.ExitCode, stdout + stderr.Result);
        return stdout;
    }

    /// <summary>The lines of the first fenced code block after the first line starting with <paramref name="heading"/>.</summary>
    private static List<string> CodeBlockAfter(string[] lines, string heading)
    {
        int at = Array.FindIndex(lines, l => l.StartsWith(heading, StringComparison.Ordinal));
        Assert.IsTrue(at >= 0, $"no line starting with '{heading}'");
        int open = Array.FindIndex(lines, at, l => l.StartsWith("```", StringComparison.Ordinal));
        int close = Array.FindIndex(lines, open + 1, l => l.StartsWith("```", StringComparison.Ordinal));
        Assert.IsTrue(open > at && close > open, $"no code block after '{heading}'");
        return lines.Skip(open + 1).Take(close - open - 1).ToList();
    }

    /// <summary>The rows of the sparsity table: "| 90 % | 53.95 % | 184,664 | 17.3 % | 0.03 s | 84.90 % |".</summary>
    private static List<TableRow> Table(IReadOnlyList<string> lines)
    {
        var rows = new List<TableRow>();
        foreach (string line in lines)
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length != 8 || !cells[1].EndsWith('%')) continue;
            rows.Add(new TableRow(cells[1], Percent(cells[2]), long.Parse(cells[3], NumberStyles.AllowThousands, CultureInfo.InvariantCulture),
                cells[6] == "-" ? null : Percent(cells[6])));
        }
        Assert.AreEqual(5, rows.Count, "the QuickStart table has a dense row and four sparsities" + Environment.NewLine + string.Join(Environment.NewLine, lines));
        return rows;
    }

    private static double Percent(string cell) => double.Parse(cell.TrimEnd('%', ' '), NumberStyles.Float, CultureInfo.InvariantCulture);
}
