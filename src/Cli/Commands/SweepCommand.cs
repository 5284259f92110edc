using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Threading;
using System.Linq;
using Microsoft.ML.Pruning.Orleans;
using Microsoft.ML.Pruning.Sweeps;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli.Commands;

/// <summary>
/// <c>ml-prune sweep --config sweep.json --data … --validation …</c>: a sweep (<c>mlContext.Pruning().Sweep</c>) from SweepOptions
/// JSON, trials on this process or on child processes, a progress bar per finished trial, the trial table and the chosen trial.
/// Exit code 1 when no trial met the constraints.
/// </summary>
internal static class SweepCommand
{
    /// <summary>What <c>sweep --json</c> prints.</summary>
    internal sealed record SweepSummary(string Summary, bool ConstraintsMet, int? BestTrial, TrialMeasurement Dense, IReadOnlyList<SweepTrial> Trials,
        IReadOnlyList<int> ParetoByLatency, IReadOnlyList<int> ParetoByBytes, IReadOnlyList<int> Closest, string LogPath, double Seconds);

    public static System.CommandLine.Command Create(CliConsole console)
    {
        var config = new Option<string>("--config") { Description = "SweepOptions as JSON (BaseOptions with \"$method\", Parameters, Metric, Objective, Strategy, MaxTrials...); relative paths in it are relative to this file.", Required = true };
        var data = CommonOptions.Data(what: "Training rows: calibration and fine-tuning (.csv/.tsv or image folder).");
        data.Required = true;
        var validation = CommonOptions.Data("--validation", "Rows the metric is measured on (.csv/.tsv or image folder).");
        validation.Required = true;
        var runner = new Option<string>("--runner")
        {
            Description = "local: trials in this process, one at a time; process: each trial in a child process of this tool; orleans: on the silos of an Orleans cluster (ml-prune silo, --gateway).",
            DefaultValueFactory = _ => "local",
        };
        runner.AcceptOnlyFromAmong("local", "process", "orleans");
        var gateways = new Option<string[]>("--gateway") { Description = "An Orleans silo's gateway host:port (repeat for several; default 127.0.0.1:30000), with --runner orleans.", AllowMultipleArgumentsPerToken = false };
        var clusterId = new Option<string>("--cluster-id") { Description = "The Orleans cluster's id, as its silos were started with (--runner orleans).", DefaultValueFactory = _ => PruningCluster.DefaultClusterId };
        var parallel = new Option<int>("--parallel") { Description = "Trials in flight at once (process runner: each child gets cores/N threads; orleans: default the number of active silos).", DefaultValueFactory = _ => 1 };
        var directory = new Option<string?>("--directory") { Description = "The sweep folder (trial log, data, trial models); default the config's Directory, else <config>-sweep beside it." };
        var label = CommonOptions.Label();
        var input = CommonOptions.InputColumn();
        var outputs = CommonOptions.OutputColumns();
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new System.CommandLine.Command("sweep", "Runs (or resumes) a sweep over pruning settings and prints every trial and the chosen one; exit code 1 when no trial met the constraints.")
        {
            config, data, validation, runner, gateways, clusterId, parallel, directory, label, input, outputs, seed, json,
        };
        PlotHook.AddOptions(command);
        CommandAction.Set(command, console, (parse, cancellationToken) =>
        {
            string configPath = Path.GetFullPath(parse.GetValue(config)!);
            if (!File.Exists(configPath)) throw new FileNotFoundException($"--config '{configPath}' does not exist.", configPath);
            string configFolder = Path.GetDirectoryName(configPath)!;
            SweepOptions options;
            try
            {
                options = SweepOptionsJson.Read(File.ReadAllText(configPath));
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"--config '{configPath}': {ex.Message}", ex);
            }
            var baseOptions = options.BaseOptions ?? throw new InvalidDataException($"--config '{configPath}' has no BaseOptions.");
            if (string.IsNullOrEmpty(baseOptions.ModelPath)) throw new InvalidDataException($"--config '{configPath}': BaseOptions has no ModelPath.");
            baseOptions.ModelPath = Path.GetFullPath(baseOptions.ModelPath, configFolder);
            string? folder = parse.GetValue(directory);
            options.Directory = folder is not null ? Path.GetFullPath(folder)
                : options.Directory.Length > 0 ? Path.GetFullPath(options.Directory, configFolder)
                : Path.Combine(configFolder, Path.GetFileNameWithoutExtension(configPath) + "-sweep");

            string labelColumn = parse.GetValue(label)!;
            var columns = SweepInputs.Complete(baseOptions, options.Metric, parse.GetValue(input), parse.GetValue(outputs), labelColumn);
            int inFlight = parse.GetValue(parallel);
            string runnerName = parse.GetValue(runner)!;
            if (runnerName != "orleans" && parse.GetValue(gateways) is { Length: > 0 })
                throw new ArgumentException("--gateway needs --runner orleans.", "--gateway");
            var ml = new MLContext(parse.GetValue(seed));
            var (train, valid) = SweepInputs.Load(ml, parse.GetValue(data)!, parse.GetValue(validation)!, baseOptions, columns, options.Metric, labelColumn);
            bool asJson = parse.GetValue(json);
            ISweepTrialRunner trialRunner = runnerName switch
            {
                "process" => new ProcessTrialRunner(inFlight, Path.Combine(options.Directory, "requests")),
                "orleans" => ConnectToCluster(parse.GetValue(gateways) ?? [], parse.GetValue(clusterId)!, inFlight, parse.GetResult(parallel) is { Implicit: false }, cancellationToken),
                _ when inFlight != 1 => throw new ArgumentException($"--parallel {inFlight} needs --runner process or orleans; the local runner runs one trial at a time.", "--parallel"),
                _ => new LocalTrialRunner(new MLContext(parse.GetValue(seed))),
            };
            SweepResult result;
            try
            {
                result = ProgressBar.Run(console.ProgressConsole(asJson), $"Sweep ({options.Strategy}, {options.MaxTrials} trials)", options.MaxTrials, update =>
                {
                    var progress = new DirectProgress<SweepProgress>(p => update(p.Completed, p.Budget, Describe(p, options.Metric)));
                    return ml.Pruning().Sweep(options).Run(train.Data, valid.Data, trialRunner, progress, cancellationToken);
                });
            }
            finally
            {
                if (trialRunner is IAsyncDisposable disposable) disposable.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            if (asJson)
            {
                CliJson.Print(console, new SweepSummary(result.Summary, result.ConstraintsMet, result.Best?.Id, result.Dense, result.Trials,
                    [.. result.ParetoByLatency.Select(t => t.Id)], [.. result.ParetoByBytes.Select(t => t.Id)], [.. result.Closest.Select(t => t.Id)],
                    result.LogPath, result.Elapsed.TotalSeconds));
            }
            else
            {
                Render(console.Out, result);
                console.Output.WriteLine(result.Summary);
            }
            PlotHook.Write(parse, console, result);
            return result.ConstraintsMet && result.Best is not null ? ExitCodes.Success : ExitCodes.NotMet;
        });
        return command;
    }

    /// <summary>A client of the cluster behind <paramref name="gateways"/>; trials in flight = active silos unless --parallel is given.</summary>
    private static OrleansTrialRunner ConnectToCluster(string[] gateways, string clusterId, int inFlight, bool inFlightGiven, CancellationToken cancellationToken)
    {
        var settings = new PruningClientSettings { ClusterId = clusterId, ServiceId = clusterId, MaxConcurrentTrials = inFlightGiven ? inFlight : null };
        foreach (string gateway in gateways) settings.Gateways.Add(gateway);
        try
        {
            return PruningCluster.ConnectAsync(settings, cancellationToken).GetAwaiter().GetResult();
        }
        catch (FormatException e)
        {
            throw new ArgumentException($"--gateway: {e.Message}", "--gateway", e);
        }
    }

    private static string Describe(SweepProgress progress, SweepMetric metric) => progress.Best?.Measurement is { } best
        ? string.Create(CultureInfo.InvariantCulture, $"Sweep: {progress.Completed}/{progress.Budget} trials, best #{progress.Best.Id} {metric.DisplayName} {best.Metric:G4}")
        : $"Sweep: {progress.Completed}/{progress.Budget} trials";

    /// <summary>Every trial: parameters, metric, sparsity, bytes, latency, feasible, status.</summary>
    private static void Render(IAnsiConsole console, SweepResult result)
    {
        var c = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape(string.Create(c,
            $"dense: {result.Options.Metric.DisplayName} {result.Dense.Metric:G4}, {result.Dense.Bytes:N0} bytes, {result.Dense.LatencyBatch1Milliseconds:F3} ms at batch 1")));
        foreach (string column in new[] { "#", "parameters", result.Options.Metric.DisplayName, "sparsity", "bytes", "ms (batch 1)", "feasible", "status" })
            table.AddColumn(column);
        foreach (var trial in result.Trials)
        {
            var m = trial.Measurement;
            string id = trial.Id.ToString(c) + (result.Best?.Id == trial.Id ? " *" : "");
            table.AddRow(
                Markup.Escape(id),
                Markup.Escape(string.Join(", ", trial.Parameters.Select(p => $"{p.Key}={p.Value}"))),
                m?.Metric.ToString("G4", c) ?? "-",
                m?.Sparsity.ToString("P1", c) ?? "-",
                m?.Bytes.ToString("N0", c) ?? "-",
                m?.LatencyBatch1Milliseconds.ToString("F3", c) ?? "-",
                trial.Feasible ? "yes" : "no",
                Markup.Escape(trial.Status == TrialStatus.Failed ? $"failed: {trial.Error}" : "ok"));
        }
        console.Write(table);
    }
}
