using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Options of <c>mlContext.Pruning().Admm(options)</c>: ADMM pruning (Zhang et al. 2018). The model is trained on the data's
/// labels (<see cref="Training"/>) with the augmented term ρ/2‖W − Z + U‖² on each prunable weight W, where Z is the
/// projection of W + U onto "at most k non-zeros" (k from <see cref="PruningOptions.Sparsity"/>, per layer or global, single
/// weights or whole neurons/channels) and U the scaled dual; every round Z and U are updated and ρ follows its schedule.
/// Then the weights are hard-pruned to Z's support (exact counts), and the optional <see cref="PruningOptions.FineTune"/>
/// retrains with the masks fixed.
/// </summary>
/// <remarks>
/// <para>The target: <see cref="PruningOptions.Sparsity"/> of the weights (<see cref="PruningGranularity.Unstructured"/>) or of
/// the output units (<see cref="PruningGranularity.Neuron"/>, <see cref="PruningGranularity.Channel"/>: whole units, the k of
/// largest L2 norm of W + U are kept); <see cref="PruningOptions.Scope"/> Global (default) keeps k over all layers through one
/// threshold, Layer keeps each layer's own share, and with Layer <see cref="PruningOptions.LayerSparsity"/> overrides a layer's
/// share. With <see cref="PruningGranularity.NM"/> the projection keeps the N largest |w + u| of every M consecutive weights along
/// each layer's input dimension, so Z and the final masks have the pattern (Sparsity and Scope are not used). Only the OneShot
/// schedule applies.</para>
/// <para>ρ: a round ends every <see cref="StepsPerRound"/> optimizer steps, or with every <see cref="EpochsPerRound"/>-th epoch
/// (default each epoch); after a round ρ is multiplied by <see cref="RhoFactor"/> up to <see cref="RhoMax"/>
/// (<see cref="AdmmRhoSchedule.Multiply"/>) or stays (<see cref="AdmmRhoSchedule.Constant"/>). A growing ρ pulls the weights
/// ever closer to Z, so hard pruning loses little. The report (<see cref="PruningReport.Admm"/>) gives every round's ρ and
/// primal/dual residuals, overall and per layer, and per layer the non-zeros before hard pruning.</para>
/// <para>Only the prunable weights get the ADMM term; biases and normalization parameters train without it.</para>
/// </remarks>
/// <example><code>
/// var pruned = mlContext.Pruning().Admm(new AdmmPruningOptions
/// {
///     ModelPath = "lenet.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.95,
///     Training = new FineTuneOptions { Epochs = 8, LabelColumnName = "Label" }, Rho = 0.01,
///     FineTune = new FineTuneOptions { Epochs = 2 },
/// }).Fit(data);
/// Console.WriteLine(pruned.Report.Admm);   // ρ and residuals per round, non-zeros before hard pruning
/// </code></example>
public sealed class AdmmPruningOptions : PruningOptions, ISparsityTrainingOptions
{
    private static readonly AdmmSettings Defaults = new();

    /// <summary>
    /// The ADMM training: epochs, batch size, learning rate and schedule, optimizer, label column, validation rows,
    /// distillation from the dense model. Default: 2 epochs of Adam at 1e-3, batch 128, on the "Label" column.
    /// </summary>
    public FineTuneOptions Training { get; set; } = new();

    /// <summary>The penalty ρ of the first round, &gt; 0 (see <see cref="AdmmSettings.Rho"/>). Default 0.03.</summary>
    public double Rho { get; set; } = Defaults.Rho;

    /// <summary>How ρ changes after each round. Default <see cref="AdmmRhoSchedule.Multiply"/>.</summary>
    public AdmmRhoSchedule RhoSchedule { get; set; } = Defaults.RhoSchedule;

    /// <summary>With <see cref="AdmmRhoSchedule.Multiply"/>: ρ's factor after each round, at least 1. Default 1.3.</summary>
    public double RhoFactor { get; set; } = Defaults.RhoFactor;

    /// <summary>With <see cref="AdmmRhoSchedule.Multiply"/>: the largest ρ, at least <see cref="Rho"/>. Default 1.</summary>
    public double RhoMax { get; set; } = Defaults.RhoMax;

    /// <summary>Optimizer steps per round (a Z and U update); null (default): rounds end with epochs (<see cref="EpochsPerRound"/>).</summary>
    public int? StepsPerRound { get; set; }

    /// <summary>When <see cref="StepsPerRound"/> is null: epochs per round, at least 1. Default 1.</summary>
    public int EpochsPerRound { get; set; } = Defaults.EpochsPerRound;

    /// <summary>Masks come from ADMM's projection; the magnitude criterion only states which granularities apply.</summary>
    internal override string CriterionName => "magnitude";

    string ISparsityTrainingOptions.MethodName => "ADMM";

    /// <summary>
    /// The loop-level settings for <paramref name="layers"/>: each layer's kept count (or the global budget) as the mask
    /// selector counts it, n − round(sparsity·n), with <see cref="PruningOptions.LayerSparsity"/> overrides under the Layer scope.
    /// </summary>
    internal AdmmSettings ToAdmmSettings(IReadOnlyList<PrunableWeight> layers)
    {
        var settings = Pattern is { } pattern
            ? AdmmSettings.ForPattern(layers, pattern.N, pattern.M)
            : AdmmSettings.ForSparsity(layers, Sparsity, Scope, Granularity);
        if (LayerSparsity.Count > 0)
        {
            settings = settings with
            {
                Layers = [.. settings.Layers.Zip(layers, (admm, weight) =>
                {
                    if (!LayerSparsity.TryGetValue(weight.Name, out double own)) return admm;
                    long n = settings.KeepsUnits ? weight.OutputUnits : weight.ParameterCount;
                    return admm with { Kept = n - MaskSelector.TargetPrunedCount(n, own) };
                })],
            };
        }
        return settings with
        {
            Rho = Rho, RhoSchedule = RhoSchedule, RhoFactor = RhoFactor, RhoMax = RhoMax,
            StepsPerRound = StepsPerRound, EpochsPerRound = EpochsPerRound,
        };
    }

    /// <summary>The penalty settings alone (no layers), for checks and the report.</summary>
    internal AdmmSettings Penalty => new()
    {
        Rho = Rho, RhoSchedule = RhoSchedule, RhoFactor = RhoFactor, RhoMax = RhoMax, StepsPerRound = StepsPerRound, EpochsPerRound = EpochsPerRound,
    };

    internal override void Validate()
    {
        base.Validate();
        Penalty.ValidatePenalty("Admm");
        if (Sparsity == 0 && (LayerSparsity.Count == 0 || LayerSparsity.Values.All(s => s == 0)))
            throw new ArgumentException($"Set a target {nameof(Sparsity)} > 0 (or a non-zero {nameof(LayerSparsity)}): ADMM projects onto it.", nameof(Sparsity));
        if (Scope == PruningScope.Global && LayerSparsity.Count > 0)
            throw new NotSupportedException(
                $"ADMM's projection keeps either one budget over all layers (Scope = Global) or each layer's own (Scope = Layer); " +
                $"{nameof(LayerSparsity)} overrides need Scope = Layer.");
        if (Training is null)
            throw new ArgumentNullException(nameof(Training), $"{nameof(Training)} describes the ADMM training; it cannot be null.");
        Training.Validate(nameof(Training));
        if (Training.Epochs < 1)
            throw new ArgumentOutOfRangeException(nameof(FineTuneOptions.Epochs), Training.Epochs, $"{nameof(Training)}.{nameof(FineTuneOptions.Epochs)} must be at least 1 for ADMM; got {Training.Epochs}.");
        if (Schedule != PruningSchedule.OneShot)
            throw new NotSupportedException($"ADMM learns its sparsity in one training run ({nameof(Schedule)} = OneShot), then hard-prunes, optionally followed by FineTune; {Schedule} is not supported.");
    }
}
