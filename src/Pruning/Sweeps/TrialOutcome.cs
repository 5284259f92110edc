using System.Text.Json;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>What a runner returns for one <see cref="TrialRequest"/>: the measurement, or the worker's error message.</summary>
public sealed class TrialOutcome
{
    /// <summary>The request's trial number.</summary>
    public int TrialId { get; set; }

    /// <summary>The attempt that produced this outcome.</summary>
    public int Attempt { get; set; } = 1;

    /// <summary>Whether the trial ran to its measurement.</summary>
    public bool Succeeded { get; set; }

    /// <summary>When it did not: the exception's type and message, as the worker saw them.</summary>
    public string? Error { get; set; }

    /// <summary>Who ran it: "local", a process id, an Orleans silo address.</summary>
    public string? Worker { get; set; }

    /// <summary>The measurement, when <see cref="Succeeded"/>.</summary>
    public TrialMeasurement? Measurement { get; set; }

    /// <summary>A succeeded outcome.</summary>
    public static TrialOutcome Success(TrialRequest request, TrialMeasurement measurement, string worker) =>
        new() { TrialId = request.TrialId, Attempt = request.Attempt, Succeeded = true, Measurement = measurement, Worker = worker };

    /// <summary>A failed outcome carrying <paramref name="error"/>'s type and message.</summary>
    public static TrialOutcome Failure(TrialRequest request, System.Exception error, string worker) =>
        new() { TrialId = request.TrialId, Attempt = request.Attempt, Succeeded = false, Error = $"{error.GetType().Name}: {error.Message}", Worker = worker };

    /// <summary>The outcome as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SweepJson.Options);

    /// <summary>Reads <see cref="ToJson"/>'s output.</summary>
    /// <exception cref="System.IO.InvalidDataException">The text is not a trial outcome.</exception>
    public static TrialOutcome FromJson(string json) => SweepJson.Read<TrialOutcome>(json, "trial outcome");
}
