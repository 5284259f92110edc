using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;

namespace Microsoft.ML.Pruning.Tests.Samples;

/// <summary>
/// Turns a C# notebook's code cells into a program: the cells in order, <c>#r</c>/<c>#i</c> (package) lines dropped (the
/// program is built against the local projects instead), lines ending in <see cref="NotebookOnly"/> dropped (what only a notebook
/// can do, e.g. <c>display(...)</c>) and <c>using</c> directives moved to the top.
/// </summary>
internal static class NotebookProgram
{
    /// <summary>The comment that marks a line the program leaves out.</summary>
    public const string NotebookOnly = "// notebook only";

    public static string FromNotebook(string ipynbPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(ipynbPath));
        var usings = new List<string>();
        var body = new StringBuilder();
        foreach (var cell in document.RootElement.GetProperty("cells").EnumerateArray())
        {
            if (cell.GetProperty("cell_type").GetString() != "code") continue;
            string source = string.Concat(cell.GetProperty("source").EnumerateArray().Select(line => line.GetString()));
            foreach (string line in source.Replace("\r\n", "\n").Split('\n'))
            {
                string trimmed = line.Trim();
                if (trimmed.StartsWith("#r ", StringComparison.Ordinal) || trimmed.StartsWith("#i ", StringComparison.Ordinal)) continue;
                if (trimmed.EndsWith(NotebookOnly, StringComparison.Ordinal)) continue;
                if (trimmed.StartsWith("using ", StringComparison.Ordinal) && trimmed.EndsWith(';') && !trimmed.Contains('('))
                {
                    if (!usings.Contains(trimmed)) usings.Add(trimmed);
                    continue;
                }
                body.Append(line).Append('\n');
            }
            body.Append('\n');
        }
        return string.Join("\n", usings) + "\n\n" + body.ToString().Trim() + "\n";
    }

    /// <summary>The code of a file-based app after its leading <c>#!</c>, <c>#:</c> and comment lines.</summary>
    public static string BodyOfFileBasedApp(string path)
    {
        var lines = File.ReadAllText(path).Replace("\r\n", "\n").Split('\n');
        int first = Array.FindIndex(lines, l => !(l.StartsWith("#!", StringComparison.Ordinal) || l.StartsWith("#:", StringComparison.Ordinal) || l.StartsWith("//", StringComparison.Ordinal) || l.Length == 0));
        return string.Join("\n", lines.Skip(first));
    }
}
