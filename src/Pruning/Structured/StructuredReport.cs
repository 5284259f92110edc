using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// What structured pruning did: per dependency group the units kept, the layers left whole and why, per layer units,
/// parameters and MACs before and after removal, the check of the written file against the pruned model, and (when asked)
/// ONNX Runtime latency before and after.
/// </summary>
public sealed class StructuredReport
{
    internal StructuredReport(IReadOnlyList<StructuredGroupReport> groups, IReadOnlyList<UnprunableLayer> unprunable, IReadOnlyList<StructuredLayerReport> layers,
        ModelCost before, ModelCost after, bool removed, bool dynamicBatch, VerificationResult? verification,
        IReadOnlyList<LatencyMeasurement> latencyBefore, IReadOnlyList<LatencyMeasurement> latencyAfter, IReadOnlyList<string> notes)
    {
        Groups = groups;
        Unprunable = unprunable;
        Layers = layers;
        Before = before;
        After = after;
        Removed = removed;
        DynamicBatch = dynamicBatch;
        Verification = verification;
        LatencyBefore = latencyBefore;
        LatencyAfter = latencyAfter;
        Notes = notes;
    }

    /// <summary>Every pruned group, in graph order: units kept of total.</summary>
    public IReadOnlyList<StructuredGroupReport> Groups { get; }

    /// <summary>Layers of the granularity's kind left whole, with the reason (an op the analysis does not know, a model output, an excluded layer, …).</summary>
    public IReadOnlyList<UnprunableLayer> Unprunable { get; }

    /// <summary>Per Conv/Gemm/MatMul node: units, parameters and MACs before and after (at batch 1 of the dense model's input shapes).</summary>
    public IReadOnlyList<StructuredLayerReport> Layers { get; }

    /// <summary>Parameters (all FLOAT initializers) and MACs of the dense model.</summary>
    public ModelCost Before { get; }

    /// <summary>Parameters and MACs of the written model (the same as <see cref="Before"/>'s shapes when units were not removed).</summary>
    public ModelCost After { get; }

    /// <summary>Whether the written file has the pruned units physically removed (<see cref="StructuredOptions.RemoveUnits"/>).</summary>
    public bool Removed { get; }

    /// <summary>Whether the written file got a symbolic batch dimension.</summary>
    public bool DynamicBatch { get; }

    /// <summary>The written file run in ONNX Runtime against the pruned model in memory on calibration rows; null when skipped (VerifyRows = 0).</summary>
    public VerificationResult? Verification { get; }

    /// <summary>ONNX Runtime latency of the dense model at batch 1 and at the asked batch; empty unless MeasureLatency.</summary>
    public IReadOnlyList<LatencyMeasurement> LatencyBefore { get; }

    /// <summary>ONNX Runtime latency of the written model, as <see cref="LatencyBefore"/>.</summary>
    public IReadOnlyList<LatencyMeasurement> LatencyAfter { get; }

    /// <summary>Notes: counts a bound changed, why the batch dimension stayed fixed.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>MACs after as a fraction of before.</summary>
    public double MacsRatio => Before.Macs == 0 ? 1 : (double)After.Macs / Before.Macs;

    /// <summary>Parameters after as a fraction of before.</summary>
    public double ParametersRatio => Before.Parameters == 0 ? 1 : (double)After.Parameters / Before.Parameters;

    /// <summary>The report as Markdown: totals, groups, layers, left whole, verification, latency, notes.</summary>
    public override string ToString()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"Structured: {Groups.Sum(g => g.Total - g.Kept)} of {Groups.Sum(g => g.Total)} units removed in {Groups.Count} groups{(Removed ? "" : " (zeroed, not removed)")}; " +
            $"parameters {Before.Parameters:N0} → {After.Parameters:N0} ({ParametersRatio:P1}), MACs {Before.Macs:N0} → {After.Macs:N0} ({MacsRatio:P1}){(DynamicBatch ? ", dynamic batch" : "")}.");
        text.AppendLine();
        text.AppendLine("| group | kind | kept / total | producers | output | path |");
        text.AppendLine("|:------|:-----|-------------:|----------:|:-------|:-----|");
        foreach (var g in Groups)
            text.AppendLine(c, $"| {g.Id} | {g.Kind} | {g.Kept} / {g.Total} | {g.Producers} | {(g.ReachesOutput ? "yes" : "")} | {g.Path} |");
        text.AppendLine();
        text.Append(StructuredLayerReport.Table(Layers, Before, After));
        if (Unprunable.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Left whole:");
            foreach (var u in Unprunable) text.AppendLine(c, $"- {u.Layer} ({u.Node}): {u.Reason}");
        }
        if (Verification is { } v) text.AppendLine().AppendLine(c, $"Verification: {v}");
        for (int i = 0; i < LatencyBefore.Count && i < LatencyAfter.Count; i++)
            text.AppendLine(c, $"Latency batch {LatencyBefore[i].Batch}: {LatencyBefore[i].MedianMilliseconds:F2} → {LatencyAfter[i].MedianMilliseconds:F2} ms " +
                $"({LatencyBefore[i].MedianMilliseconds / LatencyAfter[i].MedianMilliseconds:F2}× faster).");
        foreach (string note in Notes) text.AppendLine(c, $"Note: {note}");
        return text.ToString();
    }
}
