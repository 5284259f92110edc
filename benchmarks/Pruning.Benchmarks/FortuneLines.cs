using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// Plain English text for the minilm benchmark: the fortune cookies of Debian's <c>fortunes</c> package
/// (/usr/share/games/fortunes, one file per topic, entries separated by lines holding "%"). Each entry becomes one
/// line (its lines joined, whitespace collapsed, overstrike sequences removed); entries that are mostly not letters
/// (ASCII art, tables) or shorter than 20 or longer than 400 characters are left out, and duplicates kept once.
/// </summary>
internal static class FortuneLines
{
    /// <summary>Where Debian's fortunes package puts its text.</summary>
    public const string DebianFolder = "/usr/share/games/fortunes";

    /// <summary>The lines, in file-name order and entry order within a file.</summary>
    /// <exception cref="FileNotFoundException">The folder holds no fortune files.</exception>
    public static List<string> Read(string folder)
    {
        var files = Directory.Exists(folder)
            ? Directory.GetFiles(folder).Where(f => Path.GetExtension(f).Length == 0).Order(StringComparer.Ordinal).ToArray()
            : [];
        if (files.Length == 0)
            throw new FileNotFoundException($"No fortune files in '{folder}'. Install Debian's fortunes package or pass --text.", folder);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var lines = new List<string>();
        foreach (string file in files)
        {
            foreach (string entry in Entries(File.ReadAllText(file, Encoding.UTF8)))
            {
                string line = Normalize(entry);
                if (line.Length is < 20 or > 400) continue;
                if (line.Count(char.IsLetter) < 0.6 * line.Length) continue;
                if (seen.Add(line)) lines.Add(line);
            }
        }
        return lines;
    }

    private static IEnumerable<string> Entries(string text)
    {
        var entry = new StringBuilder();
        foreach (string line in text.Split('\n'))
        {
            if (line.TrimEnd('\r') == "%")
            {
                yield return entry.ToString();
                entry.Clear();
            }
            else entry.Append(line).Append(' ');
        }
        if (entry.Length > 0) yield return entry.ToString();
    }

    /// <summary>Drops "x\b" overstrike pairs and control characters, collapses whitespace.</summary>
    private static string Normalize(string entry)
    {
        var text = new StringBuilder(entry.Length);
        foreach (char c in entry)
        {
            if (c == '\b')
            {
                if (text.Length > 0) text.Length--;
                continue;
            }
            if (char.IsWhiteSpace(c))
            {
                if (text.Length > 0 && text[^1] != ' ') text.Append(' ');
                continue;
            }
            if (!char.IsControl(c)) text.Append(c);
        }
        return text.ToString().Trim();
    }
}
