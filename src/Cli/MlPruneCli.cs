using System;
using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Cli.Commands;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// The <c>ml-prune</c> command line: <c>prune</c>, <c>report</c>, <c>verify</c>, <c>sensitivity</c>, <c>sweep</c> and the worker
/// command <c>trial</c>. <see cref="Run(string[], TextWriter, TextWriter)"/> is the whole tool, callable in-process.
/// </summary>
/// <example>
/// <code>
/// int exit = MlPruneCli.Run(["prune", "model.onnx", "--sparsity", "0.8", "-o", "pruned.onnx", "--json"], Console.Out, Console.Error);
/// </code>
/// </example>
public static class MlPruneCli
{
    /// <summary>Runs the tool on the process's console.</summary>
    public static int Run(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>
    /// Runs the tool with <paramref name="output"/> as stdout and <paramref name="error"/> as stderr, and returns the exit code
    /// (<see cref="ExitCodes"/>): parse errors give 2 with one line on <paramref name="error"/>, as do failures of a command.
    /// </summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var console = new CliConsole(output, error);
        var root = Create(console);
        var parse = root.Parse(args);
        // Help and version clear parse errors (prune --help without its model is fine); any other error is a bad argument.
        if (parse.Errors.Count > 0 && parse.Action is null or ParseErrorAction)
        {
            error.WriteLine($"ml-prune: {string.Join(" ", parse.Errors.Select(Describe))} (see ml-prune {CommandPath(parse)}--help)");
            return ExitCodes.BadArguments;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
    }

    /// <summary>The root command with every subcommand.</summary>
    /// <remarks>A plain command named ml-prune rather than a RootCommand, whose name is the file that started the process (the assembly's, or a test host's).</remarks>
    internal static System.CommandLine.Command Create(CliConsole console)
    {
        var root = new System.CommandLine.Command("ml-prune", "Prunes ONNX models with Microsoft.ML.Pruning: prune, report, verify, sensitivity analysis, sweeps. " + ExitCodes.Description)
        {
            new System.CommandLine.Help.HelpOption(),
            new VersionOption(),
            PruneCommand.Create(console),
            ReportCommand.Create(console),
            VerifyCommand.Create(console),
            SensitivityCommand.Create(console),
            SweepCommand.Create(console),
            TrialCommand.Create(console),
            SiloCommand.Create(console),
        };
        return root;
    }

    /// <summary>A parse error on one line, prefixed with its option's name when the message does not say it.</summary>
    private static string Describe(ParseError error)
    {
        string message = error.Message.ReplaceLineEndings(" ").Replace('\t', ' ');
        var option = error.SymbolResult switch
        {
            OptionResult o => o.Option,
            ArgumentResult { Parent: OptionResult o } => o.Option,
            _ => null,
        };
        return option is null || message.Contains(option.Name, StringComparison.Ordinal) ? message : $"{option.Name}: {message}";
    }

    private static string CommandPath(ParseResult parse)
    {
        var command = parse.CommandResult.Command;
        return command.Parents.Any() ? command.Name + " " : "";
    }
}
