using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// What <see cref="ExportVerification"/> found when it ran the written file and the pruned model on the same rows
/// (it throws instead of returning when they disagree).
/// </summary>
/// <param name="MaxAbsDifference">The largest |written − pruned| over every output and row.</param>
/// <param name="MaxRelativeDifference">The largest <see cref="OutputDifference.MaxRelativeDifference"/> over the outputs.</param>
/// <param name="Rows">Rows run through both models.</param>
/// <param name="PerOutput">One entry per graph output of the pruned model, in its order.</param>
public sealed record VerificationResult(double MaxAbsDifference, double MaxRelativeDifference, int Rows, IReadOnlyList<OutputDifference> PerOutput)
{
    /// <summary>E.g. "written file verified on 512 rows: max |diff| 3.1e-06 (relative 4.2e-07)".</summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"written file verified on {Rows} rows: max |diff| {MaxAbsDifference:G3} (relative {MaxRelativeDifference:G3}) over {string.Join(", ", PerOutput.Select(o => o.KeptColumns is int kept ? $"{o.Output} ({kept} kept along axis {o.KeptAxis})" : o.Output))}");
}
