using System;
using System.CommandLine;
using System.Threading;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>Runs a command's handler and turns what it throws into an exit code and one line on stderr.</summary>
internal static class CommandAction
{
    /// <summary>Sets <paramref name="command"/>'s action to <paramref name="handler"/>, guarded.</summary>
    public static void Set(System.CommandLine.Command command, CliConsole console, Func<ParseResult, int> handler) =>
        command.SetAction(parse => Run(console, command.Name, () => handler(parse)));

    /// <summary>
    /// Sets a handler that stops on Ctrl+C: System.CommandLine cancels the token (a sweep then stops proposing trials; its log keeps
    /// every finished one, so running it again resumes).
    /// </summary>
    public static void Set(System.CommandLine.Command command, CliConsole console, Func<ParseResult, CancellationToken, int> handler) =>
        command.SetAction((parse, token) => Task.FromResult(Run(console, command.Name, () => handler(parse, token))));

    /// <summary>Runs <paramref name="handler"/>; an exception becomes <c>ml-prune NAME: message</c> and its exit code.</summary>
    public static int Run(CliConsole console, string name, Func<int> handler)
    {
        try
        {
            return handler();
        }
        catch (Exception ex)
        {
            var cause = CommandFailure.Cause(ex);
            console.Error.WriteLine($"ml-prune {name}: {CommandFailure.Message(cause)}");
            return CommandFailure.ExitCode(cause);
        }
    }
}
