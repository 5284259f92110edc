using System;
using System.Collections.Generic;
using System.Globalization;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>The options after a subcommand: <c>--name value</c> pairs, each read at most once, none left unread.</summary>
internal sealed class BenchmarkArguments
{
    private readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    private BenchmarkArguments(string command, IReadOnlyList<string> raw)
    {
        Command = command;
        Raw = raw;
    }

    /// <summary>The subcommand.</summary>
    public string Command { get; }

    /// <summary>Everything after the subcommand, as given (for the command line a report shows).</summary>
    public IReadOnlyList<string> Raw { get; }

    /// <exception cref="ArgumentException">An option has no value, or appears twice.</exception>
    public static BenchmarkArguments Parse(string command, IReadOnlyList<string> args)
    {
        var result = new BenchmarkArguments(command, args);
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (!name.StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Count)
                throw new ArgumentException($"Expected '--option value'; got '{name}'{(i + 1 >= args.Count ? " without a value" : "")}.");
            if (!result._values.TryAdd(name[2..], args[++i]))
                throw new ArgumentException($"Option '{name}' is given twice.");
        }
        return result;
    }

    public string String(string name, string fallback) => TryGet(name, out string? value) ? value : fallback;

    public string? OptionalString(string name) => TryGet(name, out string? value) ? value : null;

    public int Int(string name, int fallback, int min = 1)
    {
        if (!TryGet(name, out string? text)) return fallback;
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int value) || value < min)
            throw new ArgumentException($"--{name} must be an integer of at least {min}; got '{text}'.");
        return value;
    }

    /// <summary>A comma-separated list of fractions in [0, 1), e.g. "0.5,0.8".</summary>
    public double[] Fractions(string name, double[] fallback)
    {
        if (!TryGet(name, out string? text)) return fallback;
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !(values[i] >= 0 && values[i] < 1))
                throw new ArgumentException($"--{name} takes fractions in [0, 1) separated by commas; got '{parts[i]}'.");
        }
        return values;
    }

    /// <exception cref="ArgumentException">An option was given that the subcommand does not know.</exception>
    public void ThrowIfUnknown()
    {
        foreach (string name in _values.Keys)
            if (!_read.Contains(name))
                throw new ArgumentException($"'{Command}' has no option --{name}.");
    }

    private bool TryGet(string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        _read.Add(name);
        return _values.TryGetValue(name, out value);
    }
}
