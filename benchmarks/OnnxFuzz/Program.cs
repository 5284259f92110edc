// The long run of the OnnxModel.Load fuzzer (the test suite runs 10,000 inputs or 60 s of it):
//
//   dotnet run --project benchmarks/OnnxFuzz -c Release [-- --inputs 100000] [--seconds 7200] [--seed 1]
//       [--data /usr/share/libonnx-testdata/data] [--markdown FILE] [--findings FOLDER]
//   dotnet run --project benchmarks/OnnxFuzz -c Release -- --hostile 65536,131072 [--only NAME]
//       (instead: what each of the hostile files costs to load at those sizes, from bytes and from a file; a table)
//
// benchmarks/run-all.sh onnx-fuzz runs it and puts its section in benchmarks/results/onnx-fuzz.md and BENCHMARKS.md.
// Progress goes to stderr every 10,000 inputs; the Markdown section to --markdown (else stdout). Inputs that broke a
// promise are written to --findings (default: a temporary folder) to be replayed with OnnxModel.Load. Exit code 1
// when there were findings.
using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.ML.Pruning.Onnx.Tests.Fuzzing;

int inputs = 100_000, seconds = 7200, seed = 1;
string data = "/usr/share/libonnx-testdata/data";
string? markdown = null, findingsFolder = null, hostile = null, only = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--inputs": inputs = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seconds": seconds = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--seed": seed = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--data": data = args[++i]; break;
        case "--markdown": markdown = args[++i]; break;
        case "--findings": findingsFolder = args[++i]; break;
        case "--hostile": hostile = args[++i]; break;
        case "--only": only = args[++i]; break;
        default: Console.Error.WriteLine($"Unknown option '{args[i]}'."); return 2;
    }
}
if (hostile is not null) return Hostile(hostile, only);
if (!Directory.Exists(data))
{
    Console.Error.WriteLine($"ONNX backend test data not found at {data}; apt-get install libonnx-testdata, or pass --data.");
    return 2;
}

var options = new FuzzOptions { Seed = seed, MaxInputs = inputs, MaxDuration = TimeSpan.FromSeconds(seconds) };
var corpus = OnnxLoadFuzzer.DefaultCorpus(data);
Console.Error.WriteLine($"Corpus: {corpus.Count} models; seed {seed}; up to {inputs:N0} inputs or {seconds:N0} s.");
double loadStart = Load();
var start = DateTime.UtcNow;
var report = new OnnxLoadFuzzer(corpus, options).Run(line => Console.Error.WriteLine(line));
double loadEnd = Load();

if (report.FindingCount > 0)
{
    findingsFolder ??= Path.Combine(Path.GetTempPath(), $"onnx-fuzz-findings-{Environment.ProcessId}");
    Directory.CreateDirectory(findingsFolder);
    for (int i = 0; i < report.Findings.Count; i++)
    {
        File.WriteAllBytes(Path.Combine(findingsFolder, $"finding-{i:D2}.onnx"), report.Findings[i].Bytes);
        File.AppendAllText(Path.Combine(findingsFolder, "findings.txt"), $"finding-{i:D2}.onnx: {report.Findings[i]}{Environment.NewLine}");
    }
    Console.Error.WriteLine($"{report.FindingCount} findings; the first {report.Findings.Count} are in {findingsFolder}.");
}

var text = new StringBuilder();
text.AppendLine("## onnx-fuzz: OnnxModel.Load on mutated and hostile files");
text.AppendLine();
text.AppendLine($"- Command: `dotnet run --project benchmarks/OnnxFuzz -c Release -- --inputs {inputs} --seconds {seconds} --seed {seed}`");
text.AppendLine($"- Commit: `{Git("rev-parse HEAD")}`{(Git("status --porcelain --untracked-files=no -- :(top) :(exclude,top)benchmarks/results :(exclude,top)BENCHMARKS.md").Length > 0 ? " with uncommitted changes" : "")}");
text.AppendLine($"- Date: {start:yyyy-MM-dd HH:mm} UTC; {report.Elapsed.TotalMinutes:F1} min");
text.AppendLine($"- Machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}; load average {loadStart:F1} at the start, {loadEnd:F1} at the end (a shared machine: times are wall times)");
text.AppendLine();
text.AppendLine($"Seed {seed}; corpus: the {corpus.Count(c => !c.Name.StartsWith("hostile", StringComparison.Ordinal) && !c.Name.StartsWith("external", StringComparison.Ordinal))} " +
                "model.onnx files of ONNX's backend suite (node, pytorch-converted, pytorch-operator, simple), the hostile files of issue 13 at " +
                "16 KB, and models with external data. Each input is one corpus file with one to three byte-level or structural mutations, " +
                "at most 1 MiB; one in eight is loaded from a file beside a data file, a named pipe, a folder and a symbolic link loop. " +
                $"Per input: only InvalidDataException; allocation (GC.GetAllocatedBytesForCurrentThread) at most {options.AllocationFactor}× " +
                $"(input + external data) + {options.AllocationSlack:N0} bytes; time under {options.TimeBudget.TotalSeconds:F0} s; an accepted model " +
                $"round-trips. The largest allocation ratio is over inputs of at least {FuzzReport.RatioMinimumBytes:N0} bytes.");
text.AppendLine();
text.AppendLine("| inputs | loaded | rejected | findings | largest time | its input | largest allocation ratio | its input | largest allocation | largest input |");
text.AppendLine("|--:|--:|--:|--:|--:|:--|--:|:--|--:|--:|");
text.AppendLine($"| {report.Inputs:N0} | {report.Loaded:N0} | {report.Inputs - report.Loaded:N0} | {report.FindingCount} | " +
                $"{report.LargestTime.TotalMilliseconds:F0} ms | {report.LargestTimeInputBytes:N0} bytes: {report.LargestTimeInput} | " +
                $"{report.LargestRatio:F1}× | {report.LargestRatioInputBytes:N0} bytes: {report.LargestRatioInput} | " +
                $"{report.LargestAllocation / 1048576.0:F1} MiB | {report.LargestInput:N0} bytes |");
foreach (var finding in report.Findings)
    text.AppendLine($"{Environment.NewLine}- Finding: {finding}");

if (markdown is null) Console.Write(text);
else File.WriteAllText(markdown, text.ToString());
Console.Error.WriteLine(report.Summary());
return report.FindingCount == 0 ? 0 : 1;

static int Hostile(string sizes, string? only)
{
    Console.WriteLine("| file | bytes | from | time | allocated | × file | outcome |");
    Console.WriteLine("|:--|--:|:--|--:|--:|--:|:--|");
    string folder = Path.Combine(Path.GetTempPath(), $"onnx-hostile-{Environment.ProcessId}");
    Directory.CreateDirectory(folder);
    try
    {
        foreach (int size in sizes.Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)))
            foreach (var (name, bytes) in HostileModels.All(size))
            {
                if (only is not null && !name.Contains(only, StringComparison.Ordinal)) continue;
                string path = Path.Combine(folder, "model.onnx");
                File.WriteAllBytes(path, bytes);
                foreach (var (via, load) in new (string, Func<Microsoft.ML.Pruning.Onnx.OnnxModel>)[]
                         { ("bytes", () => Microsoft.ML.Pruning.Onnx.OnnxModel.Load(bytes)), ("file", () => Microsoft.ML.Pruning.Onnx.OnnxModel.Load(path)) })
                {
                    GC.Collect();
                    var cost = LoadCost.Measure(load);
                    string outcome = cost.Error is null ? "loaded" : $"{cost.Error.GetType().Name}: {LoadCost.Shorten(cost.Error.Message)[..Math.Min(90, LoadCost.Shorten(cost.Error.Message).Length)]}";
                    Console.WriteLine($"| {name} | {bytes.Length:N0} | {via} | {cost.Elapsed.TotalMilliseconds:F0} ms | {cost.AllocatedBytes / 1048576.0:F1} MiB | {cost.Ratio(bytes.Length):F1} | {outcome.Replace("|", "/")} |");
                }
            }
    }
    finally { Directory.Delete(folder, recursive: true); }
    return 0;
}

static string Git(string arguments)
{
    try
    {
        var start = new ProcessStartInfo("git", arguments) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var git = Process.Start(start)!;
        string output = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        return git.ExitCode == 0 ? output : "unknown";
    }
    catch (System.ComponentModel.Win32Exception) { return "unknown"; }
}

static double Load()
{
    try { return double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture); }
    catch (IOException) { return double.NaN; }
    catch (UnauthorizedAccessException) { return double.NaN; }
}
