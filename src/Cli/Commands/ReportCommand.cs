using System;
using System.Collections.Generic;
using System.CommandLine;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli.Commands;

/// <summary><c>ml-prune report model.onnx</c>: the per-layer table of any ONNX file (prunable weights, sparsity, MACs, bytes).</summary>
internal static class ReportCommand
{
    /// <summary>What <c>report --json</c> prints.</summary>
    internal sealed record ModelReport(string File, long Bytes, IReadOnlyList<LayerRow> Layers, long Parameters, long NonZeros, double Sparsity, long? Macs, string? MacsNote);

    public static System.CommandLine.Command Create(CliConsole console)
    {
        var model = new Argument<string>("model") { Description = "The .onnx file." };
        var json = CommonOptions.Json();
        var command = new System.CommandLine.Command("report", "Per-layer table of an ONNX file: prunable weights (shape, parameters, non-zeros, sparsity), MACs per row when shapes infer, file bytes.")
        {
            model, json,
        };
        CommandAction.Set(command, console, parse =>
        {
            var report = Inspect(parse.GetValue(model)!);
            if (parse.GetValue(json))
            {
                CliJson.Print(console, report);
            }
            else
            {
                LayerTable.Render(console.Out, $"{report.File}: {report.Bytes:N0} bytes", report.Layers);
                if (report.MacsNote is not null) console.Output.WriteLine($"MACs not computed: {report.MacsNote}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The report of the file at <paramref name="path"/>.</summary>
    internal static ModelReport Inspect(string path)
    {
        var model = OnnxModel.Load(path);
        var weights = model.GetPrunableWeights();
        var (costs, note) = Costs(model);
        var reader = model.Clone(); // GetInitializer turns a sparse Constant into an initializer: read from a copy
        var rows = weights.Select(w =>
        {
            var tensor = reader.GetInitializer(w.Name);
            var layer = LayerSparsity.Compute(w.Name, [.. tensor.Dims], OnnxTensor.ToFloatArray(tensor));
            long? macs = costs is null ? null : costs.TryGetValue(w.NodeName, out long m) ? m : null;
            return new LayerRow(w.Name, w.NodeName, w.OpType, layer.Shape, layer.Parameters, layer.NonZeros, layer.Sparsity, macs);
        }).ToList();
        long parameters = rows.Sum(r => r.Parameters), nonZeros = rows.Sum(r => r.NonZeros);
        return new ModelReport(Path.GetFullPath(path), new FileInfo(path).Length, rows, parameters, nonZeros,
            parameters == 0 ? 0 : 1 - (double)nonZeros / parameters, costs?.Values.Sum(), note);
    }

    /// <summary>MACs per layer node at batch 1 (ValueShapes + ModelCost), or why they could not be had.</summary>
    private static (Dictionary<string, long>? Costs, string? Note) Costs(OnnxModel model)
    {
        try
        {
            var cost = ModelCost.Measure(model, ValueShapes.Infer(model, null, batch: 1));
            var byNode = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var layer in cost.Layers) byNode[layer.Node] = layer.Macs;
            return (byNode, null);
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or ArgumentException or InvalidDataException)
        {
            return (null, CommandFailure.Message(ex));
        }
    }
}
