using System;
using System.CommandLine;
using System.IO;
using System.Text;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Cli.Commands;

/// <summary>
/// <c>ml-prune trial --request req.json --outcome out.json</c>: the worker mode of <see cref="ProcessTrialRunner"/>. Runs one
/// <see cref="TrialRequest"/> through <see cref="TrialExecutor"/> and writes its <see cref="TrialOutcome"/> atomically; a failed
/// trial is an outcome too (exit 0). No outcome file and a non-zero exit code mean the worker itself failed.
/// </summary>
internal static class TrialCommand
{
    public static System.CommandLine.Command Create(CliConsole console)
    {
        var request = new Option<string>("--request") { Description = "The trial request (TrialRequest JSON).", Required = true };
        var outcome = new Option<string>("--outcome") { Description = "Where the outcome (TrialOutcome JSON) is written, atomically.", Required = true };
        var seed = CommonOptions.Seed();
        var command = new System.CommandLine.Command("trial", "Worker mode: runs one sweep trial from its request file and writes the outcome file (used by the process runner).")
        {
            request, outcome, seed,
        };
        CommandAction.Set(command, console, (parse, cancellationToken) =>
        {
            string requestPath = parse.GetValue(request)!;
            if (!File.Exists(requestPath)) throw new FileNotFoundException($"--request '{requestPath}' does not exist.", requestPath);
            var trial = TrialRequest.FromJson(File.ReadAllText(requestPath));
            var result = new TrialExecutor(new MLContext(parse.GetValue(seed))).Run(trial, $"process {Environment.ProcessId}", cancellationToken);
            AtomicFile.Write(parse.GetValue(outcome)!, Encoding.UTF8.GetBytes(result.ToJson()));
            return ExitCodes.Success;
        });
        return command;
    }
}
