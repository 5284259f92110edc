using System;
using System.IO;
using System.Text.Json;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Sweep and pruning options as JSON files, with the settings of every sweep file (enums by name, indented; pruning options carry
/// their estimator in <c>"$method"</c>): what the CLI's <c>sweep --config</c> and <c>prune --options</c> read.
/// <see cref="SweepMetric.CustomMetric"/> and <see cref="PruningOptions.Model"/> are not written.
/// </summary>
/// <example>
/// <code>
/// File.WriteAllText("sweep.json", SweepOptionsJson.Write(options));
/// SweepOptions again = SweepOptionsJson.Read(File.ReadAllText("sweep.json"));
/// </code>
/// </example>
public static class SweepOptionsJson
{
    /// <summary>The options as JSON.</summary>
    public static string Write(SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return JsonSerializer.Serialize(options, SweepJson.Options);
    }

    /// <summary>Reads <see cref="Write(SweepOptions)"/>'s output (or a file written by hand in that form).</summary>
    /// <exception cref="InvalidDataException">The text is not sweep options.</exception>
    public static SweepOptions Read(string json) => SweepJson.Read<SweepOptions>(json, "sweep options");

    /// <summary>Pruning options as JSON, with their estimator in <c>"$method"</c>.</summary>
    public static string WritePruningOptions(PruningOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return JsonSerializer.Serialize(options, SweepJson.Options);
    }

    /// <summary>Reads pruning options written by <see cref="WritePruningOptions"/> (<c>"$method"</c> first: magnitude, prune, coordinate-descent, lasso, admm).</summary>
    /// <exception cref="InvalidDataException">The text is not pruning options.</exception>
    public static PruningOptions ReadPruningOptions(string json) => SweepJson.Read<PruningOptions>(json, "pruning options");
}
