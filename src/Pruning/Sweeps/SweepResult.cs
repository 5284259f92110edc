using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// What a sweep found: the dense model's measurement, every trial, the Pareto fronts, the chosen trial and its transformer
/// (re-fitted from the trial's stored options and seed), and a one-paragraph summary that says when no trial met the constraints.
/// </summary>
public sealed class SweepResult
{
    internal SweepResult(SweepOptions options, TrialMeasurement dense, IReadOnlyList<SweepTrial> trials, SweepTrial? best, bool constraintsMet,
        IReadOnlyList<SweepTrial> closest, IReadOnlyList<SweepTrial> paretoByLatency, IReadOnlyList<SweepTrial> paretoByBytes,
        PrunedModelTransformer? chosen, TimeSpan elapsed, string logPath, string summary)
    {
        Options = options;
        Dense = dense;
        Trials = trials;
        Best = best;
        ConstraintsMet = constraintsMet;
        Closest = closest;
        ParetoByLatency = paretoByLatency;
        ParetoByBytes = paretoByBytes;
        Chosen = chosen;
        Elapsed = elapsed;
        LogPath = logPath;
        Summary = summary;
    }

    /// <summary>The sweep's options.</summary>
    public SweepOptions Options { get; }

    /// <summary>The unpruned model, measured like a trial.</summary>
    public TrialMeasurement Dense { get; }

    /// <summary>Every trial in order, failed ones included.</summary>
    public IReadOnlyList<SweepTrial> Trials { get; }

    /// <summary>The chosen trial: the best feasible one by the objective, or when none is feasible the closest one; null when every trial failed.</summary>
    public SweepTrial? Best { get; }

    /// <summary>Whether <see cref="Best"/> meets every constraint.</summary>
    public bool ConstraintsMet { get; }

    /// <summary>When no trial met the constraints: the trials that came closest, closest first (at most five); empty otherwise.</summary>
    public IReadOnlyList<SweepTrial> Closest { get; }

    /// <summary>
    /// Succeeded trials not dominated in (metric, latency), by latency: at the sweep's batch when every trial has it, else at batch 1 —
    /// <see cref="ParetoFront"/>(<see cref="SweepQuantity.Latency"/>) or (<see cref="SweepQuantity.LatencyBatch1"/>).
    /// </summary>
    public IReadOnlyList<SweepTrial> ParetoByLatency { get; }

    /// <summary>Succeeded trials not dominated in (metric, bytes), by bytes.</summary>
    public IReadOnlyList<SweepTrial> ParetoByBytes { get; }

    /// <summary>The chosen trial's transformer, re-fitted in this process from its options; null when there is no <see cref="Best"/>.</summary>
    public PrunedModelTransformer? Chosen { get; }

    /// <summary>Wall time of this run of the sweep (resumed trials not included).</summary>
    public TimeSpan Elapsed { get; }

    /// <summary>The trial log.</summary>
    public string LogPath { get; }

    /// <summary>One paragraph: trials run and failed, the chosen one and its numbers against dense, or that no trial met the constraints.</summary>
    public string Summary { get; }

    /// <summary>
    /// Every trial in the objective's order: feasible ones by the optimized quantity, then infeasible ones by how far they miss
    /// the constraints, then failed ones by number. The first is <see cref="Best"/>.
    /// </summary>
    public IReadOnlyList<SweepTrial> Ranked
    {
        get
        {
            var ranking = new SweepRanking(Options.Objective, Options.Metric, Dense);
            var ranked = new List<SweepTrial>(Trials);
            ranked.Sort(ranking);
            return ranked;
        }
    }

    /// <summary>
    /// Succeeded trials not dominated in (metric, <paramref name="cost"/>): no other trial is at least as good on both and better on
    /// one. Ordered by the cost. <see cref="ParetoByLatency"/> and <see cref="ParetoByBytes"/> are two of these.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="cost"/> is the metric itself.</exception>
    public IReadOnlyList<SweepTrial> ParetoFront(SweepQuantity cost)
    {
        if (cost == SweepQuantity.Metric || !Enum.IsDefined(cost))
            throw new ArgumentOutOfRangeException(nameof(cost), cost, $"A Pareto front's cost must be Bytes, NonZeroParameters, Macs, LatencyBatch1 or Latency; got {cost}.");
        var measured = new List<SweepTrial>();
        foreach (var trial in Trials)
            if (trial.Measurement?.Value(cost) is double v && double.IsFinite(v)) measured.Add(trial);
        return Sweeps.ParetoFront.Of(measured, m => m.Value(cost)!.Value, Options.Metric.HigherIsBetter);
    }

    /// <inheritdoc />
    public override string ToString() => Summary;
}
