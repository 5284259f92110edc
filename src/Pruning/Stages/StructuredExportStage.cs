using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The structured part of <em>emit</em>: removes the pruned units from a copy of the pruned (masked) model
/// (<see cref="StructuredRemoval"/>), gives it a symbolic batch dimension when asked and possible, and, once the file's
/// bytes exist, proves them (<see cref="ExportVerification"/>: ONNX Runtime on calibration rows, written file against the
/// masked model; a mismatch fails Fit) and measures parameters, MACs and, when asked, latency before and after.
/// </summary>
internal static class StructuredExportStage
{
    /// <summary>The model to write, and the notes of the batch dimension.</summary>
    public static (OnnxModel Written, bool DynamicBatch, IReadOnlyList<string> Notes) Remove(OnnxModel masked, StructuredEmit structured)
    {
        var notes = new List<string>(structured.Choice.Notes);
        if (!structured.Options.RemoveUnits) return (masked, false, notes);
        var written = StructuredRemoval.Remove(masked, structured.Plan.Groups, structured.Choice.Keep);
        bool dynamic = false;
        if (structured.Options.DynamicBatch && HasFixedBatchOfOne(written))
        {
            var made = BatchDimension.MakeDynamic(written);
            if (made.IsDynamic)
            {
                written = made.Model;
                dynamic = true;
            }
            else notes.Add($"The batch dimension stays fixed at 1: {made.Reason}");
        }
        return (written, dynamic, notes);
    }

    /// <summary>Verifies <paramref name="writtenBytes"/> against <paramref name="masked"/> and measures both sides for the report.</summary>
    /// <exception cref="InvalidOperationException">The written file does not compute what the pruned model computes.</exception>
    public static StructuredReport Report(MLContextServices services, OnnxModel masked, OnnxModel written, byte[] writtenBytes, bool dynamicBatch,
        IReadOnlyList<string> notes, StructuredEmit structured, IDictionary<string, int[]>? inputShapes)
    {
        var options = structured.Options;
        VerificationResult? verification = null;
        if (options.VerifyRows > 0)
        {
            verification = ExportVerification.Verify(writtenBytes, masked, structured.Inputs.Names, structured.Inputs.Read(structured.Data, options.VerifyRows),
                OutputColumnMap(structured), options.VerifyTolerance);
            services.Info($"Structured export verified on {verification.Rows} rows: {verification}.");
        }
        // Both sides at the same input shapes (batch 1; the scorer's shapes where it has them, e.g. a sequence length).
        var before = ModelCost.Measure(structured.Dense, ValueShapes.Infer(structured.Dense, StructuredPlan.BatchOfOne(inputShapes)));
        var after = options.RemoveUnits ? ModelCost.Measure(written, ValueShapes.Infer(written, StructuredPlan.BatchOfOne(inputShapes))) : before;
        var layers = StructuredLayerReport.Compare(before, after);
        var groups = structured.Plan.Groups.Select(g => new StructuredGroupReport(g.Id, g.Kind, g.Path,
            g.Slices.Where(s => s.Role == ChannelRole.Producer).Select(s => s.Tensor).Distinct().Count(), g.Width,
            structured.Choice.Keep.TryGetValue(g.Id, out var keep) ? keep.Count(k => k) : g.Width, g.ReachesOutput)).ToList();
        var latencyBefore = new List<LatencyMeasurement>();
        var latencyAfter = new List<LatencyMeasurement>();
        if (options.MeasureLatency)
        {
            byte[] dense = structured.Dense.ToBytes();
            foreach (int batch in new[] { 1, options.LatencyBatchSize }.Distinct())
            {
                // A dense file that fixes its batch at 1 is timed at batch 1 only, unless the written one is dynamic: then both get the same batch.
                byte[] denseAtBatch = dense;
                if (batch > 1 && HasFixedBatchOfOne(written)) continue; // the written file takes one row at a time: batch 1 only
                if (batch > 1 && HasFixedBatchOfOne(structured.Dense) && BatchDimension.MakeDynamic(structured.Dense) is { IsDynamic: true } made) denseAtBatch = made.Model.ToBytes();
                if (batch > 1 && denseAtBatch == dense && HasFixedBatchOfOne(structured.Dense)) continue;
                latencyBefore.Add(OrtLatency.Measure(denseAtBatch, batch, options.LatencyWarmup, options.LatencyRepeats, inputShapes, options.LatencyIntraOpThreads));
                latencyAfter.Add(OrtLatency.Measure(writtenBytes, batch, options.LatencyWarmup, options.LatencyRepeats, inputShapes, options.LatencyIntraOpThreads));
            }
        }
        return new StructuredReport(groups, structured.Plan.Unprunable, layers, before, after, options.RemoveUnits, dynamicBatch, verification, latencyBefore, latencyAfter, notes);
    }

    /// <summary>
    /// For each model output whose width removal changed, the indices the written output kept along the axis the groups
    /// name (positions no group covers are kept).
    /// </summary>
    private static Dictionary<string, int[]>? OutputColumnMap(StructuredEmit structured)
    {
        if (!structured.Options.RemoveUnits) return null;
        var removed = OutputChannelMask.RemovedPositions(structured.Dense, structured.Plan.Groups, structured.Choice.Keep, structured.Plan.Shapes);
        return removed.Count == 0 ? null : removed.ToDictionary(p => p.Key.Output, p => Enumerable.Range(0, p.Value.Length).Where(i => !p.Value[i]).ToArray(), StringComparer.Ordinal);
    }

    private static bool HasFixedBatchOfOne(OnnxModel model) =>
        model.Graph.Input.Where(i => !model.HasInitializer(i.Name)).Any(i => i.Type?.TensorType?.Shape?.Dim is { Count: > 0 } dims && dims[0].HasDimValue && dims[0].DimValue == 1);
}
