using System;
using System.IO;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// Where one run of the tool writes: plain writers for JSON and errors, and Spectre consoles over them for tables and
/// progress bars (colours and live redraws only when the writer is the process's own terminal).
/// </summary>
internal sealed class CliConsole
{
    public CliConsole(TextWriter output, TextWriter error)
    {
        Output = output ?? throw new ArgumentNullException(nameof(output));
        Error = error ?? throw new ArgumentNullException(nameof(error));
        Out = Create(output, ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected);
        Err = Create(error, ReferenceEquals(error, Console.Error) && !Console.IsErrorRedirected);
    }

    /// <summary>Standard output: tables, or the JSON document with <c>--json</c>.</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error: the one-line error.</summary>
    public TextWriter Error { get; }

    /// <summary>Spectre on standard output.</summary>
    public IAnsiConsole Out { get; }

    /// <summary>Spectre on standard error: progress bars go here with <c>--json</c>, so stdout stays machine-readable.</summary>
    public IAnsiConsole Err { get; }

    /// <summary>The console progress bars are drawn on.</summary>
    public IAnsiConsole ProgressConsole(bool json) => json ? Err : Out;

    /// <summary>Columns a table may take when the output is not a terminal (a file or a pipe has no width; 80 would squeeze wide tables).</summary>
    private const int RedirectedWidth = 200;

    private static IAnsiConsole Create(TextWriter writer, bool terminal)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = terminal ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!terminal) console.Profile.Width = RedirectedWidth;
        return console;
    }
}
