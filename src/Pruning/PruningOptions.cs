using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning;

/// <summary>
/// What every pruning estimator is told: which model and columns, how much to prune and at which granularity and
/// scope, on which schedule, with how much calibration data, and whether to fine-tune. Plain and serializable
/// (System.Text.Json) so sweeps can store them; as <c>PruningOptions</c> they carry their estimator in <c>"$method"</c>; <see cref="Model"/> is the one member that is not serialized.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$method")]
[JsonDerivedType(typeof(MagnitudePruningOptions), "magnitude")]
[JsonDerivedType(typeof(PruneOptions), "prune")]
[JsonDerivedType(typeof(CoordinateDescentPruningOptions), "coordinate-descent")]
[JsonDerivedType(typeof(LassoPruningOptions), "lasso")]
[JsonDerivedType(typeof(AdmmPruningOptions), "admm")]
public abstract class PruningOptions
{
    /// <summary>Path of the ONNX model to prune (read only). Set this or <see cref="Model"/>.</summary>
    public string? ModelPath { get; set; }

    /// <summary>In-memory model to prune (a copy is pruned). Set this or <see cref="ModelPath"/>. Not serialized.</summary>
    [JsonIgnore]
    public OnnxModel? Model { get; set; }

    /// <summary>Model outputs scored into columns of the same names, as in <c>ApplyOnnxModel</c>.</summary>
    public string[] OutputColumnNames { get; set; } = [];

    /// <summary>Columns fed to the model inputs of the same names.</summary>
    public string[] InputColumnNames { get; set; } = [];

    /// <summary>
    /// Shapes of model inputs whose declared shape is missing or leaves more than one dimension unknown, as
    /// <c>ApplyOnnxModel</c>'s <c>shapeDictionary</c>: the full shape, batch dimension first, e.g. <c>[1, 3, 224, 224]</c>
    /// for an image input declared [N, 3, H, W]. The batch dimension's value is not used for calibration or training
    /// (batches take any size); the ML.NET scorer the estimator emits gets the shapes as they are.
    /// </summary>
    /// <example><code>options.InputShapes["image"] = [1, 1, 28, 28];</code></example>
    public IDictionary<string, int[]> InputShapes { get; set; } = new Dictionary<string, int[]>(StringComparer.Ordinal);

    /// <summary>
    /// Fraction pruned, in [0, 1): of the weights (<see cref="PruningGranularity.Unstructured"/>) or of the output
    /// units (<see cref="PruningGranularity.Neuron"/>, <see cref="PruningGranularity.Channel"/>). 0 leaves the model unchanged.
    /// Not used with <see cref="PruningGranularity.NM"/>: the pattern prunes every candidate layer to exactly 1 − N/M.
    /// </summary>
    public double Sparsity { get; set; } = 0.5;

    /// <summary>One threshold across all layers (default), or each layer pruned to the target on its own.</summary>
    public PruningScope Scope { get; set; } = PruningScope.Global;

    /// <summary>Single weights (default), whole neurons / channels, or an N:M pattern (<see cref="PruningGranularity.NM"/>).</summary>
    public PruningGranularity Granularity { get; set; } = PruningGranularity.Unstructured;

    /// <summary>
    /// N of the N:M pattern (<see cref="PruningGranularity.NM"/>): weights kept in every group of <see cref="PatternM"/>
    /// consecutive weights along a layer's input dimension; 1 ≤ N &lt; M. Default 2. Read only with Granularity NM.
    /// </summary>
    /// <example><code>options.Granularity = PruningGranularity.NM; options.PatternN = 2; options.PatternM = 4; // 2:4, 50 % of every candidate layer</code></example>
    public int PatternN { get; set; } = 2;

    /// <summary>
    /// M of the N:M pattern (<see cref="PruningGranularity.NM"/>): the group size, at least 2; it must divide every candidate
    /// layer's input dimension (Gemm/MatMul: K; Conv: input channels per group), else the estimator refuses the layer by name
    /// when it is built (leave such layers dense with <see cref="ExcludedLayers"/>). Default 4. Read only with Granularity NM.
    /// </summary>
    public int PatternM { get; set; } = 4;

    /// <summary>
    /// How the structured granularities (Neuron, Channel, Head) bound their choice and write the file: physical removal,
    /// outputs, rounding, verification of the written file, latency. Ignored for Unstructured.
    /// </summary>
    public StructuredOptions Structured { get; set; } = new();

    /// <summary>Prunable weights (initializer names, see the report) left untouched.</summary>
    public IList<string> ExcludedLayers { get; set; } = new List<string>();

    /// <summary>Per-layer sparsity overriding <see cref="Sparsity"/> for the named weights, each in [0, 1).</summary>
    public IDictionary<string, double> LayerSparsity { get; set; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>One-shot (default), iterative rounds, or gradual during fine-tuning.</summary>
    public PruningSchedule Schedule { get; set; } = PruningSchedule.OneShot;

    /// <summary>Rounds of <see cref="PruningSchedule.Iterative"/>, at least 1.</summary>
    public int Rounds { get; set; } = 3;

    /// <summary><see cref="PruningSchedule.Gradual"/>: where the sparsity ramp starts, as a fraction of all fine-tuning steps.</summary>
    public double SparsityRampStart { get; set; }

    /// <summary><see cref="PruningSchedule.Gradual"/>: where the ramp reaches the target, as a fraction of all steps; the rest trains with fixed masks.</summary>
    public double SparsityRampEnd { get; set; } = 0.75;

    /// <summary><see cref="PruningSchedule.Gradual"/>: steps between mask updates during the ramp.</summary>
    public int PruningFrequency { get; set; } = 50;

    /// <summary>
    /// Rows (the first ones of the data, in order) that data-aware criteria observe: activations, and gradients for
    /// gradient criteria. At least 1; if the data has fewer rows, all are used and the MLContext log says so.
    /// </summary>
    public int CalibrationRows { get; set; } = 1024;

    /// <summary>
    /// Label column for criteria that need gradients of the loss (taylor, fisher, gsap); null takes
    /// <see cref="FineTuneOptions.LabelColumnName"/> when <see cref="FineTune"/> is set.
    /// </summary>
    public string? LabelColumnName { get; set; }

    /// <summary>Seed of everything random (random criterion, fine-tuning order); null takes one from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    /// <summary>Re-train the pruned model with masks fixed; null (default) prunes without training.</summary>
    public FineTuneOptions? FineTune { get; set; }

    /// <summary>The criterion's name (see <see cref="Criteria.PruningCriteria.Names"/>).</summary>
    internal abstract string CriterionName { get; }

    /// <summary>Checks every option; the one place options are validated. Messages name the option.</summary>
    internal virtual void Validate()
    {
        if ((ModelPath is null) == (Model is null))
            throw new ArgumentException("Set exactly one of ModelPath and Model.", nameof(ModelPath));
        if (ModelPath is not null && ModelPath.Length == 0)
            throw new ArgumentException("ModelPath is empty.", nameof(ModelPath));
        if (OutputColumnNames is null || OutputColumnNames.Length == 0)
            throw new ArgumentException("OutputColumnNames must name at least one model output.", nameof(OutputColumnNames));
        if (InputColumnNames is null || InputColumnNames.Length == 0)
            throw new ArgumentException("InputColumnNames must name at least one model input.", nameof(InputColumnNames));
        if (InputShapes is null) throw new ArgumentNullException(nameof(InputShapes));
        foreach (var (input, shape) in InputShapes)
        {
            if (!InputColumnNames.Contains(input))
                throw new ArgumentException($"{nameof(InputShapes)} names '{input}', which is not one of {nameof(InputColumnNames)} ({string.Join(", ", InputColumnNames)}).", nameof(InputShapes));
            if (shape is null || shape.Length < 2 || shape.Skip(1).Any(d => d <= 0) || shape[0] is 0 or < -1)
                throw new ArgumentOutOfRangeException(nameof(InputShapes), $"{nameof(InputShapes)}['{input}'] must be a batch dimension (positive, or -1) followed by at least one positive dimension; got " +
                    $"[{(shape is null ? "null" : string.Join(", ", shape))}].");
        }
        MaskSelectionOptions.ValidateSparsity(Sparsity, nameof(Sparsity));
        if (!Enum.IsDefined(Scope))
            throw new ArgumentOutOfRangeException(nameof(Scope), Scope, $"{nameof(Scope)} must be Layer or Global; got {Scope}.");
        if (!Enum.IsDefined(Granularity))
            throw new ArgumentOutOfRangeException(nameof(Granularity), Granularity, $"{nameof(Granularity)} must be one of {string.Join(", ", Enum.GetNames<PruningGranularity>())}; got {Granularity}.");
        if (!Enum.IsDefined(Schedule))
            throw new ArgumentOutOfRangeException(nameof(Schedule), Schedule, $"{nameof(Schedule)} must be one of {string.Join(", ", Enum.GetNames<PruningSchedule>())}; got {Schedule}.");
        if (Structured is null) throw new ArgumentNullException(nameof(Structured));
        Structured.Validate();
        if (Granularity == PruningGranularity.NM) ValidatePattern();
        if (ExcludedLayers is null) throw new ArgumentNullException(nameof(ExcludedLayers));
        if (LayerSparsity is null) throw new ArgumentNullException(nameof(LayerSparsity));
        foreach (var (layer, sparsity) in LayerSparsity)
            MaskSelectionOptions.ValidateSparsity(sparsity, $"{nameof(LayerSparsity)}['{layer}']");
        if (Schedule == PruningSchedule.Iterative && Rounds < 1)
            throw new ArgumentOutOfRangeException(nameof(Rounds), Rounds, $"{nameof(Rounds)} must be at least 1 for the Iterative schedule; got {Rounds}.");
        if (Schedule == PruningSchedule.Gradual)
        {
            if (FineTune is null)
                throw new ArgumentException("The Gradual schedule prunes during fine-tuning: set FineTune.", nameof(FineTune));
            if (!(SparsityRampStart >= 0 && SparsityRampStart < SparsityRampEnd && SparsityRampEnd <= 1))
                throw new ArgumentOutOfRangeException(nameof(SparsityRampEnd), SparsityRampEnd,
                    $"Need 0 <= {nameof(SparsityRampStart)} < {nameof(SparsityRampEnd)} <= 1; got {SparsityRampStart} and {SparsityRampEnd}.");
            if (PruningFrequency <= 0)
                throw new ArgumentOutOfRangeException(nameof(PruningFrequency), PruningFrequency, $"{nameof(PruningFrequency)} must be positive; got {PruningFrequency}.");
        }
        if (Schedule == PruningSchedule.Gradual && FineTune is { } gradualTune && (gradualTune.KeepBest || gradualTune.EarlyStoppingPatience is not null))
            throw new ArgumentException(
                "The Gradual schedule raises sparsity while fine-tuning, so an earlier epoch is less sparse than the target: " +
                "FineTune.KeepBest and FineTune.EarlyStoppingPatience work with the OneShot and Iterative schedules.", nameof(FineTune));
        if (CalibrationRows < 1)
            throw new ArgumentOutOfRangeException(nameof(CalibrationRows), CalibrationRows, $"{nameof(CalibrationRows)} must be at least 1; got {CalibrationRows}.");
        if (LabelColumnName is { Length: 0 })
            throw new ArgumentException($"{nameof(LabelColumnName)} is empty; leave it null to take FineTune's.", nameof(LabelColumnName));
        FineTune?.Validate();
    }

    /// <summary>
    /// With <see cref="PruningGranularity.NM"/>: 1 ≤ N &lt; M, M ≥ 2, and no per-layer targets (every layer gets the pattern's
    /// 1 − N/M; a layer that should stay dense goes to <see cref="ExcludedLayers"/>).
    /// </summary>
    private void ValidatePattern()
    {
        if (PatternM < 2)
            throw new ArgumentOutOfRangeException(nameof(PatternM), PatternM, $"{nameof(PatternM)} (M of the N:M pattern) must be at least 2; got {PatternM}.");
        if (PatternN < 1)
            throw new ArgumentOutOfRangeException(nameof(PatternN), PatternN, $"{nameof(PatternN)} (N of the N:M pattern) must be at least 1; got {PatternN}.");
        if (PatternN >= PatternM)
            throw new ArgumentOutOfRangeException(nameof(PatternN), PatternN,
                $"{nameof(PatternN)} must be less than {nameof(PatternM)} (N:M keeps N of every M weights); got {PatternN}:{PatternM}.");
        if (LayerSparsity is { Count: > 0 })
            throw new ArgumentException(
                $"Granularity NM prunes every candidate layer to the pattern's 1 − N/M; {nameof(LayerSparsity)} ({string.Join(", ", LayerSparsity.Keys)}) cannot apply. " +
                $"Leave a layer dense with {nameof(ExcludedLayers)}.", nameof(LayerSparsity));
    }

    /// <summary>The N:M pattern, with <see cref="PruningGranularity.NM"/>; null otherwise.</summary>
    internal NMPattern? Pattern => Granularity == PruningGranularity.NM ? new NMPattern(PatternN, PatternM) : null;

    /// <summary>The share of candidate weights (or units) pruned: the pattern's 1 − N/M with NM, else <see cref="Sparsity"/>.</summary>
    internal double EffectiveSparsity => Pattern?.Sparsity ?? Sparsity;

    /// <summary>The label column gradient criteria use, if any.</summary>
    internal string? EffectiveLabelColumn => LabelColumnName ?? FineTune?.LabelColumnName;

    /// <summary>Layer names the options mention, for checking against the model.</summary>
    internal IEnumerable<(string Option, string Layer)> NamedLayers =>
        ExcludedLayers.Select(l => (nameof(ExcludedLayers), l)).Concat(LayerSparsity.Keys.Select(l => (nameof(LayerSparsity), l)));
}
