using System;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// A sweep's identity: the hex SHA-256 of the canonical (compact) JSON of its options without <see cref="SweepOptions.MaxTrials"/>,
/// <see cref="SweepOptions.MaxDuration"/> and <see cref="SweepOptions.Directory"/> (so a larger budget, or a moved folder, resumes),
/// plus the row counts and column names of both data sets, plus the bytes of an in-memory base model (which the options' JSON does
/// not carry).
/// </summary>
internal static class SweepIdentity
{
    public static string Compute(SweepOptions options, IDataView trainData, IDataView validationData)
    {
        var json = JsonSerializer.SerializeToNode(options, SweepJson.Options)!.AsObject();
        json.Remove(nameof(SweepOptions.MaxTrials));
        json.Remove(nameof(SweepOptions.MaxDuration));
        json.Remove(nameof(SweepOptions.Directory));
        var text = new StringBuilder(json.ToJsonString(new JsonSerializerOptions { WriteIndented = false }));
        text.Append("\ntrain:").Append(Describe(trainData)).Append("\nvalidation:").Append(Describe(validationData));
        if (options.BaseOptions?.Model is { } model)
            text.Append("\nmodel:").Append(Convert.ToHexString(SHA256.HashData(model.ToBytes())).ToLowerInvariant());
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))).ToLowerInvariant();
    }

    /// <summary>Rows and visible column names.</summary>
    private static string Describe(IDataView data) =>
        $"{RowCount(data)} rows; {string.Join(",", data.Schema.Where(c => !c.IsHidden).Select(c => c.Name))}";

    /// <summary>The data's row count, counted with a cursor when the view does not know it.</summary>
    public static long RowCount(IDataView data)
    {
        if (data.GetRowCount() is { } known) return known;
        long count = 0;
        using var cursor = data.GetRowCursor([]);
        while (cursor.MoveNext()) count++;
        return count;
    }
}
