using System;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>A step without progress callbacks (an estimator's Fit): a spinner with its name and elapsed time on a terminal, nothing otherwise.</summary>
internal static class LongStep
{
    public static T Run<T>(IAnsiConsole console, string name, Func<T> step)
    {
        if (!console.Profile.Capabilities.Interactive) return step();
        return console.Status().Spinner(Spinner.Known.Dots).Start(Markup.Escape(name) + "...", _ => step());
    }
}
