using System;
using System.Collections.Generic;
using System.CommandLine;
using System.Globalization;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli.Commands;

/// <summary><c>ml-prune verify a.onnx b.onnx</c>: both models on the same inputs, the largest difference per output; exit 1 above the tolerance.</summary>
internal static class VerifyCommand
{
    /// <summary>What <c>verify --json</c> prints.</summary>
    internal sealed record VerifyResult(string First, string Second, int Rows, string Inputs, double Tolerance, bool WithinTolerance, IReadOnlyList<OutputDifference> Outputs);

    public static System.CommandLine.Command Create(CliConsole console)
    {
        var first = new Argument<string>("a") { Description = "The first .onnx file (e.g. the dense model)." };
        var second = new Argument<string>("b") { Description = "The second .onnx file (e.g. the pruned one)." };
        var data = CommonOptions.Data(what: "Rows to feed (.csv/.tsv or image folder); without it, seeded random inputs.");
        var input = CommonOptions.InputColumn();
        var label = CommonOptions.Label();
        var rows = new Option<int>("--rows") { Description = "Rows to run.", DefaultValueFactory = _ => 64 };
        var tolerance = new Option<double>("--tolerance") { Description = "The largest allowed |a − b| of any output element.", DefaultValueFactory = _ => 1e-4 };
        var seed = CommonOptions.Seed();
        var json = CommonOptions.Json();
        var command = new System.CommandLine.Command("verify", "Runs two models on the same inputs and prints the largest difference per output; exit code 0 when every output is within --tolerance, 1 when not.")
        {
            first, second, data, input, label, rows, tolerance, seed, json,
        };
        CommandAction.Set(command, console, parse =>
        {
            int rowCount = parse.GetValue(rows);
            if (rowCount < 1) throw new ArgumentException($"--rows must be at least 1; got {rowCount}.", "--rows");
            double limit = parse.GetValue(tolerance);
            if (!(limit >= 0)) throw new ArgumentException($"--tolerance must be a number at least 0; got {limit}.", "--tolerance");
            string pathA = Path.GetFullPath(parse.GetValue(first)!), pathB = Path.GetFullPath(parse.GetValue(second)!);
            var modelA = OnnxModel.Load(pathA);
            var modelB = OnnxModel.Load(pathB);
            float[][]? features = null;
            ModelColumns? columns = null;
            string? dataPath = parse.GetValue(data);
            if (dataPath is not null)
            {
                columns = ModelColumns.Resolve(modelA, pathA, parse.GetValue(input), null);
                features = CommandData.Load(new MLContext(1), dataPath, "--data", pathA, columns, parse.GetValue(label)!, labelRequired: false, LabelKind.None).Features;
                rowCount = Math.Min(rowCount, features.Length);
            }
            var outputs = ModelComparison.Compare(modelA.ToBytes(), modelB.ToBytes(), rowCount, features, columns?.Input, columns?.RowShape, limit, parse.GetValue(seed));
            var result = new VerifyResult(pathA, pathB, rowCount, dataPath ?? "random", limit, outputs.All(o => o.WithinTolerance), outputs);
            if (parse.GetValue(json))
            {
                CliJson.Print(console, result);
            }
            else
            {
                var c = CultureInfo.InvariantCulture;
                var table = new Table().Border(TableBorder.Simple).Title(Markup.Escape($"{rowCount} rows ({result.Inputs}), tolerance {limit.ToString("G3", c)}"));
                table.AddColumn("output");
                table.AddColumn(new TableColumn("max |a − b|").RightAligned());
                table.AddColumn(new TableColumn("max |a|").RightAligned());
                table.AddColumn("within");
                foreach (var o in outputs)
                    table.AddRow(Markup.Escape(o.Output), o.MaxAbsDifference.ToString("G4", c), o.LargestValue.ToString("G4", c), Markup.Escape(o.WithinTolerance ? "yes" : o.Note ?? "no"));
                console.Out.Write(table);
                console.Output.WriteLine(result.WithinTolerance ? "the models agree within the tolerance" : "the models differ by more than the tolerance");
            }
            return result.WithinTolerance ? ExitCodes.Success : ExitCodes.NotMet;
        });
        return command;
    }
}
