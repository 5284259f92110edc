using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>A markdown table with padded columns; the first column is left-aligned, the others right-aligned.</summary>
internal sealed class MarkdownTable
{
    private readonly string[] _header;
    private readonly List<string[]> _rows = [];

    public MarkdownTable(params string[] header) => _header = header;

    public MarkdownTable Add(params string[] cells)
    {
        if (cells.Length != _header.Length)
            throw new ArgumentException($"The table has {_header.Length} columns; the row has {cells.Length}.", nameof(cells));
        _rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        int[] widths = _header.Select((h, i) => Math.Max(Math.Max(h.Length, 3), _rows.Count == 0 ? 0 : _rows.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder();
        Line(text, _header, widths);
        text.Append('|');
        for (int i = 0; i < widths.Length; i++)
            text.Append(i == 0 ? $":{new string('-', widths[i] + 1)}|" : $"{new string('-', widths[i] + 1)}:|");
        text.AppendLine();
        foreach (var row in _rows) Line(text, row, widths);
        return text.ToString().TrimEnd();
    }

    private static void Line(StringBuilder text, string[] cells, int[] widths)
    {
        text.Append('|');
        for (int i = 0; i < cells.Length; i++)
            text.Append(' ').Append(i == 0 ? cells[i].PadRight(widths[i]) : cells[i].PadLeft(widths[i])).Append(" |");
        text.AppendLine();
    }
}
