using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Spectre.Console;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>One prunable weight of a model, as <c>report</c> and <c>prune</c> print it.</summary>
/// <param name="Name">The weight (initializer) name.</param>
/// <param name="Node">The layer node that multiplies by it; null when the source does not say.</param>
/// <param name="OpType">Gemm, MatMul or Conv; null when the source does not say.</param>
/// <param name="Shape">The weight's dimensions.</param>
/// <param name="Parameters">Its elements.</param>
/// <param name="NonZeros">Of those, not exactly zero.</param>
/// <param name="Sparsity">The share that is zero.</param>
/// <param name="Macs">Multiply-accumulates of its node for one row; null when shapes could not be inferred.</param>
internal sealed record LayerRow(string Name, string? Node, string? OpType, long[] Shape, long Parameters, long NonZeros, double Sparsity, long? Macs);

/// <summary>The per-layer table of a model on the console (Spectre), with a total row.</summary>
internal static class LayerTable
{
    /// <summary>Writes <paramref name="rows"/> as a table titled <paramref name="title"/>.</summary>
    public static void Render(IAnsiConsole console, string title, IReadOnlyList<LayerRow> rows)
    {
        var c = CultureInfo.InvariantCulture;
        bool nodes = rows.Any(r => r.Node is not null);
        bool macs = rows.Any(r => r.Macs is not null);
        var table = new Table().Title(Markup.Escape(title)).Border(TableBorder.Simple);
        table.AddColumn("layer");
        if (nodes) table.AddColumn("node");
        table.AddColumn("shape");
        table.AddColumn(new TableColumn("parameters").RightAligned());
        table.AddColumn(new TableColumn("non-zeros").RightAligned());
        table.AddColumn(new TableColumn("sparsity").RightAligned());
        if (macs) table.AddColumn(new TableColumn("MACs").RightAligned());
        foreach (var row in rows)
        {
            var cells = new List<string> { Markup.Escape(row.Name) };
            if (nodes) cells.Add(Markup.Escape($"{row.Node} ({row.OpType})"));
            cells.Add(string.Join("x", row.Shape));
            cells.Add(row.Parameters.ToString("N0", c));
            cells.Add(row.NonZeros.ToString("N0", c));
            cells.Add(row.Sparsity.ToString("P1", c));
            if (macs) cells.Add(row.Macs?.ToString("N0", c) ?? "-");
            table.AddRow([.. cells]);
        }
        long parameters = rows.Sum(r => r.Parameters), nonZeros = rows.Sum(r => r.NonZeros);
        var total = new List<string> { "total" };
        if (nodes) total.Add("");
        total.Add("");
        total.Add(parameters.ToString("N0", c));
        total.Add(nonZeros.ToString("N0", c));
        total.Add((parameters == 0 ? 0 : 1 - (double)nonZeros / parameters).ToString("P1", c));
        if (macs) total.Add(rows.Sum(r => r.Macs ?? 0).ToString("N0", c));
        table.AddRow([.. total]);
        console.Write(table);
    }
}
