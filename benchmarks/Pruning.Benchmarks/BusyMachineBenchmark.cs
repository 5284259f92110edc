using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// busy-machine: the 2-epoch LeNet-300-100 fine-tune of the library's training loop, quiet and beside CPU-bound
/// competitor processes (shell busy loops), with libgomp's default wait policy (what the library had before) and
/// with the library's passive policy (<see cref="OpenMpWaitPolicy"/>). Each measurement is a fresh child process,
/// so the policy libgomp reads at load differs between them.
/// </summary>
internal static class BusyMachineBenchmark
{
    /// <summary>libgomp's spin count when OMP_WAIT_POLICY is unset (its documented default): the behaviour before.</summary>
    private const string DefaultSpinCount = "300000";

    /// <param name="Policy">"libgomp default", "passive (library)", or "GOMP_SPINCOUNT=N" (a short spin, then sleep).</param>
    private sealed record Config(string Policy, int Competitors, int Threads);

    public static string Run(BenchmarkArguments args)
    {
        int repetitions = args.Int("repetitions", 3);
        int epochs = args.Int("epochs", 2);
        string folder = args.String("data", FashionMnist.DebianFolder);
        int[] competitorCounts = args.String("competitors", "0,1,2").Split(',').Select(int.Parse).ToArray();
        string[] spinCounts = args.String("spin-counts", "").Split(',', StringSplitOptions.RemoveEmptyEntries);
        args.ThrowIfUnknown();

        string self = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        string? dll = self.EndsWith("dotnet", StringComparison.Ordinal) ? typeof(BusyMachineBenchmark).Assembly.Location : null;
        var configs = new List<Config>();
        foreach (int competitors in competitorCounts)
        {
            configs.Add(new Config("libgomp default", competitors, 2));
            configs.Add(new Config("passive (library)", competitors, 2));
            foreach (string spin in spinCounts) configs.Add(new Config($"GOMP_SPINCOUNT={spin}", competitors, 2));
        }
        if (competitorCounts.Contains(1)) configs.Add(new Config("passive (library)", 1, 1));

        var seconds = configs.ToDictionary(c => c, _ => new List<double>());
        var cpu = configs.ToDictionary(c => c, _ => new List<double>());
        for (int r = 1; r <= repetitions; r++)
        {
            foreach (var config in configs)
            {
                var (wall, used) = Measure(self, dll, config, folder, epochs);
                seconds[config].Add(wall);
                cpu[config].Add(used);
                Format.Progress($"round {r}: {config.Policy}, {config.Competitors} competitor(s), {config.Threads} thread(s): {wall:F2} s wall, {used:F2} s CPU");
            }
        }

        double quiet = Median(seconds[configs.First(c => c.Policy.StartsWith("passive", StringComparison.Ordinal) && c.Competitors == 0 && c.Threads == 2)]);
        var quietOf = configs.Where(c => c.Competitors == 0).GroupBy(c => c.Policy).ToDictionary(g => g.Key, g => Median(seconds[g.First()]));
        var table = new MarkdownTable("wait policy", "competitors", "threads", "wall (median)", "min … max", "CPU time (median)", "vs quiet, same policy");
        foreach (var config in configs)
        {
            var s = seconds[config];
            double baseline = quietOf.GetValueOrDefault(config.Policy, quiet);
            table.Add(config.Policy, config.Competitors.ToString(CultureInfo.InvariantCulture), config.Threads.ToString(CultureInfo.InvariantCulture),
                Format.Seconds(Median(s)), $"{Format.Seconds(s.Min())} … {Format.Seconds(s.Max())}", Format.Seconds(Median(cpu[config])),
                Format.Ratio(Median(s) / baseline));
        }

        var oneBusy = configs.FirstOrDefault(c => c.Policy.StartsWith("passive", StringComparison.Ordinal) && c.Competitors == 1 && c.Threads == 2);
        double ratio = oneBusy is null ? double.NaN : Median(seconds[oneBusy]) / quiet;
        var text = new StringBuilder();
        text.AppendLine("## busy-machine: fine-tuning beside CPU-bound processes");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args));
        text.AppendLine();
        text.AppendLine($"The {epochs}-epoch LeNet-300-100 fine-tune (Fashion-MNIST train set, batch 128, Adam; the library's training loop), each run a fresh");
        text.AppendLine("process; a competitor is `sh -c 'while :; do :; done'` started before the run and killed after. \"libgomp default\" is the");
        text.AppendLine($"behaviour before the fix (the child runs with GOMP_SPINCOUNT={DefaultSpinCount}, libgomp's documented spin count when OMP_WAIT_POLICY is");
        text.AppendLine("unset); \"passive (library)\" is what the library now sets when the user has set neither variable. " +
            $"{repetitions} repetitions, configurations interleaved.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.AppendLine();
        if (!double.IsNaN(ratio))
            text.AppendLine($"Target ≤ 3× slower than quiet with one of two cores taken: {Format.Ratio(ratio)} — {(ratio <= 3 ? "met" : "missed")}.");
        return text.ToString();
    }

    /// <summary>The child's work: load the data, train, print "wall cpu" in seconds.</summary>
    public static string Child(BenchmarkArguments args)
    {
        int epochs = args.Int("epochs", 2);
        string folder = args.String("data", FashionMnist.DebianFolder);
        args.ThrowIfUnknown();
        var rows = FashionMnist.Read(folder, "train");
        var features = new float[rows.Length * FashionMnist.Pixels];
        var labels = new float[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r].Features.CopyTo(features, r * FashionMnist.Pixels);
            labels[r] = rows[r].Label;
        }
        var data = new TrainingData(features, FashionMnist.Pixels, labels);
        var model = MlpGraphBuilder.Build("Features", FashionMnist.Pixels, [300, 100], 10, MlpActivation.Relu, MlpHead.Multiclass, seed: 1);
        using var module = new OnnxTorchModule(TrainingGraph.Extract(model, MlpGraphBuilder.LogitsName), CPU);
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        TorchTrainingLoop.Run(module, data, new TrainingSettings { Epochs = epochs, BatchSize = 128, Seed = 1 }, CPU);
        double wall = watch.Elapsed.TotalSeconds;
        process.Refresh();
        return string.Create(CultureInfo.InvariantCulture, $"{wall:F4} {(process.TotalProcessorTime - cpu0).TotalSeconds:F4} threads={torch.get_num_threads()} policy={OpenMpWaitPolicy.Outcome}");
    }

    private static (double Wall, double Cpu) Measure(string self, string? dll, Config config, string folder, int epochs)
    {
        var competitors = new List<Process>();
        try
        {
            for (int i = 0; i < config.Competitors; i++)
                competitors.Add(Process.Start(new ProcessStartInfo("/bin/sh", ["-c", "while :; do :; done"]) { UseShellExecute = false })!);
            var start = new ProcessStartInfo(dll is null ? self : "dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            if (dll is not null) start.ArgumentList.Add(dll);
            foreach (string a in new[] { "busy-machine-child", "--data", folder, "--epochs", epochs.ToString(CultureInfo.InvariantCulture), "--threads", config.Threads.ToString(CultureInfo.InvariantCulture) })
                start.ArgumentList.Add(a);
            start.Environment.Remove("OMP_WAIT_POLICY");
            start.Environment.Remove("GOMP_SPINCOUNT");
            if (config.Policy.StartsWith("libgomp", StringComparison.Ordinal)) start.Environment["GOMP_SPINCOUNT"] = DefaultSpinCount;
            if (config.Policy.StartsWith("GOMP_SPINCOUNT=", StringComparison.Ordinal)) start.Environment["GOMP_SPINCOUNT"] = config.Policy["GOMP_SPINCOUNT=".Length..];
            using var child = Process.Start(start)!;
            string output = child.StandardOutput.ReadToEnd();
            string error = child.StandardError.ReadToEnd();
            child.WaitForExit();
            if (child.ExitCode != 0) throw new InvalidOperationException($"The child failed ({child.ExitCode}): {error}");
            var parts = output.Trim().Split(' ');
            string expected = config.Policy.StartsWith("passive", StringComparison.Ordinal) ? "policy=set" : "policy=user";
            if (!output.Contains(expected, StringComparison.Ordinal))
                throw new InvalidOperationException($"The child did not run with the intended wait policy ({expected}): {output}");
            return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
        }
        finally
        {
            foreach (var c in competitors)
            {
                try { c.Kill(); } catch (InvalidOperationException) { }
                c.WaitForExit();
                c.Dispose();
            }
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
