using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// One finished trial as the trial log stores it: the parameter values chosen, the complete options (re-running them with
/// <see cref="PruningOptions.Seed"/> reproduces the trial), what was measured and how it stands against the objective.
/// </summary>
public sealed class SweepTrial
{
    /// <summary>The trial's number, from 1.</summary>
    public int Id { get; set; }

    /// <summary>The search space's values for this trial, by parameter name, as invariant-culture text.</summary>
    public IDictionary<string, string> Parameters { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The estimator's complete options.</summary>
    public PruningOptions? Options { get; set; }

    /// <summary>How it ended.</summary>
    public TrialStatus Status { get; set; }

    /// <summary>The worker's error, when <see cref="Status"/> is Failed.</summary>
    public string? Error { get; set; }

    /// <summary>Who ran it (the last attempt).</summary>
    public string? Worker { get; set; }

    /// <summary>Runs it took (more than 1 when a worker died).</summary>
    public int Attempts { get; set; } = 1;

    /// <summary>What it measured, when it succeeded.</summary>
    public TrialMeasurement? Measurement { get; set; }

    /// <summary>Whether it met every constraint.</summary>
    public bool Feasible { get; set; }

    /// <summary>How far it misses the constraints: the sum over constraints of the miss relative to the bound's magnitude; 0 when feasible.</summary>
    public double ConstraintViolation { get; set; }

    /// <summary>When it finished (UTC).</summary>
    public DateTimeOffset Finished { get; set; }
}
