using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>The one JSON setting of sweep files and messages: enums by name, indented, nulls written.</summary>
internal static class SweepJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Deserializes <paramref name="json"/>, turning every failure into <see cref="InvalidDataException"/> naming <paramref name="what"/>.</summary>
    public static T Read<T>(string json, string what) where T : class
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new InvalidDataException($"The {what} is empty (JSON null).");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Not a valid {what}: {e.Message}", e);
        }
    }
}
