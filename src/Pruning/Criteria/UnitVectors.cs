using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>Each output unit's weights as one contiguous vector (rows of [out, in], columns of [in, out]).</summary>
internal static class UnitVectors
{
    public static float[][] Of(LayerContext layer)
    {
        int units = layer.Units;
        var weights = layer.Weights;
        int length = weights.Length / System.Math.Max(1, units);
        var vectors = new float[units][];
        for (int u = 0; u < units; u++) vectors[u] = new float[length];
        if (layer.Weight.OutputAxis == 0)
        {
            for (int u = 0; u < units; u++) weights.Slice(u * length, length).CopyTo(vectors[u]);
        }
        else
        {
            // [K, N] with units on axis 1: column u.
            for (int k = 0; k < length; k++)
                for (int u = 0; u < units; u++) vectors[u][k] = weights[k * units + u];
        }
        return vectors;
    }
}
