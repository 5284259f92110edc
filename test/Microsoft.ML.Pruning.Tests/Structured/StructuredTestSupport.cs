using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>The masked model of the removal contract, ONNX Runtime runs and the onnx checker, for the structured tests.</summary>
internal static class StructuredTestSupport
{
    /// <summary>
    /// The masked model: a copy with every removed channel's Producer, Consumer and Parameter slice zeroed
    /// (Statistic slices untouched), same shapes.
    /// </summary>
    public static OnnxModel Masked(OnnxModel model, IReadOnlyList<ChannelGroup> groups, IReadOnlyDictionary<string, bool[]> keep)
    {
        var masked = model.Clone();
        foreach (var group in groups)
        {
            if (!keep.TryGetValue(group.Id, out var flags)) continue;
            foreach (var slice in group.Slices)
            {
                if (slice.Role == ChannelRole.Statistic) continue;
                var tensor = masked.GetInitializer(slice.Tensor);
                float[] values = OnnxTensor.ToFloatArray(tensor);
                long[] dims = OnnxTensor.Shape(tensor);
                long inner = 1;
                for (int a = slice.Axis + 1; a < dims.Length; a++) inner *= dims[a];
                long axisLength = dims[slice.Axis];
                for (long i = 0; i < values.Length; i++)
                {
                    long position = i / inner % axisLength - slice.Offset;
                    if (position < 0 || position >= (long)slice.Count * slice.Block) continue;
                    if (!flags[slice.First + (int)(position / slice.Block)]) values[i] = 0;
                }
                OnnxTensor.SetFloats(tensor, values);
            }
        }
        return masked;
    }

    /// <summary>Every graph output of the model on the given FLOAT inputs, by name.</summary>
    public static Dictionary<string, float[]> Run(OnnxModel model, IReadOnlyDictionary<string, (float[] Values, int[] Shape)> inputs)
    {
        using var session = new InferenceSession(model.ToBytes());
        var feeds = inputs.Select(p => NamedOnnxValue.CreateFromTensor(p.Key, new DenseTensor<float>(p.Value.Values, p.Value.Shape))).ToList();
        using var results = session.Run(feeds);
        return results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
    }

    public static float MaxAbsDifference(float[] a, float[] b)
    {
        Assert.HasCount(a.Length, b);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        return max;
    }

    public static float[] RandomValues(int count, int seed)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 2 - 1);
        return values;
    }

    /// <summary>Runs onnx.checker.check_model(full_check=True) on the model; Inconclusive when python3 with onnx is missing.</summary>
    public static void AssertPassesOnnxChecker(OnnxModel model)
    {
        string? python = CompactOnnxTests.PythonWithOnnx();
        if (python is null)
            Assert.Inconclusive("python3 with the onnx package is not installed (apt-get install python3-onnx); the checker test cannot run.");
        string path = Path.Combine(Path.GetTempPath(), $"structured-checker-{Guid.NewGuid():N}.onnx");
        try
        {
            model.Save(path);
            using var process = Process.Start(new ProcessStartInfo(python,
                $"-c \"import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)\" \"{path}\"")
            { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.AreEqual(0, process.ExitCode, output);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
