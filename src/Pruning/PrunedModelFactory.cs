using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning;

/// <summary>The one way out: compacts a pruned model, measures it, and wraps ML.NET's ONNX scorer around it.</summary>
internal static class PrunedModelFactory
{
    /// <param name="services">The ML.NET environment (transforms, device settings).</param>
    /// <param name="model">The pruned model, dense initializers.</param>
    /// <param name="outputColumns">Model outputs scored into columns.</param>
    /// <param name="inputColumns">Columns fed to the model inputs.</param>
    /// <param name="fitData">Data that fixes the input schema.</param>
    /// <param name="weights">The prunable weights the report lists.</param>
    /// <param name="watch">Started when pruning or training started.</param>
    /// <param name="inputModelPath">The file the model was read from, never to be overwritten; null if none.</param>
    /// <param name="scoringView">Rewrites the compact model into the graph ML.NET scores (e.g. per-row shapes); null scores it as is.</param>
    /// <param name="appendScoring">Adds ML.NET transforms after the ONNX scorer; null adds none.</param>
    public static PrunedModelTransformer Create(MLContextServices services, OnnxModel model, string[] outputColumns, string[] inputColumns,
        IDataView fitData, IReadOnlyList<PrunableWeight> weights, Stopwatch watch, string? inputModelPath,
        Func<OnnxModel, OnnxModel>? scoringView = null, Func<IDataView, ITransformer, ITransformer>? appendScoring = null)
    {
        var layers = weights
            .Select(w => LayerSparsity.Compute(w.Name, w.Shape, OnnxTensor.ToFloatArray(model.GetInitializer(w.Name))))
            .ToList();
        long denseBytes = model.ToBytes().LongLength;
        var compact = model.Clone();
        compact.Compact();
        byte[] compactBytes = compact.ToBytes();
        byte[] scoringBytes = scoringView is null ? compactBytes : scoringView(compact).ToBytes();
        ITransformer scorer = services.OnnxScorer(outputColumns, inputColumns, scoringBytes).Fit(fitData);
        if (appendScoring is not null) scorer = appendScoring(fitData, scorer);
        watch.Stop();
        return new PrunedModelTransformer(scorer, model, compactBytes, new PruningReport(layers, denseBytes, compactBytes.LongLength, watch.Elapsed), inputModelPath);
    }
}
