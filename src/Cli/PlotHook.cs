using System.CommandLine;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// Where the plots of Microsoft.ML.Pruning.Plots (src/Plots, issue 12) join the CLI. This assembly does not reference that
/// project yet: <see cref="AddOptions"/> is where a <c>--plots &lt;folder&gt;</c> option goes (it is given every command that has
/// a result to draw), and the two <c>Write</c> methods are called with each result once it is known, after the table or JSON is
/// printed and before the exit code is decided.
/// </summary>
internal static class PlotHook
{
    /// <summary>Adds the plot options to <paramref name="command"/> (none until the plots project is referenced).</summary>
    public static void AddOptions(System.CommandLine.Command command) => _ = command;

    /// <summary>Called with a finished sensitivity analysis (sensitivity curves per layer, suggested per-layer sparsities).</summary>
    public static void Write(ParseResult parse, CliConsole console, SensitivityResult result) => _ = (parse, console, result);

    /// <summary>Called with a finished sweep (Pareto fronts, accuracy vs sparsity, chosen model's per-layer sparsity, Markdown summary).</summary>
    public static void Write(ParseResult parse, CliConsole console, SweepResult result) => _ = (parse, console, result);
}
