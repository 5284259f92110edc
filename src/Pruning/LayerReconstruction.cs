using System;

namespace Microsoft.ML.Pruning;

/// <summary>
/// How a reconstruction method (<c>CoordinateDescent</c>, and any method that refits a layer to its calibration
/// outputs) pruned one layer: one row of <see cref="PruningReport.Reconstruction"/>.
/// </summary>
/// <param name="Name">The layer's weight (initializer name).</param>
/// <param name="Lambda">The layer's λ (per-layer target or fixed λ), or the mean over its rows when each row has its own, on the scale of
/// <see cref="CoordinateDescentPruningOptions.Lambda"/> (per calibration position); null when none applies.</param>
/// <param name="RelativeError">‖X(W − Ŵ)ᵀ‖_F / ‖XWᵀ‖_F on the calibration inputs X the layer was solved with (undamped).</param>
/// <param name="MaxDualityGap">The largest duality gap over the layer's rows at the end of the Lasso, relative to the row's ‖Xw‖²; null when no Lasso ran.</param>
/// <param name="Iterations">Coordinate passes over all rows, λ path and bisection included.</param>
/// <param name="Elapsed">Time for this layer: calibration (in sequential mode) and solve.</param>
/// <param name="CalibrationPositions">Rows of X (calibration rows × positions per row, e.g. tokens).</param>
/// <param name="Damping">δ added to G's diagonal for the solve (0 when none).</param>
/// <param name="Note">Rank deficiency, refits that needed extra damping, all-zero inputs, rows that did not converge; null when nothing to say.</param>
public sealed record LayerReconstruction(
    string Name,
    double? Lambda,
    double RelativeError,
    double? MaxDualityGap,
    long Iterations,
    TimeSpan Elapsed,
    long CalibrationPositions,
    double Damping,
    string? Note);
