using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>A GitHub-flavoured Markdown table: cells escaped (pipes, line breaks), numeric columns right-aligned.</summary>
internal sealed class MarkdownTable
{
    private readonly string[] header;
    private readonly bool[] rightAligned;
    private readonly List<string[]> rows = [];

    public MarkdownTable(params (string Name, bool RightAligned)[] columns)
    {
        header = [.. columns.Select(c => c.Name)];
        rightAligned = [.. columns.Select(c => c.RightAligned)];
    }

    /// <summary>Rows added so far.</summary>
    public int Count => rows.Count;

    /// <summary>Adds a row of exactly one cell per column.</summary>
    public void Add(params string[] cells)
    {
        if (cells.Length != header.Length)
            throw new System.ArgumentException($"A row of this table has {header.Length} cells; got {cells.Length}.", nameof(cells));
        rows.Add(cells);
    }

    /// <summary>Appends the table (header, alignment row, rows) and a blank line.</summary>
    public void AppendTo(StringBuilder sb)
    {
        sb.Append('|').AppendJoin('|', header.Select(h => $" {Escape(h)} ")).AppendLine("|");
        sb.Append('|').AppendJoin('|', rightAligned.Select(r => r ? " ---: " : " --- ")).AppendLine("|");
        foreach (var row in rows)
            sb.Append('|').AppendJoin('|', row.Select(c => $" {Escape(c)} ")).AppendLine("|");
        sb.AppendLine();
    }

    /// <summary>Text safe inside a cell.</summary>
    public static string Escape(string text) =>
        text.Replace("\\", "\\\\", System.StringComparison.Ordinal).Replace("|", "\\|", System.StringComparison.Ordinal)
            .Replace("\r", "", System.StringComparison.Ordinal).Replace("\n", " ", System.StringComparison.Ordinal);
}
