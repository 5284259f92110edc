using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>The JSON the tool prints with <c>--json</c>: the settings of the library's sweep files (enums by name, indented).</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Writes <paramref name="value"/> as one JSON document on stdout.</summary>
    public static void Print<T>(CliConsole console, T value) => console.Output.WriteLine(JsonSerializer.Serialize(value, Options));
}
