using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// The PyTorch-trained models of lenet5 and engine-throughput (<c>benchmarks/peer/real_models.py</c>): trained and
/// exported once, cached with the JSON of the run that made them, and re-made when the script, the epochs, the seed
/// or the data change. Also the Fashion-MNIST arrays and the ONNX Runtime accuracy both benchmarks use.
/// </summary>
internal static class RealModels
{
    /// <summary>The exported models' input: float [N, 1, 28, 28], pixels scaled to [0, 1] as <see cref="FashionMnist"/> reads them.</summary>
    public const string Input = "Features";

    /// <summary>The exported models' output: float [N, 10] logits.</summary>
    public const string Output = "Score";

    /// <summary>Rows of a batch fed to a convolution: [N, 1, 28, 28].</summary>
    public static readonly long[] ImageShape = [1, 28, 28];

    /// <summary>The default cache of exported models.</summary>
    public static string DefaultCache => Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "real-models");

    /// <summary>A trained, exported model and what its training run reported.</summary>
    /// <param name="Model">"lenet5" or "resnet".</param>
    /// <param name="OnnxPath">The ONNX file.</param>
    /// <param name="Accuracy">PyTorch's test accuracy of the trained model.</param>
    /// <param name="Epochs">Training epochs.</param>
    /// <param name="TrainSeconds">Training wall time (python, at the time it was made).</param>
    /// <param name="Parameters">Parameter count.</param>
    /// <param name="Ops">The ONNX ops of the file.</param>
    /// <param name="PeerVersions">"python 3.11.2: torch …, onnx …, numpy …".</param>
    public sealed record Export(string Model, string OnnxPath, double Accuracy, int Epochs, double TrainSeconds, long Parameters, string[] Ops, string PeerVersions);

    /// <summary>One split of Fashion-MNIST as arrays: row-major pixels (784 per row, [0, 1]) and class labels.</summary>
    public sealed record Images(float[] Pixels, long[] Labels)
    {
        public int Count => Labels.Length;
    }

    /// <summary>Reads "train" or "t10k".</summary>
    public static Images Read(string folder, string split)
    {
        var rows = FashionMnist.Read(folder, split);
        var pixels = new float[rows.Length * FashionMnist.Pixels];
        var labels = new long[rows.Length];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r].Features.CopyTo(pixels, r * FashionMnist.Pixels);
            labels[r] = rows[r].Label;
        }
        return new Images(pixels, labels);
    }

    /// <summary>
    /// The cached export of <paramref name="model"/> trained <paramref name="epochs"/> epochs with <paramref name="seed"/>,
    /// made by running <c>real_models.py train</c> if the cache has none from the current script.
    /// </summary>
    public static Export Ensure(string model, int epochs, int seed, string python, string script, string cache, string data, int threads)
    {
        Directory.CreateDirectory(cache);
        string jsonPath = Path.Combine(cache, $"{model}-train.json");
        string scriptHash = Sha256(script);
        if (File.Exists(jsonPath))
        {
            using var cached = JsonDocument.Parse(File.ReadAllText(jsonPath));
            var root = cached.RootElement;
            string onnx = root.GetProperty("onnx").GetString() ?? "";
            bool current = root.GetProperty("script_sha256").GetString() == scriptHash
                && root.GetProperty("epochs").GetInt32() == epochs && root.GetProperty("seed").GetInt32() == seed
                && root.GetProperty("data").GetString() == data && root.GetProperty("limit_train").ValueKind == JsonValueKind.Null
                && File.Exists(onnx) && Sha256(onnx) == root.GetProperty("onnx_sha256").GetString();
            if (current)
            {
                Format.Progress($"{model}: using the export cached in {onnx} ({epochs} epochs, seed {seed}).");
                return FromJson(root);
            }
        }
        Format.Progress($"{model}: training {epochs} epochs in PyTorch and exporting to {cache} ...");
        using var trained = PythonPeer.Run(python, script,
        [
            "train", "--model", model, "--epochs", Invariant(epochs), "--seed", Invariant(seed), "--output", cache, "--data", data,
            "--threads", Invariant(threads),
        ], jsonPath);
        return FromJson(trained.RootElement);
    }

    /// <summary>A trained export loaded for pruning: the model, the test split and its test accuracy scored by ONNX Runtime.</summary>
    public sealed record Dense(Export Export, OnnxModel Model, Images Test, double Accuracy);

    /// <summary>
    /// The cached export of <paramref name="model"/> (made if missing, see <see cref="Ensure"/>), loaded, with the test split of
    /// <paramref name="data"/> and the model's accuracy on it: the dense starting point of lenet5 and coordinate-descent-lenet5.
    /// </summary>
    public static Dense LoadDense(string model, int epochs, int seed, string python, string script, string cache, string data, int threads)
    {
        var export = Ensure(model, epochs, seed, python, script, cache, data, threads);
        var dense = OnnxModel.Load(export.OnnxPath);
        var test = Read(data, "t10k");
        return new Dense(export, dense, test, Accuracy(dense.ToBytes(), test, threads));
    }

    /// <summary>Test accuracy of an ONNX model with <see cref="Input"/> [N,1,28,28] and <see cref="Output"/> logits, scored by ONNX Runtime.</summary>
    public static double Accuracy(byte[] model, Images test, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var run = new RunOptions();
        const int Batch = 1000;
        int correct = 0;
        for (int start = 0; start < test.Count; start += Batch)
        {
            int count = Math.Min(Batch, test.Count - start);
            var slice = test.Pixels.AsSpan(start * FashionMnist.Pixels, count * FashionMnist.Pixels).ToArray();
            using var x = OrtValue.CreateTensorValueFromMemory(slice, [count, .. ImageShape]);
            using var outputs = session.Run(run, [Input], [x], [Output]);
            var scores = outputs[0].GetTensorDataAsSpan<float>();
            int classes = scores.Length / count;
            for (int r = 0; r < count; r++)
            {
                var row = scores.Slice(r * classes, classes);
                int best = 0;
                for (int c = 1; c < classes; c++)
                    if (row[c] > row[best]) best = c;
                correct += best == test.Labels[start + r] ? 1 : 0;
            }
        }
        return (double)correct / test.Count;
    }

    /// <summary>Writes row orders (one or more epochs) as little-endian int32, the format the peer reads.</summary>
    public static void WriteOrders(string path, IReadOnlyList<int[]> epochs)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The peer reads orders files as little-endian int32.");
        using var file = File.Create(path);
        foreach (var order in epochs) file.Write(MemoryMarshal.AsBytes(order.AsSpan()));
    }

    private static Export FromJson(JsonElement root) => new(
        root.GetProperty("model").GetString()!, root.GetProperty("onnx").GetString()!, root.GetProperty("accuracy").GetDouble(),
        root.GetProperty("epochs").GetInt32(), root.GetProperty("train_seconds").GetDouble(), root.GetProperty("parameters").GetInt64(),
        root.GetProperty("ops").EnumerateArray().Select(o => o.GetString()!).ToArray(), LeNetSetup.PeerVersions(root));

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
