using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>emit</em> stage, the one way out: compacts the pruned model, measures it for the report, and returns the
/// transformer whose ML.NET ONNX scorer is built once, when first used (so Fit builds no ONNX Runtime session).
/// </summary>
internal static class EmitStage
{
    /// <param name="services">The ML.NET environment (transforms, device settings).</param>
    /// <param name="model">The pruned model, dense initializers.</param>
    /// <param name="outputColumns">Model outputs scored into columns.</param>
    /// <param name="inputColumns">Columns fed to the model inputs.</param>
    /// <param name="fitSchema">The input schema the scorer is built for.</param>
    /// <param name="weights">The prunable weights the report lists.</param>
    /// <param name="watch">Started when pruning or training started.</param>
    /// <param name="inputModelPath">The file the model was read from, never to be overwritten; null if none.</param>
    /// <param name="method">How the model was pruned, in a line, for the report; null for none.</param>
    /// <param name="scoringView">Rewrites the compact model into the graph ML.NET scores (e.g. per-row shapes); null scores it as is.</param>
    /// <param name="appendScoring">Adds ML.NET transforms after the ONNX scorer; null adds none.</param>
    /// <param name="fineTuning">How each fine-tuning run went, for the report; null or empty for none.</param>
    /// <param name="inputShapes">Input shapes the scorer uses instead of the declared ones (ML.NET's shapeDictionary); null for none.</param>
    /// <param name="reconstruction">Per-layer details of a reconstruction method, for the report; null for none.</param>
    /// <param name="sparseTraining">What sparse training (Lasso) did, for the report; null for none.</param>
    /// <param name="admm">What ADMM pruning did, for the report; null for none.</param>
    /// <param name="structured">Structured pruning's groups and choice: the written model has the pruned units removed, verified; null for none.</param>
    public static PrunedModelTransformer Create(MLContextServices services, OnnxModel model, string[] outputColumns, string[] inputColumns,
        DataViewSchema fitSchema, IReadOnlyList<PrunableWeight> weights, Stopwatch watch, string? inputModelPath, string? method = null,
        Func<OnnxModel, OnnxModel>? scoringView = null, Func<IDataView, ITransformer, ITransformer>? appendScoring = null,
        IReadOnlyList<TrainingResult>? fineTuning = null, IDictionary<string, int[]>? inputShapes = null, IReadOnlyList<LayerReconstruction>? reconstruction = null,
        SparseTrainingReport? sparseTraining = null, AdmmReport? admm = null, StructuredEmit? structured = null)
    {
        // Structured pruning writes the model with its pruned units removed; the report's layers are then the written ones.
        var (written, dynamicBatch, notes) = structured is null ? (model, false, []) : StructuredExportStage.Remove(model, structured);
        var layers = weights
            .Select(w => written.GetInitializer(w.Name))
            .Select(t => LayerSparsity.Compute(t.Name, [.. t.Dims], OnnxTensor.ToFloatArray(t)))
            .ToList();
        long denseBytes = (structured?.Dense ?? model).Proto.CalculateSize(); // the dense file's size (before any removal), without writing it
        var compact = written.Clone();
        compact.Compact();
        byte[] compactBytes = compact.ToBytes();
        var structuredReport = structured is null ? null
            : StructuredExportStage.Report(services, model, written, compactBytes, dynamicBatch, notes, structured, inputShapes);
        byte[] scoringBytes = scoringView is null ? compactBytes : scoringView(compact).ToBytes();
        var emptyInput = new EmptyDataView(fitSchema);
        ITransformer BuildScorer()
        {
            ITransformer scorer = services.OnnxScorer(outputColumns, inputColumns, scoringBytes, inputShapes).Fit(emptyInput);
            return appendScoring is null ? scorer : appendScoring(emptyInput, scorer);
        }
        watch.Stop();
        return new PrunedModelTransformer(BuildScorer, written, compactBytes,
            new PruningReport(layers, denseBytes, compactBytes.LongLength, watch.Elapsed, method, fineTuning, reconstruction, sparseTraining, admm, structuredReport), inputModelPath);
    }
}
