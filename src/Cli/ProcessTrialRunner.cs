using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// Runs each sweep trial in a child process of this tool (<c>dotnet Microsoft.ML.Pruning.Cli.dll trial --request … --outcome …</c>),
/// up to <see cref="MaxConcurrentTrials"/> at once. Each child gets <see cref="ThreadsPerTrial"/> = cores / trials threads
/// (OMP_NUM_THREADS and MKL_NUM_THREADS for libtorch, the request's ONNX Runtime latency threads) so children do not spin against
/// each other. A child that crashes, or exits without an outcome, gives a failed outcome with the tail of its stderr. A trial whose
/// metric is a delegate (<see cref="SweepMetric.CustomMetric"/>) cannot cross a process boundary and is refused.
/// </summary>
/// <example>
/// <code>
/// var result = mlContext.Pruning().Sweep(options).Run(train, validation, new ProcessTrialRunner(maxConcurrentTrials: 2));
/// </code>
/// </example>
public sealed class ProcessTrialRunner : ISweepTrialRunner
{
    /// <summary>Characters of a failed child's stderr kept in the outcome's error.</summary>
    public const int StderrTailLength = 2000;

    private readonly string _workDirectory;
    private readonly string _toolPath;

    /// <summary>A runner with up to <paramref name="maxConcurrentTrials"/> children at once.</summary>
    /// <param name="maxConcurrentTrials">Children in flight, at least 1.</param>
    /// <param name="workDirectory">Where request and outcome files go (default: a folder under the temp path).</param>
    /// <param name="toolPath">The tool's entry assembly (default: this assembly, <c>Microsoft.ML.Pruning.Cli.dll</c>).</param>
    public ProcessTrialRunner(int maxConcurrentTrials = 1, string? workDirectory = null, string? toolPath = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrentTrials, 1);
        MaxConcurrentTrials = maxConcurrentTrials;
        _workDirectory = Path.GetFullPath(workDirectory ?? Path.Combine(Path.GetTempPath(), "ml-prune-trials"));
        _toolPath = Path.GetFullPath(toolPath ?? typeof(ProcessTrialRunner).Assembly.Location);
    }

    /// <inheritdoc />
    public int MaxConcurrentTrials { get; }

    /// <summary>Threads each child may use: the machine's cores shared among the trials in flight, at least 1.</summary>
    public int ThreadsPerTrial => Math.Max(1, Environment.ProcessorCount / MaxConcurrentTrials);

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The request's metric is Custom (a delegate, <see cref="SweepMetric.CustomMetric"/>).</exception>
    public async Task<TrialOutcome> RunAsync(TrialRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Metric.Kind == SweepMetricKind.Custom)
            throw new ArgumentException(
                $"{nameof(SweepMetric)}.{nameof(SweepMetric.CustomMetric)} is a delegate in this process; a child process cannot run it. Use a serializable metric kind or the local runner.",
                nameof(request));
        Directory.CreateDirectory(_workDirectory);
        string stem = Path.Combine(_workDirectory, $"trial-{request.TrialId}-{request.Attempt}-{Guid.NewGuid():N}");
        string requestPath = stem + ".request.json", outcomePath = stem + ".outcome.json";
        var sent = TrialRequest.FromJson(request.ToJson());
        sent.LatencyIntraOpThreads ??= ThreadsPerTrial;
        await File.WriteAllTextAsync(requestPath, sent.ToJson(), cancellationToken).ConfigureAwait(false);
        try
        {
            return await RunChildAsync(request, requestPath, outcomePath, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(requestPath);
            File.Delete(outcomePath);
        }
    }

    private async Task<TrialOutcome> RunChildAsync(TrialRequest request, string requestPath, string outcomePath, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(DotnetHost())
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { _toolPath, "trial", "--request", requestPath, "--outcome", outcomePath }) start.ArgumentList.Add(argument);
        string threads = ThreadsPerTrial.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["OMP_NUM_THREADS"] = threads;
        start.Environment["MKL_NUM_THREADS"] = threads;

        using var process = new Process { StartInfo = start };
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.AppendLine(e.Data); };
        process.OutputDataReceived += (_, _) => { };
        try
        {
            process.Start();
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            return Failed(request, $"could not start '{start.FileName} {_toolPath}': {ex.Message}", "process (not started)");
        }
        string worker = $"process {process.Id}";
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            throw;
        }
        process.WaitForExit(); // drains the redirected streams
        string tail;
        lock (stderr) tail = Tail(stderr.ToString());
        if (process.ExitCode == 0 && File.Exists(outcomePath))
        {
            try
            {
                var outcome = TrialOutcome.FromJson(await File.ReadAllTextAsync(outcomePath, cancellationToken).ConfigureAwait(false));
                if (outcome.TrialId == request.TrialId) return outcome;
                return Failed(request, $"the outcome file is for trial {outcome.TrialId}, not {request.TrialId}", worker);
            }
            catch (InvalidDataException ex)
            {
                return Failed(request, $"the outcome file does not read: {ex.Message}", worker);
            }
        }
        return Failed(request, $"the worker exited with code {process.ExitCode} without an outcome{(tail.Length > 0 ? ": " + tail : "")}", worker);
    }

    private static TrialOutcome Failed(TrialRequest request, string error, string worker) => new()
    {
        TrialId = request.TrialId, Attempt = request.Attempt, Succeeded = false, Error = $"ProcessTrialRunner: {error}", Worker = worker,
    };

    /// <summary>The last <see cref="StderrTailLength"/> characters, on one line.</summary>
    private static string Tail(string text)
    {
        text = text.Trim();
        if (text.Length > StderrTailLength) text = "…" + text[^StderrTailLength..];
        return string.Join(" | ", text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    /// <summary>The dotnet host that runs the tool's assembly: the SDK's (DOTNET_HOST_PATH), this process's when it is dotnet, else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host)) return host;
        string? self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        return OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
    }
}
