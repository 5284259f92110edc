using System;
using Microsoft.ML.OnnxRuntime;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>Scores the same rows with two ONNX models in ONNX Runtime and compares the outputs.</summary>
internal static class OnnxRuntimeComparison
{
    /// <param name="Rows">Rows scored.</param>
    /// <param name="MaxAbsDifference">Largest |a − b| over every output value.</param>
    /// <param name="ArgMaxDisagreements">Rows whose highest-scoring class differs.</param>
    /// <param name="AccuracyA">Accuracy of the first model's arg-max against the labels.</param>
    /// <param name="AccuracyB">Accuracy of the second model's arg-max.</param>
    public sealed record Result(int Rows, double MaxAbsDifference, int ArgMaxDisagreements, double AccuracyA, double AccuracyB);

    public static Result Compare(byte[] modelA, byte[] modelB, float[] features, uint[] labels, int width, string input, string output, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var a = new InferenceSession(modelA, options);
        using var b = new InferenceSession(modelB, options);
        using var run = new RunOptions();
        const int Batch = 1000;
        double maxDiff = 0;
        int disagreements = 0, correctA = 0, correctB = 0;
        for (int start = 0; start < labels.Length; start += Batch)
        {
            int count = Math.Min(Batch, labels.Length - start);
            var slice = features.AsSpan(start * width, count * width).ToArray();
            using var x = OrtValue.CreateTensorValueFromMemory(slice, [count, width]);
            using var outA = a.Run(run, [input], [x], [output]);
            using var outB = b.Run(run, [input], [x], [output]);
            var scoresA = outA[0].GetTensorDataAsSpan<float>();
            var scoresB = outB[0].GetTensorDataAsSpan<float>();
            int classes = scoresA.Length / count;
            for (int i = 0; i < scoresA.Length; i++)
                maxDiff = Math.Max(maxDiff, Math.Abs((double)scoresA[i] - scoresB[i]));
            for (int r = 0; r < count; r++)
            {
                int predictedA = ArgMax(scoresA.Slice(r * classes, classes)), predictedB = ArgMax(scoresB.Slice(r * classes, classes));
                disagreements += predictedA != predictedB ? 1 : 0;
                correctA += predictedA == labels[start + r] ? 1 : 0;
                correctB += predictedB == labels[start + r] ? 1 : 0;
            }
        }
        return new Result(labels.Length, maxDiff, disagreements, (double)correctA / labels.Length, (double)correctB / labels.Length);
    }

    private static int ArgMax(ReadOnlySpan<float> values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
