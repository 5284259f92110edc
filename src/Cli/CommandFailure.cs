using System;
using System.IO;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>Turns what a command threw into its exit code and one line for stderr.</summary>
internal static class CommandFailure
{
    /// <summary>The exit code for <paramref name="error"/> (see <see cref="ExitCodes"/>).</summary>
    public static int ExitCode(Exception error) => error switch
    {
        FileNotFoundException or DirectoryNotFoundException or InvalidDataException => ExitCodes.BadInput,
        ArgumentException => ExitCodes.BadArguments,
        _ => ExitCodes.RuntimeFailure,
    };

    /// <summary>The message on one line: the innermost cause of a wrapper exception (aggregate, invocation) is the one that says what failed.</summary>
    public static string Message(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && error.InnerException is not null)
            error = error.InnerException!;
        string text = error.Message.ReplaceLineEndings(" ").Trim();
        return ExitCode(error) == ExitCodes.RuntimeFailure ? $"{error.GetType().Name}: {text}" : text;
    }

    /// <summary>Unwraps like <see cref="Message"/> so the exit code is the cause's.</summary>
    public static Exception Cause(Exception error)
    {
        while (error is AggregateException { InnerExceptions.Count: 1 } or System.Reflection.TargetInvocationException && error.InnerException is not null)
            error = error.InnerException!;
        return error;
    }
}
