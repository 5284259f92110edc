// Compares the two sparse encodings of OnnxModel.Compact (a Constant node with sparse_value, or a
// graph.sparse_initializer entry) with the dense file: bytes, Compact() time, ONNX Runtime session creation from
// the file, the first inference on a new session and a warm one, and whether the outputs equal the dense model's.
//
//   dotnet run --project benchmarks/CompactEncoding -c Release [-- --repeats N] [--large-repeats N] [--skip-large]
//
// Prints a Markdown section on stdout (progress goes to stderr).
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

int repeats = 21, largeRepeats = 9;
bool skipLarge = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--repeats": repeats = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--large-repeats": largeRepeats = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--skip-large": skipLarge = true; break;
        default: Console.Error.WriteLine($"Unknown option '{args[i]}'."); return 2;
    }
}

var cases = new List<(string Name, int[] Sizes, double Zeros, int Batch, int Repeats)>
{
    ("LeNet-300-100 (784-300-100-10), 90 % zeros", [784, 300, 100, 10], 0.9, 1, repeats),
    ("LeNet-300-100 (784-300-100-10), 50 % zeros", [784, 300, 100, 10], 0.5, 1, repeats),
};
if (!skipLarge) cases.Add(("3 x 4096x4096, 90 % zeros", [4096, 4096, 4096, 4096], 0.9, 1, largeRepeats));

string folder = Path.Combine(Path.GetTempPath(), $"compact-encoding-{Environment.ProcessId}");
Directory.CreateDirectory(folder);
var rows = new List<string>();
try
{
    foreach (var (name, sizes, zeros, batch, caseRepeats) in cases)
    {
        Console.Error.WriteLine($"{name}: building");
        var dense = Mlp(sizes, zeros, seed: 1);
        var input = new float[batch * sizes[0]];
        var random = new Random(2);
        for (int i = 0; i < input.Length; i++) input[i] = (float)random.NextDouble();

        // Compact timings alternate between the encodings, then the timed loads are interleaved (one round over
        // the three files per repeat, the order rotating), so drift from other work on the machine hits all alike.
        var variants = new List<Variant>();
        foreach (var encoding in new SparseEncoding?[] { null, SparseEncoding.ConstantNode, SparseEncoding.SparseInitializer })
            variants.Add(new Variant(encoding, Path.Combine(folder, $"{encoding?.ToString() ?? "dense"}.onnx")));
        var models = variants.ToDictionary(v => v.Label, _ => dense);
        for (int r = -1; r < caseRepeats; r++) // r = -1: untimed warm-up (JIT)
        {
            Console.Error.WriteLine($"{name}: Compact, repeat {r + 1} of {caseRepeats}");
            foreach (var variant in r % 2 == 0 ? variants.AsEnumerable().Reverse() : variants)
            {
                if (variant.Encoding is not SparseEncoding e) continue;
                var copy = dense.Clone();
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var watch = Stopwatch.StartNew();
                variant.Converted = copy.Compact(e);
                if (r >= 0) variant.CompactMs.Add(watch.Elapsed.TotalMilliseconds);
                models[variant.Label] = copy;
            }
        }
        foreach (var variant in variants)
        {
            models[variant.Label].Save(variant.Path);
            variant.Bytes = new FileInfo(variant.Path).Length;
        }
        models.Clear();

        for (int r = -1; r < caseRepeats; r++) // r = -1: untimed warm-up (page cache, JIT, native library)
        {
            Console.Error.WriteLine($"{name}: repeat {r + 1} of {caseRepeats}");
            for (int v = 0; v < variants.Count; v++)
            {
                var variant = variants[(v + r + 1) % variants.Count];
                GC.Collect();
                GC.WaitForPendingFinalizers();
                var watch = Stopwatch.StartNew();
                using var session = new InferenceSession(variant.Path);
                double createMs = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                variant.Output = Score(session, input, sizes[0]);
                double firstMs = watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                const int warmRuns = 5;
                for (int w = 0; w < warmRuns; w++) Score(session, input, sizes[0]);
                double warmMs = watch.Elapsed.TotalMilliseconds / warmRuns;
                if (r < 0) continue;
                variant.SessionMs.Add(createMs);
                variant.FirstRunMs.Add(firstMs);
                variant.WarmRunMs.Add(warmMs);
            }
        }

        var reference = variants[0];
        foreach (var variant in variants)
        {
            bool same = variant.Output.AsSpan().SequenceEqual(reference.Output);
            rows.Add($"| {name} | {variant.Label} | {variant.Converted} | {variant.Bytes:N0} | {100.0 * variant.Bytes / reference.Bytes:F1} % | " +
                     $"{(variant.CompactMs.Count > 0 ? Median(variant.CompactMs) : "–")} | {Median(variant.SessionMs)} | {Median(variant.FirstRunMs)} | " +
                     $"{Median(variant.WarmRunMs)} | {(same ? "yes" : "**no**")} |");
            File.Delete(variant.Path);
        }
    }
}
finally
{
    Directory.Delete(folder, recursive: true);
}

string cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
Console.WriteLine("## compact-encoding: Constant node vs sparse_initializer in ONNX Runtime");
Console.WriteLine();
Console.WriteLine($"- Machine: {cpu}, {Environment.ProcessorCount} cores; .NET {Environment.Version}; ONNX Runtime {OrtEnv.Instance().GetVersionString()} (default session options)");
Console.WriteLine($"- Repeats: {repeats} per LeNet row, {largeRepeats} per 4096 row, after one untimed warm-up, the three files of a model loaded");
Console.WriteLine("  in turn (rotating order) in each repeat; each time cell is median (min–max) in ms");
Console.WriteLine();
Console.WriteLine("Models: Gemm (transB = 1) + Relu layers, weights uniform in ±[0.1, 1.1) with exactly the stated share of zeros per");
Console.WriteLine("weight (random positions), biases dense. *session* = `new InferenceSession(path)` on the saved file (warm page cache);");
Console.WriteLine("*first run* = the first `Run` on that session, one row; *warm run* = mean of the next 5 runs; *same output* = bit-identical");
Console.WriteLine("to the dense model's output; *Compact* = `OnnxModel.Compact(encoding)` on an in-memory copy (the two encodings");
Console.WriteLine("alternate, after a GC).");
Console.WriteLine();
Console.WriteLine("| model | encoding | weights converted | file bytes | vs dense | Compact ms | session ms | first run ms | warm run ms | same output |");
Console.WriteLine("|:--|:--|--:|--:|--:|--:|--:|--:|--:|:--|");
foreach (string row in rows) Console.WriteLine(row);
return 0;

static float[] Score(InferenceSession session, float[] input, int features)
{
    using var results = session.Run([NamedOnnxValue.CreateFromTensor("X", new DenseTensor<float>(input, [input.Length / features, features]))]);
    return results.Single().AsEnumerable<float>().ToArray();
}

static string Median(List<double> values)
{
    var sorted = values.Order().ToList();
    double median = sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    return $"{Format(median)} ({Format(sorted[0])}–{Format(sorted[^1])})";

    static string Format(double ms) => ms >= 100 ? ms.ToString("F0", CultureInfo.InvariantCulture) : ms.ToString("F2", CultureInfo.InvariantCulture);
}

// X[N, sizes[0]] → (Gemm transB = 1 → Relu)* → Gemm → Y, opset 13, IR 8.
static OnnxModel Mlp(int[] sizes, double zeroFraction, int seed)
{
    var random = new Random(seed);
    var graph = new GraphProto { Name = "mlp" };
    graph.Input.Add(FloatValue("X", sizes[0]));
    string input = "X";
    for (int k = 1; k < sizes.Length; k++)
    {
        bool last = k == sizes.Length - 1;
        string weight = $"fc{k}.weight", bias = $"fc{k}.bias", z = last ? "Y" : $"z{k}";
        graph.Initializer.Add(OnnxTensor.FromFloats(weight, RandomValues(random, sizes[k] * sizes[k - 1], zeroFraction), [sizes[k], sizes[k - 1]]));
        graph.Initializer.Add(OnnxTensor.FromFloats(bias, RandomValues(random, sizes[k], 0), [sizes[k]]));
        var gemm = new NodeProto { OpType = "Gemm", Name = $"fc{k}", Input = { input, weight, bias }, Output = { z } };
        gemm.Attribute.Add(new AttributeProto { Name = "transB", Type = AttributeProto.Types.AttributeType.Int, I = 1 });
        graph.Node.Add(gemm);
        if (!last) graph.Node.Add(new NodeProto { OpType = "Relu", Name = $"relu{k}", Input = { z }, Output = { $"h{k}" } });
        input = $"h{k}";
    }
    graph.Output.Add(FloatValue("Y", sizes[^1]));
    var proto = new ModelProto { IrVersion = 8, ProducerName = "CompactEncoding benchmark", Graph = graph };
    proto.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
    return OnnxModel.FromProto(proto);
}

static float[] RandomValues(Random random, int count, double zeroFraction)
{
    var values = new float[count];
    for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() + 0.1) * (random.Next(2) == 0 ? 1 : -1);
    int[] order = Enumerable.Range(0, count).ToArray();
    random.Shuffle(order);
    for (int i = 0; i < (int)Math.Round(count * zeroFraction); i++) values[order[i]] = 0f;
    return values;
}

static ValueInfoProto FloatValue(string name, long features)
{
    var shape = new TensorShapeProto();
    shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
    shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
    return new ValueInfoProto
    {
        Name = name,
        Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
    };
}

sealed class Variant(SparseEncoding? encoding, string path)
{
    public SparseEncoding? Encoding { get; } = encoding;
    public string Label { get; } = encoding?.ToString() ?? "dense";
    public string Path { get; } = path;
    public int Converted { get; set; }
    public long Bytes { get; set; }
    public float[] Output { get; set; } = [];
    public List<double> CompactMs { get; } = [];
    public List<double> SessionMs { get; } = [];
    public List<double> FirstRunMs { get; } = [];
    public List<double> WarmRunMs { get; } = [];
}
