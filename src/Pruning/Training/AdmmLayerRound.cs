namespace Microsoft.ML.Pruning.Training;

/// <summary>One layer's state after an ADMM round (<see cref="AdmmRound.Layers"/>).</summary>
/// <param name="Name">The weight's initializer name.</param>
/// <param name="PrimalResidual">‖W − Z‖ / ‖W‖ after the round's projection: how far the weights are from their sparse projection.</param>
/// <param name="DualResidual">ρ‖Z − Z_prev‖ / ‖W‖, with the round's ρ: how much the projection moved.</param>
/// <param name="Kept">Weights in Z's support (kept by the projection; with a unit granularity, every weight of a kept unit).</param>
/// <param name="SupportChanges">Weights that entered or left the support in this round.</param>
public sealed record AdmmLayerRound(string Name, double PrimalResidual, double DualResidual, long Kept, long SupportChanges);
