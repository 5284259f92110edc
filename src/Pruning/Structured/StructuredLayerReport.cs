using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// One layer of a structurally pruned model in the report: its units, parameters and MACs before and after removal
/// (<see cref="Compare"/> pairs the two <see cref="ModelCost"/>s by node name, which removal keeps).
/// </summary>
/// <param name="Node">The layer node's display name.</param>
/// <param name="OpType">Conv, ConvTranspose, Gemm or MatMul.</param>
/// <param name="Weight">The layer's weight initializer, or null for a MatMul of two activations.</param>
/// <param name="TotalUnits">Output units before removal (see <see cref="LayerCost.Units"/>); null without a weight.</param>
/// <param name="KeptUnits">Output units after removal; null without a weight.</param>
/// <param name="ParametersBefore">Weight and bias elements before removal.</param>
/// <param name="ParametersAfter">Weight and bias elements after removal.</param>
/// <param name="MacsBefore">Multiply-accumulates per run before removal.</param>
/// <param name="MacsAfter">Multiply-accumulates per run after removal (at the same input shapes).</param>
public sealed record StructuredLayerReport(
    string Node, string OpType, string? Weight, long? TotalUnits, long? KeptUnits,
    long ParametersBefore, long ParametersAfter, long MacsBefore, long MacsAfter)
{
    /// <summary>MACs after as a fraction of before (1 when the layer did no work).</summary>
    public double MacsRatio => MacsBefore == 0 ? 1 : (double)MacsAfter / MacsBefore;

    /// <summary>
    /// One row per layer of <paramref name="before"/>, in its order, paired with the layer node of the same name in
    /// <paramref name="after"/>. Both costs must be measured at the same input shapes for the MACs to compare.
    /// </summary>
    /// <exception cref="InvalidOperationException">The two models do not have the same layer nodes (a node is missing, added, or changed its op).</exception>
    public static IReadOnlyList<StructuredLayerReport> Compare(ModelCost before, ModelCost after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var afterByNode = new Dictionary<string, LayerCost>(StringComparer.Ordinal);
        foreach (var layer in after.Layers)
            if (!afterByNode.TryAdd(layer.Node, layer))
                throw new InvalidOperationException($"Two layer nodes of the pruned model are named '{layer.Node}'; layers are paired by node name.");
        var rows = new List<StructuredLayerReport>(before.Layers.Count);
        foreach (var layer in before.Layers)
        {
            if (!afterByNode.Remove(layer.Node, out var kept))
                throw new InvalidOperationException($"Layer node '{layer.Node}' ({layer.OpType}) is missing from the pruned model; removal must keep every layer node and its name.");
            if (kept.OpType != layer.OpType)
                throw new InvalidOperationException($"Layer node '{layer.Node}' is {layer.OpType} before removal and {kept.OpType} after.");
            rows.Add(new StructuredLayerReport(layer.Node, layer.OpType, layer.Weight, layer.Units, kept.Units,
                layer.Parameters, kept.Parameters, layer.Macs, kept.Macs));
        }
        if (afterByNode.Count > 0)
            throw new InvalidOperationException($"The pruned model has layer nodes the model before removal does not: {string.Join(", ", afterByNode.Keys.Select(k => $"'{k}'"))}.");
        return rows;
    }

    /// <summary>A readable table of <paramref name="rows"/>, ending with a "model" line: every FLOAT initializer's elements and the total MACs of each model.</summary>
    public static string Table(IReadOnlyList<StructuredLayerReport> rows, ModelCost before, ModelCost after)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var c = CultureInfo.InvariantCulture;
        string[] header = ["layer", "op", "units kept/total", "parameters before", "after", "MACs before", "after", "MACs %"];
        var cells = rows.Select(r => new[]
        {
            r.Node, r.OpType, r.TotalUnits is long total ? $"{r.KeptUnits?.ToString(c) ?? "-"}/{total.ToString(c)}" : "-",
            r.ParametersBefore.ToString("N0", c), r.ParametersAfter.ToString("N0", c), r.MacsBefore.ToString("N0", c), r.MacsAfter.ToString("N0", c),
            r.MacsRatio.ToString("P1", c),
        }).ToList();
        cells.Add(["model", "", "", before.Parameters.ToString("N0", c), after.Parameters.ToString("N0", c), before.Macs.ToString("N0", c), after.Macs.ToString("N0", c),
            (before.Macs == 0 ? 1 : (double)after.Macs / before.Macs).ToString("P1", c)]);
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Max(r => r[i].Length))).ToArray();
        var sb = new StringBuilder();
        void Line(string[] line) => sb.AppendLine(string.Join("  ", line.Select((cell, i) => i < 2 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd());
        string rule = string.Join("  ", widths.Select(w => new string('-', w)));
        Line(header);
        sb.AppendLine(rule);
        for (int i = 0; i < cells.Count; i++)
        {
            if (i == cells.Count - 1) sb.AppendLine(rule);
            Line(cells[i]);
        }
        sb.AppendLine("model: parameters of every FLOAT initializer, MACs of the layers above.");
        return sb.ToString();
    }
}
