using System;
using System.IO;
using System.Linq;
using System.Threading;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SweepLogTests
{
    private static SweepOptions TpeOptions(SweepFixture fixture, string folder, int maxTrials = 9)
    {
        var options = fixture.Options(folder,
            SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda"),
            SweepParameter.Range(SweepParameter.Sparsity, 0.2, 0.95),
            SweepParameter.IntegerRange("CalibrationRows", 8, 64));
        options.Strategy = SweepStrategy.Tpe;
        options.StartupTrials = 3;
        options.MaxTrials = maxTrials;
        options.Objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, 0.5, SweepReference.FractionOfDense));
        return options;
    }

    private static string Key(SweepTrial t) => $"{t.Id}: {string.Join("; ", t.Parameters.Select(kv => $"{kv.Key}={kv.Value}"))} seed {t.Options?.Seed}";

    [TestMethod]
    public void Resume_AfterCancellationMidSweep_SameTrialsAsUninterrupted()
    {
        using var fixture = new SweepFixture();
        var straight = fixture.Run(TpeOptions(fixture, "straight"));

        var interrupted = TpeOptions(fixture, "interrupted");
        using var cancel = new CancellationTokenSource();
        var stopAtFive = new InlineProgress<SweepProgress>(p => { if (p.Completed == 5) cancel.Cancel(); });
        Assert.ThrowsExactly<OperationCanceledException>(() => fixture.Run(interrupted, progress: stopAtFive, cancellationToken: cancel.Token));
        var kept = SweepLog.Read(Path.Combine(interrupted.Directory, "trials.json"), ReadId(straight.LogPath));
        Assert.HasCount(5, kept.Trials, "the log keeps every finished trial");

        var runner = new FakeTrialRunner();
        var resumed = fixture.Run(TpeOptions(fixture, "interrupted"), runner);

        CollectionAssert.AreEqual(straight.Trials.Select(Key).ToArray(), resumed.Trials.Select(Key).ToArray());
        CollectionAssert.AreEquivalent(new[] { 6, 7, 8, 9 }, runner.Requests.Keys.ToArray(), "only the missing trials ran; the dense measurement came from the log");
        StringAssert.Contains(resumed.Summary, "5 resumed from the log");
        Assert.AreEqual(straight.Best!.Id, resumed.Best!.Id);
    }

    [TestMethod]
    public void Resume_LargerBudget_ContinuesTheSameSweep()
    {
        using var fixture = new SweepFixture();
        var small = fixture.Run(TpeOptions(fixture, "grow", maxTrials: 4));
        var large = fixture.Run(TpeOptions(fixture, "grow", maxTrials: 6));
        var straight = fixture.Run(TpeOptions(fixture, "straight", maxTrials: 6));

        CollectionAssert.AreEqual(small.Trials.Select(Key).ToArray(), large.Trials.Take(4).Select(Key).ToArray());
        CollectionAssert.AreEqual(straight.Trials.Select(Key).ToArray(), large.Trials.Select(Key).ToArray());
    }

    [TestMethod]
    public void Resume_TruncatedLog_ThrowsInvalidDataAndLeavesFileAsIs()
    {
        using var fixture = new SweepFixture();
        var options = TpeOptions(fixture, "truncated", maxTrials: 3);
        var result = fixture.Run(options);
        byte[] full = File.ReadAllBytes(result.LogPath);
        byte[] truncated = full[..(full.Length / 2)];
        File.WriteAllBytes(result.LogPath, truncated);
        File.Delete(Path.Combine(options.Directory, "train.idv"));

        var error = Assert.ThrowsExactly<InvalidDataException>(() => fixture.Run(TpeOptions(fixture, "truncated", maxTrials: 5)));

        StringAssert.Contains(error.Message, result.LogPath);
        StringAssert.Contains(error.Message, "corrupt");
        CollectionAssert.AreEqual(truncated, File.ReadAllBytes(result.LogPath), "the log is not overwritten");
        Assert.IsFalse(File.Exists(Path.Combine(options.Directory, "train.idv")), "nothing written to the folder");
    }

    [TestMethod]
    public void Resume_LogOfAnotherSweep_ThrowsInvalidDataAndLeavesFileAsIs()
    {
        using var fixture = new SweepFixture();
        var first = fixture.Run(TpeOptions(fixture, "shared", maxTrials: 3));
        byte[] before = File.ReadAllBytes(first.LogPath);
        var other = TpeOptions(fixture, "shared", maxTrials: 3);
        other.Seed = 2;

        var error = Assert.ThrowsExactly<InvalidDataException>(() => fixture.Run(other));

        StringAssert.Contains(error.Message, first.LogPath);
        StringAssert.Contains(error.Message, "another sweep");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(first.LogPath));
    }

    [TestMethod]
    public void Resume_FileOfAnotherFormat_ThrowsInvalidDataNamingIt()
    {
        using var fixture = new SweepFixture();
        var options = TpeOptions(fixture, "foreign", maxTrials: 2);
        Directory.CreateDirectory(options.Directory);
        string path = Path.Combine(options.Directory, "trials.json");
        File.WriteAllText(path, """{"Format":"something-else","Version":1}""");
        byte[] before = File.ReadAllBytes(path);

        var error = Assert.ThrowsExactly<InvalidDataException>(() => fixture.Run(options));

        StringAssert.Contains(error.Message, path);
        StringAssert.Contains(error.Message, "not a sweep log");
        CollectionAssert.AreEqual(before, File.ReadAllBytes(path));
    }

    [TestMethod]
    public void Log_AfterSweep_HoldsFormatIdOptionsDenseAndTrials()
    {
        using var fixture = new SweepFixture();
        var options = TpeOptions(fixture, "format", maxTrials: 3);
        var result = fixture.Run(options);

        var root = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(result.LogPath))!.AsObject();
        Assert.AreEqual("microsoft-ml-pruning-sweep-log", (string?)root["Format"]);
        Assert.AreEqual(1, (int?)root["Version"]);
        Assert.AreEqual(64, ((string?)root["SweepId"])!.Length, "hex SHA-256");
        Assert.AreEqual("magnitude", (string?)root["Options"]!["BaseOptions"]!["$method"]);
        Assert.AreEqual(result.Dense.Bytes, (long?)root["Dense"]!["Bytes"]);
        Assert.HasCount(3, root["Trials"]!.AsArray());
        Assert.IsNotNull(root["Trials"]![0]!["Options"]!["Seed"]);
    }

    private static string ReadId(string logPath) => (string)System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(logPath))!["SweepId"]!;
}
