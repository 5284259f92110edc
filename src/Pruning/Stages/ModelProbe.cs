using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Runs the model in ONNX Runtime on the first row of the data before any work, to learn what the declared shapes may
/// not say: whether the columns fit the model at all, and the shape of each output per row (which the label must
/// match). ONNX Runtime's own logging is kept off stderr; its failures become errors naming the columns and shapes.
/// </summary>
internal static class ModelProbe
{
    /// <summary>Session options for pruning's own sessions: basic graph optimizations, and only fatal errors logged (never to the user's stderr).</summary>
    public static SessionOptions QuietOptions() => new()
    {
        GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
        LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_FATAL,
    };

    /// <summary>
    /// The shape of each of <paramref name="outputs"/> when the model runs on the data's first row (or first fixed-size
    /// batch); null when the data has no rows.
    /// </summary>
    /// <exception cref="InvalidOperationException">ONNX Runtime cannot run the model on these columns; the message names them and their shapes.</exception>
    public static IReadOnlyDictionary<string, long[]>? OutputShapes(OnnxModel model, ModelInputBatches batches, IDataView data, IReadOnlyList<string> outputs)
    {
        var batch = batches.Read(data, batches.IsFixedBatch ? batches.BatchSize : 1).FirstOrDefault();
        if (batch is null) return null;
        using var options = QuietOptions();
        using var session = new InferenceSession(model.ToBytes(), options);
        using var run = new RunOptions();
        var inputs = batch.ToOrtValues();
        try
        {
            using var results = Run(session, run, [.. batches.Names], inputs, [.. outputs], batches.Columns, batch);
            var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
            for (int i = 0; i < outputs.Count; i++) shapes[outputs[i]] = results[i].GetTensorTypeAndShape().Shape;
            return shapes;
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }
    }

    /// <summary>Runs <paramref name="session"/>; an ONNX Runtime failure becomes an error naming the columns and the shapes fed.</summary>
    public static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, RunOptions run, string[] names, OrtValue[] inputs, string[] outputs,
        IReadOnlyList<ModelInputColumn> columns, ModelInputBatch batch)
    {
        try
        {
            return session.Run(run, names, inputs, outputs);
        }
        catch (OnnxRuntimeException ex)
        {
            string fed = string.Join("; ", columns.Select((c, i) => $"{c.Describe()}, fed as [{string.Join(", ", batch.Shapes[i])}]"));
            throw new InvalidOperationException($"The model does not run on the input columns: {fed}. ONNX Runtime says: {ex.Message}", ex);
        }
    }
}
