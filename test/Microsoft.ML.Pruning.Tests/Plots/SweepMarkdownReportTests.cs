using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.ML.Pruning.Plots;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Plots;

[TestClass]
public sealed class SweepMarkdownReportTests
{
    private string directory = "";

    [TestInitialize]
    public void CreateDirectory() => directory = Path.Combine(Path.GetTempPath(), "sweep-report-" + Guid.NewGuid().ToString("N"));

    [TestCleanup]
    public void DeleteDirectory()
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
    }

    [TestMethod]
    public void Write_HandMadeSweep_EveryLinkResolvesToAValidImage()
    {
        string path = SweepMarkdownReport.Write(PlotFixtures.Sweep(), directory, PlotFixtures.Sensitivity());
        Assert.AreEqual(Path.Combine(directory, SweepMarkdownReport.FileName), path);
        string markdown = File.ReadAllText(path);
        var links = Regex.Matches(markdown, @"\]\(([^)]+)\)").Select(m => m.Groups[1].Value).ToList();
        string[] expected = ["metric-vs-sparsity", "pareto-latency", "pareto-latency-batch1", "pareto-bytes", "pareto-macs", "sensitivity"];
        foreach (string name in expected)
        {
            CollectionAssert.Contains(links, name + ".png");
            CollectionAssert.Contains(links, name + ".svg");
        }
        foreach (string link in links)
        {
            string file = Path.Combine(directory, link);
            Assert.IsTrue(File.Exists(file), $"{link} is referenced but not written");
            if (link.EndsWith(".png", StringComparison.Ordinal))
            {
                byte[] png = File.ReadAllBytes(file);
                Assert.AreEqual(0x89, png[0]);
                using var bitmap = SkiaSharp.SKBitmap.Decode(png);
                Assert.IsNotNull(bitmap, link);
            }
            else
            {
                System.Xml.Linq.XDocument.Parse(File.ReadAllText(file));
            }
        }
        Assert.Contains("## Sensitivity", markdown);
        Assert.Contains("bytes ≤ 0.15 × dense (= 165,000)", markdown);
    }

    [TestMethod]
    public void Write_MacsUnchangedByPruning_NoMacsFront()
    {
        var sweep = PlotFixtures.Sweep();
        foreach (var trial in sweep.Trials.Where(t => t.Measurement is not null))
            trial.Measurement = trial.Measurement! with { Macs = 266_200 };
        string markdown = File.ReadAllText(SweepMarkdownReport.Write(sweep, directory));
        Assert.DoesNotContain("pareto-macs", markdown);
        Assert.Contains("](pareto-bytes.png)", markdown);
        Assert.IsFalse(File.Exists(Path.Combine(directory, "pareto-macs.png")));
    }

    [TestMethod]
    public void Write_HandMadeSweep_OneRowPerTrialRankedWithTheChosenFirst()
    {
        var sweep = PlotFixtures.Sweep();
        sweep.Trials[^1].Parameters[Microsoft.ML.Pruning.Sweeps.SweepParameter.Method] = "lasso|group";
        string markdown = File.ReadAllText(SweepMarkdownReport.Write(sweep, directory));
        var rows = TrialRows(markdown);
        Assert.HasCount(sweep.Trials.Count, rows);
        Assert.StartsWith($"| 1 (chosen) | {sweep.Best!.Id} |", rows[0]);
        CollectionAssert.AreEquivalent(sweep.Trials.Select(t => t.Id).ToArray(), rows.Select(r => int.Parse(r.Split('|')[2].Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        Assert.EndsWith("| failed |", rows[^1], "the failed trial ranks last");
        Assert.Contains(@"| lasso\|group |", rows[^1], "a pipe in a cell is escaped");
        Assert.Contains("- trial 13 on local: InvalidOperationException: lasso | needs a label column", markdown);
        int feasible = sweep.Trials.Count(t => t.Feasible);
        Assert.IsTrue(rows.Take(feasible).All(r => r.Contains("| yes |", StringComparison.Ordinal)), "feasible trials come first");
        var metrics = rows.Take(feasible).Select(r => double.Parse(r.Split('|')[5].Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        CollectionAssert.AreEqual(metrics.OrderByDescending(m => m).ToArray(), metrics, "feasible trials by accuracy, best first");
    }

    [TestMethod]
    public void Write_AllTrialsFailed_WritesTableAndErrorsWithoutPlots()
    {
        var sweep = PlotFixtures.AllFailed();
        string markdown = File.ReadAllText(SweepMarkdownReport.Write(sweep, directory));
        Assert.HasCount(2, TrialRows(markdown));
        Assert.Contains("No plots: no trial succeeded.", markdown);
        Assert.Contains("- trial 1: FileNotFoundException: model.onnx", markdown);
        CollectionAssert.AreEqual(new[] { SweepMarkdownReport.FileName }, Directory.GetFiles(directory).Select(Path.GetFileName).ToArray());
    }

    [TestMethod]
    public void SensitivityReport_HandMadeResult_TableMostSensitiveFirstAndPlot()
    {
        string path = SensitivityMarkdownReport.Write(PlotFixtures.Sensitivity(), directory);
        string markdown = File.ReadAllText(path);
        Assert.IsTrue(File.Exists(Path.Combine(directory, "sensitivity.png")));
        Assert.IsTrue(File.Exists(Path.Combine(directory, "sensitivity.svg")));
        Assert.Contains("](sensitivity.png)", markdown);
        var rows = markdown.Split('\n').Where(l => l.StartsWith("| fc", StringComparison.Ordinal)).ToList();
        Assert.HasCount(3, rows);
        Assert.StartsWith("| fc3.weight |", rows[0]);
        Assert.StartsWith("| fc1.weight |", rows[2]);
    }

    [TestMethod]
    public void SensitivityReport_NoPoints_ThrowsAndWritesNothing()
    {
        Assert.ThrowsExactly<ArgumentException>(() => SensitivityMarkdownReport.Write(new Microsoft.ML.Pruning.Sweeps.SensitivityResult(), directory));
        Assert.IsFalse(Directory.Exists(directory));
    }

    /// <summary>The rows of the trial table: the lines between its alignment row and the next blank line.</summary>
    private static System.Collections.Generic.List<string> TrialRows(string markdown)
    {
        var lines = markdown.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        int header = lines.FindIndex(l => l.StartsWith("| rank |", StringComparison.Ordinal));
        Assert.IsGreaterThanOrEqualTo(0, header, "the trial table");
        return lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')).ToList();
    }
}
