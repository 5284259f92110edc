using System;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Sweeps;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli.Commands;

/// <summary>
/// <c>ml-prune sensitivity model.onnx --data … --validation … --metric accuracy --sparsities 0.3,0.5,0.7,0.9</c>: each layer pruned
/// alone at each sparsity (<c>mlContext.Pruning().Sensitivity</c>), the metric table, the result as JSON for a sweep.
/// </summary>
internal static class SensitivityCommand
{
    public static System.CommandLine.Command Create(CliConsole console)
    {
        var model = new Argument<string>("model") { Description = "The .onnx file (only read)." };
        var data = CommonOptions.Data(what: "Calibration rows (.csv/.tsv or image folder).");
        data.Required = true;
        var validation = CommonOptions.Data("--validation", "Rows the metric is measured on (.csv/.tsv or image folder).");
        validation.Required = true;
        var metric = new Option<string>("--metric") { Description = "What is measured on the validation rows.", DefaultValueFactory = _ => "accuracy" };
        metric.AcceptOnlyFromAmong(SweepInputs.MetricNames);
        var sparsities = new Option<string>("--sparsities") { Description = "Sparsities each layer is tried at, comma-separated.", DefaultValueFactory = _ => "0.3,0.5,0.7,0.9" };
        var method = new Option<string?>("--method") { Description = PruningMethods.Help };
        var granularity = new Option<PruningGranularity?>("--granularity") { Description = "Unstructured (default), Neuron, Channel, Head or NM." };
        var optionsFile = new Option<string?>("--options") { Description = "A JSON file of the base pruning options (\"$method\" first)." };
        var layers = new Option<string?>("--layers") { Description = "Only these layers (weight names, comma-separated); default every prunable layer." };
        var label = CommonOptions.Label();
        var input = CommonOptions.InputColumn();
        var outputs = CommonOptions.OutputColumns();
        var output = new Option<string?>("--output", "-o") { Description = "Write the result as JSON here (atomically), for sweep configs (SweepOptions.Sensitivity)." };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new System.CommandLine.Command("sensitivity", "Prunes each layer alone at each sparsity and measures the metric: which layers tolerate pruning.")
        {
            model, data, validation, metric, sparsities, method, granularity, optionsFile, layers, label, input, outputs, output, seed, json,
        };
        PlotHook.AddOptions(command);
        CommandAction.Set(command, console, (parse, cancellationToken) =>
        {
            string labelColumn = parse.GetValue(label)!;
            var options = PruningMethods.Create(parse.GetValue(method), parse.GetValue(optionsFile), labelColumn);
            options.ModelPath = Path.GetFullPath(parse.GetValue(model)!);
            options.Model = null;
            options.Seed ??= parse.GetValue(seed);
            if (parse.GetValue(granularity) is PruningGranularity g) options.Granularity = g;
            var sweepMetric = new SweepMetric { Kind = SweepInputs.MetricKind(parse.GetValue(metric)!) };
            var columns = SweepInputs.Complete(options, sweepMetric, parse.GetValue(input), parse.GetValue(outputs), labelColumn);
            var analysisOptions = new SensitivityOptions
            {
                BaseOptions = options,
                Sparsities = CommonOptions.ParseList(parse.GetValue(sparsities)!, "--sparsities"),
                Metric = sweepMetric,
                Layers = parse.GetValue(layers)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() ?? [],
            };
            var ml = new MLContext(parse.GetValue(seed));
            var (train, valid) = SweepInputs.Load(ml, parse.GetValue(data)!, parse.GetValue(validation)!, options, columns, sweepMetric, labelColumn);
            int layerCount = analysisOptions.Layers.Count > 0 ? analysisOptions.Layers.Count : OnnxModel.Load(options.ModelPath).GetPrunableWeights().Count;
            double total = Math.Max(1, layerCount * analysisOptions.Sparsities.Count);
            bool asJson = parse.GetValue(json);
            var result = ProgressBar.Run(console.ProgressConsole(asJson), "Sensitivity", total, update =>
            {
                int done = 0;
                var progress = new DirectProgress<SensitivityPoint>(p =>
                {
                    done++;
                    update(done, Math.Max(total, done), string.Create(CultureInfo.InvariantCulture, $"Sensitivity: {p.Layer} at {p.Sparsity:P0} → {p.Metric:G4}"));
                });
                return ml.Pruning().Sensitivity(analysisOptions).Analyze(train.Data, valid.Data, progress, cancellationToken);
            });
            if (parse.GetValue(output) is string path) AtomicFile.Write(path, Encoding.UTF8.GetBytes(result.ToJson()));
            if (asJson) console.Output.WriteLine(result.ToJson());
            else Render(console.Out, result);
            PlotHook.Write(parse, console, result);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Layers by sparsity, the metric in each cell, the dense metric in the title.</summary>
    private static void Render(IAnsiConsole console, SensitivityResult result)
    {
        var c = CultureInfo.InvariantCulture;
        double[] sparsities = [.. result.Points.Select(p => p.Sparsity).Distinct().Order()];
        var table = new Table().Border(TableBorder.Simple)
            .Title(Markup.Escape($"{result.MetricName} per layer pruned alone (dense {result.DenseMetric.ToString("G4", c)}; {(result.HigherIsBetter ? "higher" : "lower")} is better)"));
        table.AddColumn("layer");
        table.AddColumn(new TableColumn("parameters").RightAligned());
        foreach (double s in sparsities) table.AddColumn(new TableColumn(s.ToString("P0", c)).RightAligned());
        foreach (string layer in result.Layers)
        {
            var cells = new[] { Markup.Escape(layer), result.LayerParameters.TryGetValue(layer, out long n) ? n.ToString("N0", c) : "-" }
                .Concat(sparsities.Select(s => result.Points.FirstOrDefault(p => p.Layer == layer && p.Sparsity == s)?.Metric.ToString("G4", c) ?? "-"));
            table.AddRow([.. cells]);
        }
        console.Write(table);
    }
}
