using System;
using System.Collections.Generic;
using System.Globalization;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// ADMM pruning (Zhang et al. 2018, "A Systematic DNN Weight Pruning Framework using ADMM"): training steps on the loss
/// plus ρ/2‖W − Z + U‖² for each constrained weight W, and every round Z ← Π(W + U) (the nearest W with at most k
/// non-zeros), U ← U + W − Z. The weights end close to a sparse Z, whose support then becomes the pruning mask.
/// A plain, serializable record; <see cref="Validate"/> checks it in one place.
/// </summary>
/// <example>
/// <code>
/// var admm = AdmmSettings.ForSparsity(model.GetPrunableWeights(), sparsity: 0.95, PruningScope.Global) with { Rho = 0.05, StepsPerRound = 500 };
/// </code>
/// </example>
public sealed record AdmmSettings
{
    /// <summary>
    /// The penalty ρ of the first round; positive. Default 0.03 (with Adam at lr 0.01 on a small MLP, 0.01–0.1 with
    /// <see cref="RhoFactor"/> 1.3 over 16 one-epoch rounds all ended within 0.1–0.3 of the sparse point; tune per model).
    /// </summary>
    public double Rho { get; init; } = 0.03;

    /// <summary>How ρ changes from round to round. Default <see cref="AdmmRhoSchedule.Multiply"/>.</summary>
    public AdmmRhoSchedule RhoSchedule { get; init; } = AdmmRhoSchedule.Multiply;

    /// <summary>With <see cref="AdmmRhoSchedule.Multiply"/>: ρ's factor after each round, at least 1. Default 1.3.</summary>
    public double RhoFactor { get; init; } = 1.3;

    /// <summary>With <see cref="AdmmRhoSchedule.Multiply"/>: the largest ρ, at least <see cref="Rho"/>. Default 1.</summary>
    public double RhoMax { get; init; } = 1.0;

    /// <summary>
    /// Optimizer steps per round (a Z and U update); null (the default): rounds end with epochs, see <see cref="EpochsPerRound"/>.
    /// </summary>
    public int? StepsPerRound { get; init; }

    /// <summary>When <see cref="StepsPerRound"/> is null: epochs per round, at least 1. Default 1 (a round at the end of each epoch).</summary>
    public int EpochsPerRound { get; init; } = 1;

    /// <summary>
    /// What the projection keeps: single weights (<see cref="PruningGranularity.Unstructured"/>, the k largest |w + u|), or
    /// whole output units (<see cref="PruningGranularity.Neuron"/> or <see cref="PruningGranularity.Channel"/>: the k units
    /// of largest L2 norm of w + u along each layer's <see cref="AdmmLayer.UnitAxis"/>; the rest of the unit is zero).
    /// </summary>
    public PruningGranularity Granularity { get; init; } = PruningGranularity.Unstructured;

    /// <summary>
    /// With <see cref="PruningGranularity.NM"/>: N, the weights kept in every group of <see cref="PatternM"/> consecutive
    /// weights along each layer's input dimension (the projection keeps the N largest |w + u| of each group). Default 2.
    /// </summary>
    public int PatternN { get; init; } = 2;

    /// <summary>With <see cref="PruningGranularity.NM"/>: M, the group size; it must divide each layer's input dimension. Default 4.</summary>
    public int PatternM { get; init; } = 4;

    /// <summary>
    /// <see cref="PruningScope.Layer"/>: each layer keeps its own <see cref="AdmmLayer.Kept"/>.
    /// <see cref="PruningScope.Global"/>: all layers share one budget, <see cref="KeptTotal"/>, through one threshold.
    /// </summary>
    public PruningScope Scope { get; init; } = PruningScope.Layer;

    /// <summary>The constrained weights; every other parameter (biases, normalization) trains without the ADMM term.</summary>
    public IReadOnlyList<AdmmLayer> Layers { get; init; } = [];

    /// <summary>With <see cref="PruningScope.Global"/>: how many weights (or units) all layers keep together.</summary>
    public long? KeptTotal { get; init; }

    /// <summary>Whether the projection keeps whole output units rather than single weights.</summary>
    public bool KeepsUnits => Granularity is PruningGranularity.Neuron or PruningGranularity.Channel;

    /// <summary>
    /// Settings that keep the share 1 − <paramref name="sparsity"/> of <paramref name="weights"/> (of their weights, or of
    /// their output units with a unit granularity), counted as <see cref="MaskSelector"/> counts: n − round(sparsity·n).
    /// With <see cref="PruningScope.Layer"/> each layer keeps its own share; with <see cref="PruningScope.Global"/> the
    /// layers share one budget.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="sparsity"/> is not in [0, 1).</exception>
    public static AdmmSettings ForSparsity(IEnumerable<PrunableWeight> weights, double sparsity, PruningScope scope,
        PruningGranularity granularity = PruningGranularity.Unstructured)
    {
        ArgumentNullException.ThrowIfNull(weights);
        MaskSelectionOptions.ValidateSparsity(sparsity, nameof(sparsity));
        bool units = granularity is PruningGranularity.Neuron or PruningGranularity.Channel;
        var layers = new List<AdmmLayer>();
        long total = 0;
        foreach (var weight in weights)
        {
            long n = units ? weight.OutputUnits : weight.ParameterCount;
            total += n;
            layers.Add(new AdmmLayer(weight.Name, scope == PruningScope.Layer ? n - MaskSelector.TargetPrunedCount(n, sparsity) : null, weight.OutputAxis));
        }
        return new AdmmSettings
        {
            Granularity = granularity,
            Scope = scope,
            Layers = layers,
            KeptTotal = scope == PruningScope.Global ? total - MaskSelector.TargetPrunedCount(total, sparsity) : null,
        };
    }

    /// <summary>
    /// Settings whose projection keeps <paramref name="n"/> of every <paramref name="m"/> consecutive weights along each
    /// layer's input dimension (<see cref="PruningGranularity.NM"/>): Scope Layer, each layer keeping ParameterCount·n/m.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">n or m out of range, or m does not divide a layer's input dimension (the layer is named).</exception>
    public static AdmmSettings ForPattern(IEnumerable<PrunableWeight> weights, int n, int m)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var pattern = new NMPattern(n, m);
        CheckPattern(pattern, nameof(ForPattern));
        var layers = new List<AdmmLayer>();
        foreach (var weight in weights)
        {
            pattern.CheckDivides(weight, nameof(m));
            layers.Add(new AdmmLayer(weight.Name, weight.ParameterCount / m * n, weight.OutputAxis));
        }
        return new AdmmSettings { Granularity = PruningGranularity.NM, PatternN = n, PatternM = m, Scope = PruningScope.Layer, Layers = layers };
    }

    /// <summary>1 ≤ N &lt; M and M ≥ 2; the message names the option.</summary>
    private static void CheckPattern(NMPattern pattern, string owner)
    {
        if (pattern.M < 2)
            throw new ArgumentOutOfRangeException(nameof(PatternM), pattern.M, $"{owner}: PatternM (M of the N:M pattern) must be at least 2; got {pattern.M}.");
        if (pattern.N < 1 || pattern.N >= pattern.M)
            throw new ArgumentOutOfRangeException(nameof(PatternN), pattern.N, $"{owner}: PatternN must be at least 1 and less than PatternM; got {pattern.N}:{pattern.M}.");
    }

    /// <summary>The ρ of the round after one run at <paramref name="rho"/>, as <see cref="RhoSchedule"/> says.</summary>
    public double NextRho(double rho) => RhoSchedule == AdmmRhoSchedule.Multiply ? Math.Min(RhoMax, rho * RhoFactor) : rho;

    /// <summary>Checks every value; the message names the option. Counts against the weights' sizes are checked by the trainer, which knows the shapes.</summary>
    /// <param name="owner">Who asks, for the message (e.g. the estimator's name).</param>
    public void Validate(string owner)
    {
        ValidatePenalty(owner);
        var c = CultureInfo.InvariantCulture;
        if (!Enum.IsDefined(Granularity))
            throw new ArgumentOutOfRangeException(nameof(Granularity), Granularity, $"{owner}: Granularity must be one of {string.Join(", ", Enum.GetNames<PruningGranularity>())}.");
        if (Scope is not (PruningScope.Layer or PruningScope.Global))
            throw new ArgumentOutOfRangeException(nameof(Scope), Scope, $"{owner}: Scope must be {nameof(PruningScope.Layer)} or {nameof(PruningScope.Global)}; got {Scope}.");
        if (Granularity == PruningGranularity.NM)
        {
            CheckPattern(new NMPattern(PatternN, PatternM), owner);
            if (Scope != PruningScope.Layer)
                throw new ArgumentException($"{owner}: Granularity NM keeps N of every M weights in each layer; Scope must be {nameof(PruningScope.Layer)} (see {nameof(ForPattern)}).", nameof(Scope));
        }
        if (Layers is null || Layers.Count == 0)
            throw new ArgumentException($"{owner}: Layers must name at least one weight for ADMM to constrain.", nameof(Layers));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < Layers.Count; i++)
        {
            var layer = Layers[i] ?? throw new ArgumentException($"{owner}: Layers[{i}] is null.", nameof(Layers));
            if (string.IsNullOrEmpty(layer.Name))
                throw new ArgumentException($"{owner}: Layers[{i}] has no name.", nameof(Layers));
            if (!seen.Add(layer.Name))
                throw new ArgumentException($"{owner}: Layers names '{layer.Name}' more than once.", nameof(Layers));
            if (layer.UnitAxis < 0)
                throw new ArgumentOutOfRangeException($"{nameof(Layers)}['{layer.Name}'].{nameof(AdmmLayer.UnitAxis)}", layer.UnitAxis, $"{owner}: UnitAxis of '{layer.Name}' must be zero or more.");
            if (Scope == PruningScope.Layer && !(layer.Kept >= 0))
                throw new ArgumentOutOfRangeException($"{nameof(Layers)}['{layer.Name}'].{nameof(AdmmLayer.Kept)}", layer.Kept,
                    $"{owner}: with Scope = Layer, every layer needs Kept, zero or more; '{layer.Name}' has {(layer.Kept is null ? "none" : layer.Kept.Value.ToString(c))}.");
            if (Scope == PruningScope.Global && layer.Kept is not null)
                throw new ArgumentException($"{owner}: with Scope = Global the budget is KeptTotal; '{layer.Name}' sets its own Kept.", nameof(Layers));
        }
        if (Scope == PruningScope.Global && !(KeptTotal >= 0))
            throw new ArgumentOutOfRangeException(nameof(KeptTotal), KeptTotal, $"{owner}: with Scope = Global, KeptTotal must be set, zero or more.");
        if (Scope == PruningScope.Layer && KeptTotal is not null)
            throw new ArgumentException($"{owner}: KeptTotal applies only to Scope = Global; with Scope = Layer each layer has its own Kept.", nameof(KeptTotal));
    }

    /// <summary>
    /// Checks ρ, its schedule and the round length, the values that do not depend on the layers (an estimator checks them
    /// when it is built, before it knows its layers); <see cref="Validate"/> checks them too.
    /// </summary>
    /// <param name="owner">Who asks, for the message.</param>
    /// <exception cref="ArgumentOutOfRangeException">ρ ≤ 0, NaN or infinite; a factor below 1; RhoMax below Rho; a round length below 1.</exception>
    /// <exception cref="ArgumentException">Both StepsPerRound and EpochsPerRound are set.</exception>
    public void ValidatePenalty(string owner)
    {
        var c = CultureInfo.InvariantCulture;
        if (!(Rho > 0) || double.IsInfinity(Rho))
            throw new ArgumentOutOfRangeException(nameof(Rho), Rho, string.Create(c, $"{owner}: Rho must be a positive finite number; got {Rho}."));
        if (!Enum.IsDefined(RhoSchedule))
            throw new ArgumentOutOfRangeException(nameof(RhoSchedule), RhoSchedule, $"{owner}: RhoSchedule must be one of {string.Join(", ", Enum.GetNames<AdmmRhoSchedule>())}.");
        if (RhoSchedule == AdmmRhoSchedule.Multiply)
        {
            if (!(RhoFactor >= 1) || double.IsInfinity(RhoFactor))
                throw new ArgumentOutOfRangeException(nameof(RhoFactor), RhoFactor, string.Create(c, $"{owner}: RhoFactor must be a finite number of at least 1; got {RhoFactor}."));
            if (!(RhoMax >= Rho) || double.IsInfinity(RhoMax))
                throw new ArgumentOutOfRangeException(nameof(RhoMax), RhoMax, string.Create(c, $"{owner}: RhoMax must be finite and at least Rho = {Rho}; got {RhoMax}."));
        }
        if (StepsPerRound is int steps && steps < 1)
            throw new ArgumentOutOfRangeException(nameof(StepsPerRound), steps, $"{owner}: StepsPerRound must be at least 1, or null for one round per epoch.");
        if (EpochsPerRound < 1)
            throw new ArgumentOutOfRangeException(nameof(EpochsPerRound), EpochsPerRound, $"{owner}: EpochsPerRound must be at least 1.");
        if (StepsPerRound is not null && EpochsPerRound != 1)
            throw new ArgumentException($"{owner}: set StepsPerRound or EpochsPerRound, not both (got {StepsPerRound} and {EpochsPerRound}).", nameof(EpochsPerRound));
    }
}
