using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// The trial log (<c>trials.json</c> in the sweep's folder): one JSON document
/// <c>{"Format":"microsoft-ml-pruning-sweep-log","Version":1,"SweepId":…,"Options":…,"Dense":…,"Trials":[…]}</c>, rewritten
/// atomically (<see cref="AtomicFile.Write"/>) after every trial. <see cref="Read"/> refuses a file that does not parse, has another
/// format or version, or belongs to another sweep, with <see cref="InvalidDataException"/> naming the file, and never writes it.
/// </summary>
internal sealed class SweepLog
{
    /// <summary>The value of <see cref="Format"/>.</summary>
    public const string FormatName = "microsoft-ml-pruning-sweep-log";

    /// <summary>The version this code writes and reads.</summary>
    public const int CurrentVersion = 1;

    /// <summary>The log's file name in the sweep's folder.</summary>
    public const string FileName = "trials.json";

    /// <summary>Identifies the file as a sweep log.</summary>
    public string Format { get; set; } = FormatName;

    /// <summary>The log format's version.</summary>
    public int Version { get; set; } = CurrentVersion;

    /// <summary>The sweep's identity (<see cref="SweepIdentity"/>).</summary>
    public string SweepId { get; set; } = "";

    /// <summary>The sweep's options, for the record (and the CLI's resume).</summary>
    public SweepOptions? Options { get; set; }

    /// <summary>The dense model's measurement.</summary>
    public TrialMeasurement? Dense { get; set; }

    /// <summary>Finished trials, by id.</summary>
    public List<SweepTrial> Trials { get; set; } = [];

    /// <summary>Writes the log atomically to <paramref name="path"/>.</summary>
    public void Write(string path) => AtomicFile.Write(path, Encoding.UTF8.GetBytes(JsonSerializer.Serialize(this, SweepJson.Options)));

    /// <summary>
    /// Reads the log at <paramref name="path"/> and checks that it belongs to the sweep <paramref name="sweepId"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a sweep log of this format, or belongs to another sweep; the message names it.</exception>
    public static SweepLog Read(string path, string sweepId)
    {
        string text = File.ReadAllText(path);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("the document is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The sweep log '{path}' is corrupt (not JSON: {e.Message}); it was left as is. Move it away or choose another Directory.", e);
        }
        string? format = root["Format"] is JsonValue f && f.TryGetValue(out string? s) ? s : null;
        if (format != FormatName)
            throw new InvalidDataException($"'{path}' is not a sweep log (Format '{format ?? "missing"}', expected '{FormatName}'); it was left as is.");
        int? version = root["Version"] is JsonValue v && v.TryGetValue(out int n) ? n : null;
        if (version != CurrentVersion)
            throw new InvalidDataException($"The sweep log '{path}' has version {version?.ToString() ?? "missing"}; this library reads version {CurrentVersion}. It was left as is.");
        string? id = root["SweepId"] is JsonValue i && i.TryGetValue(out string? sid) ? sid : null;
        if (id != sweepId)
            throw new InvalidDataException(
                $"The sweep log '{path}' belongs to another sweep (SweepId {id ?? "missing"}, this sweep's is {sweepId}: other options or data). " +
                "It was left as is; choose another Directory, or run the same options (a larger MaxTrials or MaxDuration resumes).");
        SweepLog log;
        try
        {
            log = root.Deserialize<SweepLog>(SweepJson.Options) ?? throw new JsonException("null log");
        }
        catch (Exception e) when (e is JsonException or NotSupportedException or ArgumentException)
        {
            throw new InvalidDataException($"The sweep log '{path}' is corrupt ({e.Message}); it was left as is.", e);
        }
        if (log.Dense is null) throw new InvalidDataException($"The sweep log '{path}' is corrupt (no Dense measurement); it was left as is.");
        log.Trials ??= [];
        var ids = new HashSet<int>();
        foreach (var trial in log.Trials)
        {
            if (trial is null || trial.Id < 1 || !ids.Add(trial.Id) || trial.Parameters is null
                || (trial.Status == TrialStatus.Succeeded && trial.Measurement is null))
                throw new InvalidDataException($"The sweep log '{path}' is corrupt (trial {trial?.Id.ToString() ?? "null"} is missing, repeated or incomplete); it was left as is.");
        }
        log.Trials = [.. log.Trials.OrderBy(t => t.Id)];
        return log;
    }
}
