using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli.Commands;

/// <summary>
/// <c>ml-prune prune model.onnx --method … --sparsity … -o out.onnx</c>: any estimator on an ONNX file with data from a CSV/TSV
/// file or an image folder (or no data: one-shot magnitude), the compact file written atomically, the per-layer report printed.
/// </summary>
internal static class PruneCommand
{
    /// <summary>What <c>prune --json</c> prints; <c>Details</c> is the library's whole report as text (fine-tuning, reconstruction, structured…).</summary>
    internal sealed record PruneResult(string Input, string Output, string Method, double Sparsity, long Parameters, long NonZeros,
        long DenseBytes, long CompactBytes, long WrittenBytes, double Seconds, IReadOnlyList<LayerRow> Layers, string? Details);

    public static System.CommandLine.Command Create(CliConsole console)
    {
        var model = new Argument<string>("model") { Description = "The .onnx file to prune (only read)." };
        var output = new Option<string>("--output", "-o") { Description = "Where the compact pruned .onnx is written (atomically).", Required = true };
        var method = new Option<string?>("--method") { Description = PruningMethods.Help };
        var sparsity = new Option<double?>("--sparsity") { Description = "Fraction pruned, in [0, 1) (default 0.5, or the --options file's)." };
        var granularity = new Option<PruningGranularity?>("--granularity") { Description = "Unstructured (default), Neuron, Channel, Head or NM." };
        var scope = new Option<PruningScope?>("--scope") { Description = "Global (one threshold, default) or Layer (each layer to the target)." };
        var data = CommonOptions.Data();
        var label = CommonOptions.Label();
        var input = CommonOptions.InputColumn();
        var outputs = CommonOptions.OutputColumns();
        var epochs = new Option<int?>("--fine-tune-epochs") { Description = "Fine-tune the pruned model for N epochs on the data's labels (needs the TorchSharp backend)." };
        var optionsFile = new Option<string?>("--options") { Description = "A JSON file of pruning options (\"$method\": magnitude | prune | coordinate-descent | lasso | admm); the other options override it." };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new System.CommandLine.Command("prune", "Prunes an ONNX model and writes the compact file. Without --data only one-shot magnitude pruning runs.")
        {
            model, output, method, sparsity, granularity, scope, data, label, input, outputs, epochs, optionsFile, seed, json,
        };
        CommandAction.Set(command, console, parse =>
        {
            string modelPath = Path.GetFullPath(parse.GetValue(model)!);
            string outputPath = Path.GetFullPath(parse.GetValue(output)!);
            if (string.Equals(modelPath, outputPath, StringComparison.Ordinal))
                throw new ArgumentException($"--output '{outputPath}' is the input model; choose another path.", "--output");
            string labelColumn = parse.GetValue(label)!;
            var onnx = OnnxModel.Load(modelPath);
            var columns = ModelColumns.Resolve(onnx, modelPath, parse.GetValue(input), parse.GetValue(outputs));

            var options = PruningMethods.Create(parse.GetValue(method), parse.GetValue(optionsFile), labelColumn);
            options.ModelPath = modelPath;
            options.Model = null;
            if (options.InputColumnNames.Length == 0 || parse.GetValue(input) is not null) options.InputColumnNames = [columns.Input];
            if (options.OutputColumnNames.Length == 0 || parse.GetValue(outputs) is { Length: > 0 }) options.OutputColumnNames = columns.Outputs;
            if (parse.GetValue(sparsity) is double s) options.Sparsity = s;
            if (parse.GetValue(granularity) is PruningGranularity g) options.Granularity = g;
            if (parse.GetValue(scope) is PruningScope sc) options.Scope = sc;
            if (parse.GetValue(epochs) is int n)
            {
                if (n < 0) throw new ArgumentException($"--fine-tune-epochs must be at least 0; got {n}.", "--fine-tune-epochs");
                options.FineTune = n == 0 ? null : (options.FineTune ?? new FineTuneOptions { LabelColumnName = labelColumn });
                if (options.FineTune is not null) options.FineTune.Epochs = n;
            }
            options.Seed ??= parse.GetValue(seed);

            var ml = new MLContext(parse.GetValue(seed));
            string? dataPath = parse.GetValue(data);
            CommandRows rows;
            if (dataPath is null)
            {
                if (PruningMethods.Name(options) != PruningMethods.Magnitude || options.FineTune is not null)
                    throw new ArgumentException($"--method {PruningMethods.Name(options)}{(options.FineTune is null ? "" : " with fine-tuning")} needs data: give --data (a .csv/.tsv file or an image folder). Without data only one-shot magnitude pruning runs.", "--data");
                rows = CommandData.Empty(ml, modelPath, columns);
            }
            else
            {
                bool labels = options.FineTune is not null || options is LassoPruningOptions or AdmmPruningOptions || parse.GetResult(label) is { Implicit: false };
                rows = CommandData.Load(ml, dataPath, "--data", modelPath, columns, labelColumn, labels, LabelKind.Auto);
            }

            bool asJson = parse.GetValue(json);
            var pruned = LongStep.Run(console.ProgressConsole(asJson), $"Pruning {Path.GetFileName(modelPath)} ({PruningMethods.Name(options)})",
                () => PruningMethods.Estimator(ml, options).Fit(rows.Data));
            pruned.SaveOnnx(outputPath);

            var report = pruned.Report;
            var layers = report.Layers.Select(l => new LayerRow(l.Name, null, null, l.Shape, l.Parameters, l.NonZeros, l.Sparsity, null)).ToList();
            var result = new PruneResult(modelPath, outputPath, PruningMethods.Name(options), report.Sparsity, report.TotalParameters, report.TotalNonZeros,
                report.DenseBytes, report.CompactBytes, new FileInfo(outputPath).Length, report.Elapsed.TotalSeconds, layers, report.ToString());
            if (asJson)
            {
                CliJson.Print(console, result);
            }
            else
            {
                if (report.Method is not null) console.Output.WriteLine(report.Method);
                foreach (var run in report.FineTuning) console.Output.WriteLine($"fine-tune: {run}");
                LayerTable.Render(console.Out, $"{Path.GetFileName(modelPath)} pruned ({result.Method})", layers);
                foreach (var layer in report.Reconstruction)
                    console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reconstruction {layer.Name}: relative error {layer.RelativeError:G4}, lambda {layer.Lambda:G4}"));
                foreach (object? part in new object?[] { report.SparseTraining, report.Admm, report.Structured })
                    if (part is not null) console.Output.WriteLine(part.ToString());
                console.Output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"wrote {outputPath}: {result.WrittenBytes:N0} bytes (dense {result.DenseBytes:N0}, {(double)result.WrittenBytes / Math.Max(1, result.DenseBytes):P1}); pruned in {result.Seconds:F2} s"));
            }
            return ExitCodes.Success;
        });
        return command;
    }
}
