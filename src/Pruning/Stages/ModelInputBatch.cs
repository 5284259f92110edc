using System;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// One batch of model inputs for ONNX Runtime: per input a float[] or long[] of row-major values and its shape
/// ([rows, …row shape], or [rows, longest row] for token rows padded with 0), and the row count.
/// </summary>
internal sealed record ModelInputBatch(Array[] Values, long[][] Shapes, int Rows)
{
    /// <summary>ONNX Runtime tensors over the arrays (no copy); the caller disposes them, also on failure.</summary>
    public OrtValue[] ToOrtValues()
    {
        var values = new OrtValue[Values.Length];
        try
        {
            for (int i = 0; i < values.Length; i++)
                values[i] = Values[i] switch
                {
                    float[] f => OrtValue.CreateTensorValueFromMemory(f, Shapes[i]),
                    long[] l => OrtValue.CreateTensorValueFromMemory(l, Shapes[i]),
                    var other => throw new NotSupportedException($"Input arrays of {other.GetType().Name} are not fed to ONNX Runtime."),
                };
            return values;
        }
        catch
        {
            foreach (var value in values) value?.Dispose();
            throw;
        }
    }
}
