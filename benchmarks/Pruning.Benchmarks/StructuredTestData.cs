using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// structured, part testdata: every model of ONNX's pytorch-converted backend tests (libonnx-testdata) with a Conv, Gemm or
/// MatMul, pruned at 30 % (Channel for convolutions, Neuron otherwise, outputs allowed to shrink since each model is one
/// layer whose output is the graph output). Each either shrinks (the estimator verifies the written file itself; here ONNX
/// Runtime also loads and runs it) or stays dense with the reason; an exception is reported as a break.
/// </summary>
internal static class StructuredTestData
{
    public const string DefaultRoot = "/usr/share/libonnx-testdata/data/pytorch-converted";

    private static readonly string[] WeightOps = ["Conv", "Gemm", "MatMul"];

    public sealed record Options(string Root, double Fraction, int Rows);

    private sealed record Outcome(string Model, string Granularity, long Before, long After, string Status);

    private sealed class Row
    {
        public float[] Values { get; set; } = [];
    }

    public static Options Parse(BenchmarkArguments args) => new(
        Root: args.String("testdata", DefaultRoot),
        Fraction: args.Fractions("testdata-fraction", [0.3]).Single(),
        Rows: args.Int("testdata-rows", 16));

    public static string Run(StructuredBenchmark.Settings s, Options o)
    {
        if (!Directory.Exists(o.Root))
            throw new DirectoryNotFoundException($"'{o.Root}' does not exist: install Debian's libonnx-testdata or pass --testdata.");
        var outcomes = new List<Outcome>();
        int skipped = 0;
        foreach (string folder in Directory.GetDirectories(o.Root).Order(StringComparer.Ordinal))
        {
            string path = Path.Combine(folder, "model.onnx");
            if (!File.Exists(path)) continue;
            byte[] bytes = File.ReadAllBytes(path);
            var proto = ModelProto.Parser.ParseFrom(bytes);
            var ops = proto.Graph.Node.Select(n => n.OpType).ToHashSet(StringComparer.Ordinal);
            if (!WeightOps.Any(ops.Contains)) { skipped++; continue; }
            outcomes.Add(Prune(Path.GetFileName(folder), folder, bytes, proto, ops.Contains("Conv") ? PruningGranularity.Channel : PruningGranularity.Neuron, o, s));
            Format.Progress($"testdata: {outcomes[^1].Model}: {outcomes[^1].Status}");
        }

        var table = new MarkdownTable("model", "granularity", "parameters before", "after", "status");
        foreach (var r in outcomes)
            table.Add(r.Model, r.Granularity, $"{r.Before:N0}", $"{r.After:N0}", r.Status);
        int shrunk = outcomes.Count(r => r.Status.StartsWith("shrunk", StringComparison.Ordinal));
        int broke = outcomes.Count(r => r.Status.StartsWith("BROKE", StringComparison.Ordinal));
        int unrunnable = outcomes.Count(r => r.Status.StartsWith("not runnable", StringComparison.Ordinal));
        int dense = outcomes.Count - shrunk - broke - unrunnable;

        var text = new StringBuilder();
        text.AppendLine($"### testdata: ONNX's pytorch-converted models, {o.Fraction:P0} structured");
        text.AppendLine();
        text.AppendLine($"Every model in `{o.Root}` with a Conv, Gemm or MatMul ({outcomes.Count} of {outcomes.Count + skipped}), pruned by " +
            $"`ml.Pruning().Prune(new PruneOptions {{ Criterion = \"magnitude-l2\", Sparsity = {o.Fraction}, Granularity = Channel (models with a Conv) or " +
            "Neuron (the others), Structured = new StructuredOptions { PruneOutputs = true } })` on " +
            $"{o.Rows} rows (the test's own input rows, then seeded random ones). Each model is a single PyTorch module whose output is the graph " +
            "output, so `PruneOutputs` is what lets anything be removed. *Shrunk*: the Fit succeeded (it verifies the written file in ONNX Runtime " +
            "against the pruned model itself) and the written file has fewer parameters; ONNX Runtime then loads and runs it on the test's input " +
            "(output shape shown). *Left dense*: the Fit succeeded and removed nothing (reason given). *BROKE*: the Fit or ONNX Runtime failed.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.AppendLine();
        text.AppendLine($"- {shrunk} shrunk, {dense} left dense, {broke} broke{(unrunnable > 0 ? $", {unrunnable} that ONNX Runtime {OnnxRuntimeVersion()} cannot load dense (not counted)" : "")} → " +
            $"**{(broke == 0 ? "met" : "MISSED")}** (target: none breaks).");
        return text.ToString();
    }

    private static Outcome Prune(string name, string folder, byte[] bytes, ModelProto proto, PruningGranularity granularity, Options o, StructuredBenchmark.Settings s)
    {
        long before = ModelSize.Parameters(bytes);
        try
        {
            using var dense = new InferenceSession(bytes);
        }
        catch (OnnxRuntimeException e)
        {
            // Nothing can score such a file here (neither ML.NET's scorer nor the estimator's checks): not a pruning outcome.
            return new Outcome(name, granularity.ToString(), before, before, $"not runnable: ONNX Runtime cannot load the dense file either ({Shorten(e.Message)})");
        }
        var initializers = proto.Graph.Initializer.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var inputs = proto.Graph.Input.Where(i => !initializers.Contains(i.Name)).ToList();
        if (inputs.Count != 1)
            return new Outcome(name, granularity.ToString(), before, before, $"left dense: not pruned here, {inputs.Count} data inputs (the benchmark feeds one)");
        string input = inputs[0].Name;
        long[] shape = [.. inputs[0].Type.TensorType.Shape.Dim.Select(d => d.DimValue)];
        int rowSize = (int)shape.Skip(1).Aggregate(1L, (a, d) => a * d);
        var given = OnnxTensor.ToFloatArray(TensorProto.Parser.ParseFrom(File.ReadAllBytes(Path.Combine(folder, "test_data_set_0", "input_0.pb"))));
        var random = new Random(s.Seed);
        var rows = new List<Row>();
        for (int r = 0; r < o.Rows; r++)
        {
            var values = new float[rowSize];
            if ((r + 1) * rowSize <= given.Length) Array.Copy(given, r * rowSize, values, 0, rowSize);
            else for (int i = 0; i < rowSize; i++) values[i] = 2 * random.NextSingle() - 1;
            rows.Add(new Row { Values = values });
        }
        var ml = new MLContext(seed: s.Seed);
        var schema = SchemaDefinition.Create(typeof(Row));
        schema[nameof(Row.Values)].ColumnName = input;
        schema[input].ColumnType = new VectorDataViewType(NumberDataViewType.Single, rowSize);
        var data = ml.Data.LoadFromEnumerable(rows, schema);

        try
        {
            var pruned = ml.Pruning().Prune(new PruneOptions
            {
                Model = OnnxModel.Load(bytes),
                InputColumnNames = [input],
                OutputColumnNames = [.. proto.Graph.Output.Select(v => v.Name)],
                Criterion = "magnitude-l2",
                Granularity = granularity,
                Sparsity = o.Fraction,
                Scope = PruningScope.Layer,
                CalibrationRows = o.Rows,
                Seed = s.Seed,
                Structured = new StructuredOptions { PruneOutputs = true, VerifyRows = o.Rows },
            }).Fit(data);
            byte[] compact = pruned.CompactOnnx.ToArray();
            long after = ModelSize.Parameters(compact);
            var report = pruned.Report.Structured!;
            string whole = report.Unprunable.Count == 0 ? "" : $"; left whole: {Shorten(string.Join("; ", report.Unprunable.Select(u => $"{u.Layer}: {u.Reason}")))}";
            if (after >= before)
                return new Outcome(name, granularity.ToString(), before, after, $"left dense: nothing removed{whole}");
            string outputShape = RunOnce(compact, input, given, shape);
            return new Outcome(name, granularity.ToString(), before, after,
                $"shrunk, verified on {report.Verification?.Rows ?? 0} rows (max rel. diff {report.Verification?.MaxRelativeDifference ?? double.NaN:G2}); ORT output {outputShape}{whole}");
        }
        catch (InvalidOperationException e) when (e.Message.Contains("can be pruned", StringComparison.Ordinal) || e.Message.Contains("no prunable weights", StringComparison.Ordinal))
        {
            // Refused when the estimator is built, naming why: nothing is written, the model stays as it is.
            return new Outcome(name, granularity.ToString(), before, before, $"left dense (refused): {Shorten(e.Message)}");
        }
        catch (Exception e) when (e is NotSupportedException or InvalidOperationException or InvalidDataException or ArgumentException or OnnxRuntimeException)
        {
            return new Outcome(name, granularity.ToString(), before, before, $"BROKE: {e.GetType().Name}: {Shorten(e.Message)}");
        }
    }

    /// <summary>Runs the written file on the test's input in ONNX Runtime; its first output's shape, e.g. "[2, 3, 5, 4]".</summary>
    private static string RunOnce(byte[] model, string input, float[] values, long[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var x = OrtValue.CreateTensorValueFromMemory(values, shape);
        using var run = new RunOptions();
        using var outputs = session.Run(run, [input], [x], [session.OutputNames[0]]);
        return $"[{string.Join(", ", outputs[0].GetTensorTypeAndShape().Shape)}]";
    }

    private static string Shorten(string message)
    {
        string line = message.ReplaceLineEndings(" ").Replace("|", "\\|", StringComparison.Ordinal);
        return line.Length <= 160 ? line : line[..157] + "...";
    }

    private static string OnnxRuntimeVersion() =>
        typeof(InferenceSession).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false)
            .OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion.Split('+')[0] ?? "";
}
