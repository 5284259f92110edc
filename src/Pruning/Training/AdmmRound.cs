using System.Collections.Generic;
using System.Globalization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// One ADMM round (a Z and U update after some training steps): the penalty it trained with and the residuals after
/// it, per layer and over all constrained weights together. The residual history is how a report shows convergence: the
/// primal residual goes to zero as the weights approach their sparse projection.
/// </summary>
/// <param name="Round">1-based round number.</param>
/// <param name="Steps">Optimizer steps trained under the ADMM term before this round ended, since the regularizer was created.</param>
/// <param name="Rho">The ρ of the round's training steps (the next round's may differ, see <see cref="AdmmSettings.RhoSchedule"/>).</param>
/// <param name="PrimalResidual">√Σ‖W − Z‖² / √Σ‖W‖² over all constrained weights.</param>
/// <param name="DualResidual">ρ·√Σ‖Z − Z_prev‖² / √Σ‖W‖² over all constrained weights.</param>
/// <param name="Layers">Per layer, in <see cref="AdmmSettings.Layers"/> order.</param>
public sealed record AdmmRound(int Round, long Steps, double Rho, double PrimalResidual, double DualResidual, IReadOnlyList<AdmmLayerRound> Layers)
{
    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"ADMM round {Round} (step {Steps}, rho {Rho:G4}): primal residual {PrimalResidual:G4}, dual residual {DualResidual:G4}");
}
