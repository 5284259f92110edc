using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Trainers.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// resnet18: ML.NET's ResNet18 image featurizer (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18, a CNTK export, opset 8,
/// fixed batch 1): time per image of the engine's forward pass (eval mode) and of its forward + backward pass (training
/// mode, the work of a fine-tuning step without the optimizer), against ONNX Runtime's forward pass, at several batch
/// sizes. Also the largest difference between the engine's and ONNX Runtime's outputs.
/// </summary>
internal static class ResNet18Benchmark
{
    private const string PackageFile = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";

    private sealed record BatchResult(int Batch, Samples Ort, Samples EngineForward, Samples EngineTraining, double MaxAbsDifference, double MaxAbsOutput);

    public static string Run(BenchmarkArguments args)
    {
        int[] batches = args.String("batch-sizes", "1,8").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(b => int.TryParse(b, out int n) && n >= 1 ? n : throw new ArgumentException($"--batch-sizes takes positive integers; got '{b}'.")).ToArray();
        int repetitions = args.Int("repetitions", 10);
        int warmup = args.Int("warmup", 2);
        int seed = args.Int("seed", 1, min: 0);
        string path = args.String("model", Path.Combine(AppContext.BaseDirectory, PackageFile));
        args.ThrowIfUnknown();
        int threads = get_num_threads();

        var model = OnnxModel.Load(path);
        string input = model.Graph.Input.Select(i => i.Name).Except(model.Graph.Initializer.Select(i => i.Name)).Single();
        string output = model.Graph.Output.Single().Name;
        long parameters = model.Graph.Initializer.Where(i => i.DataType == (int)TensorProto.Types.DataType.Float).Sum(i => i.Dims.Aggregate(1L, (a, d) => a * d));
        Format.Progress($"{path}: input {input}, output {output}, {parameters:N0} float initializer values, opset {model.Proto.OpsetImport.Max(o => o.Version)}.");

        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var ort = new InferenceSession(AnyBatch(model).ToBytes(), options);
        var inputs = batches.ToDictionary(b => b, b => Images(b, seed + b));
        var expected = batches.ToDictionary(b => b, b => OrtForward(ort, input, output, inputs[b], b));
        Format.Progress($"ONNX Runtime ran batch sizes {string.Join(", ", batches)} ({string.Join(", ", batches.Select(b => expected[b].Length))} output values).");
        using var engine = new OnnxTorchModule(model, CPU);

        // Outputs first, in eval mode on the file's running statistics: the timed training passes update them.
        var differences = batches.ToDictionary(b => b, b => Compare(engine, expected[b], inputs[b], b));
        foreach (int b in batches)
            Format.Progress($"batch {b}: engine vs ONNX Runtime, max |diff| {differences[b].Difference:G3} (outputs up to {differences[b].Largest:G3}).");

        var results = new List<BatchResult>();
        foreach (int b in batches)
        {
            var x = inputs[b];
            var ortTimes = new Samples();
            var forwardTimes = new Samples();
            var trainingTimes = new Samples();
            Action[] sides =
            [
                () => ortTimes.Add(Time(() => OrtForward(ort, input, output, x, b))),
                () => forwardTimes.Add(Time(() => EngineForward(engine, x, b))),
                () => trainingTimes.Add(TorchRetry.Run($"forward + backward at batch {b}", () => EngineForwardBackward(engine, x, b))),
            ];
            for (int w = 0; w < warmup; w++)
            {
                OrtForward(ort, input, output, x, b);
                EngineForward(engine, x, b);
                TorchRetry.Run($"warm-up at batch {b}", () => EngineForwardBackward(engine, x, b));
            }
            // Each repetition runs the three in a rotated order, so a slow spell of the machine does not fall on one side.
            for (int r = 0; r < repetitions; r++)
                for (int k = 0; k < sides.Length; k++) sides[(r + k) % sides.Length]();
            results.Add(new BatchResult(b, ortTimes, forwardTimes, trainingTimes, differences[b].Difference, differences[b].Largest));
            Format.Progress($"batch {b}: ONNX Runtime {1000 * ortTimes.Median / b:F1} ms/image, engine forward {1000 * forwardTimes.Median / b:F1}, " +
                $"forward + backward {1000 * trainingTimes.Median / b:F1}.");
        }
        return Report(args, path, input, output, parameters, repetitions, warmup, results);
    }

    /// <summary>The model with a symbolic batch dimension on its input and output, so ONNX Runtime accepts any batch (the file says 1).</summary>
    private static OnnxModel AnyBatch(OnnxModel model)
    {
        var copy = model.Clone();
        foreach (var value in copy.Graph.Input.Concat(copy.Graph.Output))
        {
            if (value.Type?.TensorType?.Shape is { Dim.Count: > 0 } shape && !copy.Graph.Initializer.Any(i => i.Name == value.Name))
                shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimParam = "N" };
        }
        copy.Graph.ValueInfo.Clear(); // intermediate shapes recorded for batch 1
        return copy;
    }

    /// <summary>Seeded values in [-1, 1) as [batch, 3, 224, 224] (the timing does not depend on the pixels).</summary>
    private static float[] Images(int batch, int seed)
    {
        var random = new Random(seed);
        var values = new float[batch * 3 * 224 * 224];
        for (int i = 0; i < values.Length; i++) values[i] = 2 * random.NextSingle() - 1;
        return values;
    }

    private static long[] Shape(int batch) => [batch, 3, 224, 224];

    private static (double Difference, double Largest) Compare(OnnxTorchModule engine, float[] expected, float[] x, int batch)
    {
        engine.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var actual = engine.forward(torch.tensor(x, Shape(batch))).contiguous().data<float>().ToArray();
        if (actual.Length != expected.Length)
            throw new InvalidOperationException($"The engine returned {actual.Length} values at batch {batch}; ONNX Runtime {expected.Length}.");
        double difference = 0, largest = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            difference = Math.Max(difference, Math.Abs((double)actual[i] - expected[i]));
            largest = Math.Max(largest, Math.Abs((double)expected[i]));
        }
        return (difference, largest);
    }

    private static float[] OrtForward(InferenceSession ort, string input, string output, float[] x, int batch)
    {
        using var value = OrtValue.CreateTensorValueFromMemory(x, Shape(batch));
        using var run = new RunOptions();
        using var outputs = ort.Run(run, [input], [value], [output]);
        return outputs[0].GetTensorDataAsSpan<float>().ToArray();
    }

    private static void EngineForward(OnnxTorchModule engine, float[] x, int batch)
    {
        engine.eval();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        _ = engine.forward(torch.tensor(x, Shape(batch))).sum().item<float>();
    }

    /// <summary>Training mode: forward, the mean of the features as the loss, backward into every parameter; returns the seconds of forward + backward.</summary>
    private static double EngineForwardBackward(OnnxTorchModule engine, float[] x, int batch)
    {
        engine.train();
        engine.zero_grad();
        using var scope = NewDisposeScope();
        var images = torch.tensor(x, Shape(batch));
        var watch = Stopwatch.StartNew();
        var loss = engine.forward(images).mean();
        loss.backward();
        _ = loss.item<float>();
        return watch.Elapsed.TotalSeconds;
    }

    private static double Time(Action action)
    {
        var watch = Stopwatch.StartNew();
        action();
        return watch.Elapsed.TotalSeconds;
    }

    private static string Report(BenchmarkArguments args, string path, string input, string output, long parameters, int repetitions, int warmup,
        List<BatchResult> results)
    {
        var table = new MarkdownTable("batch", "ONNX Runtime forward ms/image", "engine forward ms/image", "engine forward + backward ms/image",
            "engine forward / ORT forward", "engine max |Δ| vs ORT (largest output)");
        foreach (var r in results)
        {
            double ort = 1000 * r.Ort.Median / r.Batch, forward = 1000 * r.EngineForward.Median / r.Batch, training = 1000 * r.EngineTraining.Median / r.Batch;
            table.Add(r.Batch.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{ort:F1}", $"{forward:F1}", $"{training:F1}",
                Format.Ratio(forward / ort), $"{r.MaxAbsDifference:G3} ({r.MaxAbsOutput:G3})");
        }
        var text = new StringBuilder();
        text.AppendLine("## resnet18: ML.NET's ResNet18 featurizer on the engine vs ONNX Runtime");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args));
        text.AppendLine();
        text.AppendLine($"`{PackageFile}` from NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 (CNTK export, opset 8, {parameters:N0} float initializer values; " +
            $"input `{input}` [1,3,224,224], output `{output}` [1,512,1,1]). ONNX Runtime runs the file with its batch dimension made symbolic " +
            "(the file fixes it at 1); the engine runs the file as it is. Inputs are seeded values in [−1, 1). *Forward*: eval mode, no " +
            "gradients. *Forward + backward*: training mode (BatchNormalization on batch statistics), the mean of the features as the loss, " +
            "gradients into every parameter: a fine-tuning step without the optimizer. Each repetition runs the three in a rotated order; " +
            $"times are medians over {repetitions} repetitions after {warmup} warm-up runs, divided by the batch size. The differences are " +
            "measured first, in eval mode on the file's running statistics.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.Append(TorchRetry.Note());
        return text.ToString();
    }
}
