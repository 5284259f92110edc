using System.Text.Json;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>The JSON the tool prints with <c>--json</c>: the settings of the library's sweep files (enums by name, indented).</summary>
internal static class CliJson
{
    /// <summary>Writes <paramref name="value"/> as one JSON document on stdout.</summary>
    public static void Print<T>(CliConsole console, T value) => console.Output.WriteLine(JsonSerializer.Serialize(value, SweepJson.Options));
}
