using System;
using System.CommandLine;
using System.Globalization;
using System.Linq;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>Options several commands take; each command gets its own instances.</summary>
internal static class CommonOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print one JSON document on stdout instead of tables (progress, if any, goes to stderr)." };

    public static Option<string?> Data(string name = "--data", string what = "Rows: a .csv/.tsv file with a header, or an image folder folder/<class>/*.png|jpg.") =>
        new(name) { Description = what };

    public static Option<string> Label() => new("--label") { Description = "The label column of CSV/TSV data.", DefaultValueFactory = _ => "Label" };

    public static Option<string?> InputColumn() => new("--input-column") { Description = "The model input the features feed (default: the model's only input)." };

    public static Option<string[]> OutputColumns() => new("--output-column")
    {
        Description = "A model output to score (repeat for several; default: every output).",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<int> Seed() => new("--seed") { Description = "Seed of the ML.NET context and of the pruning options.", DefaultValueFactory = _ => 1 };

    /// <summary>Parses "0.3,0.5,0.7" (invariant culture); an entry that is not a number fails naming <paramref name="option"/>.</summary>
    public static double[] ParseList(string text, string option) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(part =>
            double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value
                : throw new ArgumentException($"{option} takes numbers separated by commas; '{part}' is not a number.", option))];
}
