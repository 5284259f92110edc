using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests.Helpers;

/// <summary>
/// Runs the reference implementation (python onnx) where it is installed. Debian's python3-onnx belongs to
/// /usr/bin/python3, which is not always the python3 on PATH (pyenv, venvs), so both are tried.
/// </summary>
internal static class PythonOnnx
{
    private static readonly string[] Candidates = ["python3", "/usr/bin/python3", "python"];
    private static readonly Lazy<string?> Interpreter = new(Find);

    /// <summary>
    /// Runs onnx.checker.check_model on each file, with <c>full_check=True</c> (shape inference too) when
    /// <paramref name="fullCheck"/>; prints "ok &lt;path&gt;" per file that passed; returns (exit code, output).
    /// Inconclusive without python onnx.
    /// </summary>
    public static (int ExitCode, string Output) CheckModels(IEnumerable<string> paths, bool fullCheck = false)
    {
        string python = Interpreter.Value
            ?? throw new AssertInconclusiveException(
                "python onnx is not available (tried python3, /usr/bin/python3, python); install python3-onnx to run the ONNX checker test.");
        const string script =
            "import sys, onnx\n" +
            "for p in sys.argv[2:]:\n" +
            "    onnx.checker.check_model(onnx.load(p), full_check=sys.argv[1] == 'full')\n" +
            "    print('ok', p)\n";
        return Run(python, ["-c", script, fullCheck ? "full" : "basic", .. paths], TimeSpan.FromSeconds(60));
    }

    private static string? Find() =>
        Candidates.FirstOrDefault(candidate =>
        {
            try { return Run(candidate, ["-c", "import onnx"], TimeSpan.FromSeconds(30)).ExitCode == 0; }
            catch (System.ComponentModel.Win32Exception) { return false; } // not installed
        });

    private static (int ExitCode, string Output) Run(string fileName, string[] arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{fileName} timed out after {timeout.TotalSeconds} s");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
