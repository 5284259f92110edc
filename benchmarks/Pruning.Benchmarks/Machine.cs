using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>Where and with what a benchmark ran: the lines every BENCHMARKS.md section starts with.</summary>
internal static class Machine
{
    /// <summary>The model name of the first CPU in /proc/cpuinfo, else the architecture.</summary>
    public static string CpuModel()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("model name", StringComparison.Ordinal) && line.IndexOf(':') is int colon and > 0)
                    return line[(colon + 1)..].Trim();
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>The command, the date, the machine and the versions, as markdown lines.</summary>
    public static string Describe(BenchmarkArguments arguments, string? extraVersions = null)
    {
        // --markdown only says where the section goes; it is not part of what was measured.
        var shown = new List<string> { "dotnet run --project benchmarks/Pruning.Benchmarks -c Release --", arguments.Command };
        for (int i = 0; i < arguments.Raw.Count; i++)
        {
            if (arguments.Raw[i] == "--markdown") { i++; continue; }
            shown.Add(Quote(arguments.Raw[i]));
        }
        string command = string.Join(' ', shown);
        string versions = string.Join(", ",
            $".NET {Environment.Version}",
            $"TorchSharp {Version(typeof(TorchSharp.torch).Assembly)} (libtorch {LibTorchVersion()}, {TorchSharp.torch.get_num_threads()} threads)",
            $"ML.NET {Version(typeof(MLContext).Assembly)}",
            $"ONNX Runtime {OrtEnv.Instance().GetVersionString()}");
        if (extraVersions is not null) versions += ", " + extraVersions;
        return string.Join(Environment.NewLine,
            $"- Command: `{command}`",
            $"- Date: {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC",
            $"- Commit: {Commit()}",
            $"- Machine: {CpuModel()}, nproc {Environment.ProcessorCount}, {MemoryGiB():F0} GiB RAM, {OsName()}, no GPU used",
            $"- Versions: {versions}");
    }

    /// <summary>The commit the benchmark was built from (git rev-parse HEAD), marked when the work tree had changes to anything but results.</summary>
    public static string Commit()
    {
        string? Git(string arguments)
        {
            try
            {
                var start = new ProcessStartInfo("git", arguments)
                {
                    RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                    WorkingDirectory = Path.GetDirectoryName(PythonPeer.FindScript()) ?? Environment.CurrentDirectory,
                };
                using var process = Process.Start(start);
                if (process is null) return null;
                string output = process.StandardOutput.ReadToEnd();
                process.WaitForExit();
                return process.ExitCode == 0 ? output.Trim() : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
        string? head = Git("rev-parse HEAD");
        if (head is null) return "unknown (not a git checkout)";
        // The sections this run writes (results/, BENCHMARKS.md) are not changes to the code that ran.
        string? changes = Git("status --porcelain --untracked-files=no -- :(top) :(exclude,top)benchmarks/results :(exclude,top)BENCHMARKS.md");
        return string.IsNullOrEmpty(changes) ? $"`{head}`" : $"`{head}` with uncommitted changes";
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    private static string Quote(string arg) => arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./,=:".Contains(c)) ? arg : $"'{arg}'";

    private static string Version(Assembly assembly)
    {
        string? informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (informational is null) return assembly.GetName().Version?.ToString() ?? "?";
        int plus = informational.IndexOf('+');
        return plus > 0 ? informational[..plus] : informational;
    }

    /// <summary>libtorch's version as the native library reports it (TorchSharp's <c>torch.__version__</c>).</summary>
    private static string LibTorchVersion()
    {
        try { return TorchSharp.torch.__version__; }
        catch (Exception e) when (e is ExternalException or InvalidOperationException or NotSupportedException) { return "?"; }
    }

    private static double MemoryGiB()
    {
        try
        {
            string? line = File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out long kib))
                return kib / 1024.0 / 1024.0;
        }
        catch (IOException) { }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024);
    }

    private static string OsName()
    {
        try
        {
            string? line = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            if (line is not null) return line["PRETTY_NAME=".Length..].Trim('"');
        }
        catch (IOException) { }
        return RuntimeInformation.OSDescription;
    }

    /// <summary>Peak resident set size since the last <see cref="ResetPeakMemory"/> (VmHWM), or of the whole process where that is unavailable.</summary>
    public static long PeakWorkingSet() => ProcStatusBytes("VmHWM:") ?? PeakOfProcess();

    /// <summary>Resident set size now (VmRSS).</summary>
    public static long WorkingSet() => ProcStatusBytes("VmRSS:") ?? Environment.WorkingSet;

    private static long PeakOfProcess()
    {
        using var self = Process.GetCurrentProcess();
        return self.PeakWorkingSet64;
    }

    private static long? ProcStatusBytes(string field)
    {
        try
        {
            string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
            if (line is not null && long.TryParse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], out long kib))
                return kib * 1024;
        }
        catch (IOException) { }
        return null;
    }

    /// <summary>
    /// Returns memory the GC holds to the OS and restarts the peak: Linux resets VmHWM to the current RSS when "5"
    /// is written to /proc/self/clear_refs. False where that is not allowed (then peaks are per process).
    /// </summary>
    public static bool ResetPeakMemory()
    {
        // Twice: the first collection runs finalizers (ONNX Runtime sessions, torch tensors) that free native memory
        // and make more managed memory unreachable. malloc_trim hands glibc's freed native heap back to the OS.
        for (int i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        if (OperatingSystem.IsLinux())
        {
            try { _ = malloc_trim(0); }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException) { }
        }
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
