using System.CommandLine;
using System.IO;
using Microsoft.ML.Pruning.Plots;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// The <c>--plots &lt;folder&gt;</c> option of the commands that have a result to draw (sensitivity, sweep): the Markdown summary
/// and its PNG/SVG plots from Microsoft.ML.Pruning.Plots are written there after the table or JSON is printed.
/// </summary>
internal static class PlotHook
{
    private const string OptionName = "--plots";

    /// <summary>Adds <c>--plots</c> to <paramref name="command"/>.</summary>
    public static void AddOptions(System.CommandLine.Command command) =>
        command.Options.Add(new Option<string?>(OptionName) { Description = "Folder for a Markdown summary with PNG and SVG plots (created; files replaced atomically)." });

    /// <summary>Sensitivity curves per layer and the sensitivity table, as sensitivity.md.</summary>
    public static void Write(ParseResult parse, CliConsole console, SensitivityResult result)
    {
        if (Folder(parse) is not { } folder) return;
        string path = SensitivityMarkdownReport.Write(result, folder);
        console.Error.WriteLine($"Plots and summary: {path}");
    }

    /// <summary>Pareto fronts, metric vs sparsity, the trial table and the summary, as summary.md.</summary>
    public static void Write(ParseResult parse, CliConsole console, SweepResult result)
    {
        if (Folder(parse) is not { } folder) return;
        string path = SweepMarkdownReport.Write(result, folder, result.Options.Sensitivity);
        console.Error.WriteLine($"Plots and summary: {path}");
    }

    private static string? Folder(ParseResult parse) => parse.GetValue<string?>(OptionName) is { Length: > 0 } folder ? Path.GetFullPath(folder) : null;
}
