using System;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// One Spectre progress bar around a long step that reports its progress (sensitivity points, sweep trials); drawn on a terminal
/// only (stderr with <c>--json</c>), so redirected output and scripts see the result alone.
/// </summary>
internal static class ProgressBar
{
    /// <summary>Runs <paramref name="work"/>, giving it a callback that sets the bar's value, maximum and description.</summary>
    public static T Run<T>(IAnsiConsole console, string title, double total, Func<Action<double, double, string?>, T> work)
    {
        if (!console.Profile.Capabilities.Interactive) return work((_, _, _) => { });
        return console.Progress().AutoClear(false).HideCompleted(false).Start(context =>
        {
            var task = context.AddTask(Markup.Escape(title), maxValue: Math.Max(1, total));
            var result = work((value, max, description) =>
            {
                task.MaxValue = Math.Max(1, max);
                task.Value = Math.Min(value, task.MaxValue);
                if (description is not null) task.Description = Markup.Escape(description);
            });
            task.Value = task.MaxValue;
            return result;
        });
    }
}

/// <summary>An <see cref="IProgress{T}"/> that calls its action on the reporting thread (not posted, unlike <see cref="Progress{T}"/>).</summary>
internal sealed class DirectProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
