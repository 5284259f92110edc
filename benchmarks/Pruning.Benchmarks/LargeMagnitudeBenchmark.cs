using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// magnitude-50m: how much global magnitude pruning of a ≈50M-parameter MLP costs on top of reading and writing
/// the model, through the low-level API and through the ML.NET estimator.
/// </summary>
internal static class LargeMagnitudeBenchmark
{
    private const string Input = "Features";

    private sealed class WideRow
    {
        public float[] Features { get; set; } = [];
    }

    private sealed record Variant(string Label, Func<string, Dictionary<string, double>> Run);

    public static string Run(BenchmarkArguments args)
    {
        int repetitions = args.Int("repetitions", 5, min: 3);
        int width = args.Int("width", 4096);
        int layers = args.Int("hidden-layers", 3);
        double sparsity = args.Fractions("sparsity", [0.9]).Single();
        string? keep = args.OptionalString("folder");
        args.ThrowIfUnknown();

        var folder = keep is null ? Directory.CreateTempSubdirectory("pruning-magnitude-50m-").FullName : Directory.CreateDirectory(keep).FullName;
        try
        {
            return Measure(args, folder, repetitions, width, layers, sparsity);
        }
        finally
        {
            if (keep is null) Directory.Delete(folder, recursive: true);
        }
    }

    private static string Measure(BenchmarkArguments args, string folder, int repetitions, int width, int layers, double sparsity)
    {
        string input = Path.Combine(folder, "mlp.onnx");
        var (parameters, prunable) = Generate(input, width, layers);
        long inputBytes = new FileInfo(input).Length;

        var ml = new MLContext(seed: 1);
        var schema = SchemaDefinition.Create(typeof(WideRow));
        schema[nameof(WideRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, width);
        var random = new Random(2);
        var tiny = ml.Data.LoadFromEnumerable(
            Enumerable.Range(0, 8).Select(_ => new WideRow { Features = Enumerable.Range(0, width).Select(_ => (float)random.NextDouble()).ToArray() }).ToArray(),
            schema);

        var outputs = new Dictionary<string, long>();
        double reportedSparsity = double.NaN;
        byte[]? compact = null;
        var variants = new[]
        {
            new Variant("load + write (baseline)", output =>
            {
                var phases = new Dictionary<string, double>();
                var watch = Stopwatch.StartNew();
                var model = OnnxModel.Load(input);
                phases["load"] = Lap(watch);
                model.Save(output);
                phases["write"] = Lap(watch);
                return phases;
            }),
            new Variant($"load + global magnitude {sparsity:P0} + compact + write (OnnxModel, MaskSelector)", output =>
            {
                var phases = new Dictionary<string, double>();
                var watch = Stopwatch.StartNew();
                var model = OnnxModel.Load(input);
                phases["load"] = Lap(watch);
                var weights = model.GetPrunableWeights();
                var values = new float[weights.Count][];
                var layerValues = new LayerValues[weights.Count];
                for (int i = 0; i < weights.Count; i++)
                {
                    values[i] = OnnxTensor.ToFloatArray(model.GetInitializer(weights[i].Name));
                    layerValues[i] = new LayerValues(weights[i].Name, values[i]);
                }
                phases["read weights"] = Lap(watch);
                var masks = MaskSelector.SelectByMagnitude(layerValues, new MaskSelectionOptions { Sparsity = sparsity, Scope = PruningScope.Global });
                phases["select (global threshold)"] = Lap(watch);
                for (int i = 0; i < weights.Count; i++)
                {
                    masks[i].ApplyTo(values[i]);
                    OnnxTensor.SetFloats(model.GetInitializer(weights[i].Name), values[i]);
                }
                phases["apply masks + SetFloats"] = Lap(watch);
                model.Compact();
                phases["compact"] = Lap(watch);
                model.Save(output);
                phases["write"] = Lap(watch);
                return phases;
            }),
            new Variant($"`ml.Pruning().Magnitude(path, …, {sparsity:0.##}, Global).Fit(8 rows)` + `SaveOnnx`", output =>
            {
                var phases = new Dictionary<string, double>();
                var watch = Stopwatch.StartNew();
                var estimator = ml.Pruning().Magnitude(input, ["Score"], [Input], sparsity, PruningScope.Global);
                phases["estimator (loads the model)"] = Lap(watch);
                var pruned = estimator.Fit(tiny);
                phases["Fit (prune, report, compact, ONNX Runtime scorer)"] = Lap(watch);
                pruned.SaveOnnx(output);
                phases["SaveOnnx"] = Lap(watch);
                reportedSparsity = pruned.Report.Sparsity;
                compact = pruned.CompactOnnx.ToArray();
                return phases;
            }),
        };

        var totals = variants.Select(_ => new Samples()).ToArray();
        var peaks = new long[variants.Length];
        var growth = new long[variants.Length];
        var phaseSamples = variants.Select(_ => new Dictionary<string, Samples>()).ToArray();
        var scorerAlone = new Samples();
        var cloneAlone = new Samples();
        var serializeAlone = new Samples();
        var sizeAlone = new Samples();
        bool perRunPeaks = true;
        for (int rep = 0; rep <= repetitions; rep++)
        {
            // Repetition 0 warms up (JIT, page cache); the order rotates so no variant always runs first.
            for (int k = 0; k < variants.Length; k++)
            {
                int v = (k + rep) % variants.Length;
                string output = Path.Combine(folder, $"out-{v}.onnx");
                perRunPeaks &= Machine.ResetPeakMemory();
                long startSet = Machine.WorkingSet();
                var watch = Stopwatch.StartNew();
                var phases = variants[v].Run(output);
                double seconds = watch.Elapsed.TotalSeconds;
                long peak = Machine.PeakWorkingSet();
                outputs[variants[v].Label] = new FileInfo(output).Length;
                File.Delete(output);
                Format.Progress($"{(rep == 0 ? "warm-up" : $"repetition {rep}")}: {variants[v].Label}: {seconds:F2} s, peak {Format.MiB(peak)}");
                if (rep == 0) continue;
                totals[v].Add(seconds);
                peaks[v] = Math.Max(peaks[v], peak);
                growth[v] = Math.Max(growth[v], peak - startSet);
                foreach (var (phase, s) in phases)
                {
                    if (!phaseSamples[v].TryGetValue(phase, out var samples)) phaseSamples[v][phase] = samples = new Samples();
                    samples.Add(s);
                }
                if (v == 2 && compact is not null)
                {
                    // Outside the timed step: how much of Fit is ML.NET building its ONNX Runtime scorer on the compact model.
                    var scorerWatch = Stopwatch.StartNew();
                    ml.Transforms.ApplyOnnxModel(["Score"], [Input], new MemoryStream(compact)).Fit(tiny);
                    scorerAlone.Add(scorerWatch.Elapsed.TotalSeconds);
                    compact = null;

                    // The whole-model copies the estimator makes (clone, serialize), against only computing the size.
                    var model = OnnxModel.Load(input);
                    scorerWatch.Restart();
                    _ = model.Clone();
                    cloneAlone.Add(scorerWatch.Elapsed.TotalSeconds);
                    scorerWatch.Restart();
                    _ = model.ToBytes();
                    serializeAlone.Add(scorerWatch.Elapsed.TotalSeconds);
                    scorerWatch.Restart();
                    _ = model.Proto.CalculateSize();
                    sizeAlone.Add(scorerWatch.Elapsed.TotalSeconds);
                }
            }
        }

        double baseline = totals[0].Median;
        var table = new MarkdownTable("step", "median", "min", "max", "vs baseline", perRunPeaks ? "peak working set" : "peak working set (process)", "peak − start", "file written (bytes)");
        for (int v = 0; v < variants.Length; v++)
        {
            table.Add(variants[v].Label, Format.Seconds(totals[v].Median), Format.Seconds(totals[v].Min), Format.Seconds(totals[v].Max),
                Format.Ratio(totals[v].Median / baseline), Format.MiB(peaks[v]), Format.MiB(growth[v]), Format.Bytes(outputs[variants[v].Label]));
        }
        var breakdown = new MarkdownTable("step", "phase", "median");
        for (int v = 0; v < variants.Length; v++)
            foreach (var (phase, samples) in phaseSamples[v])
                breakdown.Add(v == 0 ? "baseline" : v == 1 ? "OnnxModel + MaskSelector" : "ML.NET estimator", phase, Format.Seconds(samples.Median));
        breakdown.Add("(reference, untimed above)", "`ApplyOnnxModel` on the compact bytes, `.Fit(8 rows)` alone", Format.Seconds(scorerAlone.Median));
        breakdown.Add("(reference, untimed above)", "`OnnxModel.Clone()` of the dense model", Format.Seconds(cloneAlone.Median));
        breakdown.Add("(reference, untimed above)", "`OnnxModel.ToBytes()` of the dense model", Format.Seconds(serializeAlone.Median));
        breakdown.Add("(reference, untimed above)", "`Proto.CalculateSize()` of the dense model", Format.Seconds(sizeAlone.Median));

        var text = new StringBuilder();
        text.AppendLine("## magnitude-50m: pruning cost on a 50M-parameter model");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args));
        text.AppendLine();
        text.AppendLine($"An MLP of {parameters:N0} float parameters ({prunable:N0} in {layers + 1} Gemm weights, transB = 1: " +
            $"{width}-{string.Join("-", Enumerable.Repeat(width, layers))}-10), {inputBytes:N0} bytes, written by `MlpGraphBuilder` to a temporary folder. " +
            $"Median of {repetitions} repetitions after one warm-up; the three steps alternate order each repetition. " +
            "Writes go through `AtomicFile` (temporary file, fsync, rename). " +
            (perRunPeaks
                ? "Peak working set is VmHWM per step (reset through /proc/self/clear_refs after two aggressive GCs and malloc_trim), the maximum over repetitions; " +
                  "*peak − start* subtracts the resident set the step started with (runtime, libraries, memory the GC kept), so it is what the step itself needed."
                : "Peak working set is the process's VmHWM (it could not be reset per step here)."));
        text.AppendLine();
        text.AppendLine(table.ToString());
        text.AppendLine();
        text.AppendLine($"Pruned sparsity reported by the estimator: {reportedSparsity:P2} of the prunable weights.");
        text.AppendLine();
        text.AppendLine("Where the time goes (medians):");
        text.AppendLine();
        text.AppendLine(breakdown.ToString());
        return text.ToString();
    }

    /// <summary>Writes the model to measure; the in-memory copy is dropped before timing starts.</summary>
    private static (long Parameters, long Prunable) Generate(string path, int width, int layers)
    {
        Format.Progress($"Generating a {width}-wide MLP with {layers} hidden layers into {path} ...");
        var model = MlpGraphBuilder.Build(Input, width, Enumerable.Repeat(width, layers).ToArray(), 10, MlpActivation.Relu, MlpHead.Multiclass, seed: 1);
        model.Save(path);
        return (model.Graph.Initializer.Sum(t => OnnxTensor.ElementCount(t)), model.GetPrunableWeights().Sum(w => w.ParameterCount));
    }

    private static double Lap(Stopwatch watch)
    {
        double seconds = watch.Elapsed.TotalSeconds;
        watch.Restart();
        return seconds;
    }
}
