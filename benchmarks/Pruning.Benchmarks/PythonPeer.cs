using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.Json;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>Runs a python peer script of benchmarks/peer (torch_prune.py, real_models.py) and reads the JSON it writes.</summary>
internal static class PythonPeer
{
    /// <summary>A peer script (default torch_prune.py) in benchmarks/peer, found upward from the app's folder or the working directory.</summary>
    public static string FindScript(string fileName = "torch_prune.py")
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "benchmarks", "peer", fileName);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return Path.Combine("benchmarks", "peer", fileName);
    }

    /// <summary>Runs the script with <paramref name="arguments"/> plus <c>--json FILE</c>; its stdout and stderr pass through to stderr.</summary>
    public static JsonDocument Run(string python, string script, IEnumerable<string> arguments, string jsonPath)
    {
        var start = new ProcessStartInfo(python) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = false };
        start.ArgumentList.Add(script);
        foreach (string a in arguments) start.ArgumentList.Add(a);
        start.ArgumentList.Add("--json");
        start.ArgumentList.Add(jsonPath);
        Format.Progress($"Running {python} {string.Join(' ', start.ArgumentList)}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {python}.");
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine(e.Data); };
        process.BeginOutputReadLine();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"The python peer failed with exit code {process.ExitCode}.");
        return JsonDocument.Parse(File.ReadAllText(jsonPath));
    }
}
