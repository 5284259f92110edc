using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// What calibration gives a Conv layer's reconstruction: per group, G = XᵀX of that group's patch rows
/// (((C/group)·Π kernel)² doubles each), and how many patches were used out of how many the calibration rows had.
/// </summary>
/// <param name="Groups">G per group, in group order.</param>
/// <param name="PatchRows">Patch rows added to each group's G (calibration rows × sampled positions).</param>
/// <param name="Positions">Output positions the calibration rows had in all (the patch rows without sampling).</param>
/// <param name="MaxPositionsPerRow">The sampling limit per calibration row.</param>
internal sealed record ConvGram(IReadOnlyList<GramMatrix> Groups, long PatchRows, long Positions, int MaxPositionsPerRow)
{
    /// <summary>Whether fewer patches than positions were used.</summary>
    public bool Subsampled => PatchRows < Positions;

    /// <summary>For the report: how X was subsampled; null when every position was used.</summary>
    public string? SamplingNote => Subsampled
        ? string.Create(CultureInfo.InvariantCulture,
            $"X subsampled: at most {MaxPositionsPerRow} output positions per calibration row, {PatchRows} of {Positions} patches ({100.0 * PatchRows / Positions:F1} %).")
        : null;
}
