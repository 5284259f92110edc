namespace Microsoft.ML.Pruning;

/// <summary>
/// How ADMM pruned one layer: one row of <see cref="AdmmReport.Layers"/>. After ADMM training the weights are close to Z but
/// not exactly sparse; hard pruning to Z's support then cuts what lies outside it.
/// </summary>
/// <param name="Name">The layer's weight (initializer name).</param>
/// <param name="Parameters">Weights in the layer.</param>
/// <param name="Kept">Weights in Z's support (kept by the hard pruning; with a unit granularity every weight of a kept unit).</param>
/// <param name="NonZerosBeforePruning">Non-zero weights after the ADMM training, before hard pruning.</param>
/// <param name="CutByPruning">Non-zero weights outside Z's support, which hard pruning set to zero.</param>
/// <param name="CutNorm">‖W outside the support‖ / ‖W‖ before hard pruning: how much of the layer the hard pruning removed (0: none).</param>
/// <param name="Units">Output units (neurons, channels) with a unit granularity; null for single weights.</param>
/// <param name="KeptUnits">Units in Z's support with a unit granularity; null for single weights.</param>
public sealed record AdmmLayerPruning(
    string Name,
    long Parameters,
    long Kept,
    long NonZerosBeforePruning,
    long CutByPruning,
    double CutNorm,
    long? Units = null,
    long? KeptUnits = null);
