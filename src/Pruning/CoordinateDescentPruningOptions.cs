using System;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning;

/// <summary>
/// Options of <c>mlContext.Pruning().CoordinateDescent(options)</c>: each Gemm, MatMul and Conv layer is pruned so that it still
/// computes what it computed on calibration data. Per output row w of a layer with inputs X, the solver minimises
/// ½‖X(w − ŵ)‖² + λ·Σ_j p_j|ŵ_j| by coordinate descent on G = XᵀX, with the adaptive Lasso's p_j = (mean|w| / |w_j|)^γ
/// (<see cref="AdaptivePower"/>; γ = 0 is the plain Lasso); λ is found for the target sparsity (or given as
/// <see cref="Lambda"/>), and by default the chosen weights are refit by least squares (<see cref="Refit"/>).
/// No labels and no gradients are needed.
/// </summary>
/// <remarks>
/// <see cref="PruningOptions.Scope"/>: <see cref="PruningScope.Layer"/> (the default here) prunes each layer to
/// <see cref="PruningOptions.Sparsity"/> (or its <see cref="PruningOptions.LayerSparsity"/>), one λ per layer;
/// <see cref="PruningScope.Global"/> takes each layer's count from one global magnitude threshold over all pruned layers
/// (the magnitude estimator's allocation) and lets the solver choose the weights within each layer.
/// <para>
/// A Conv layer (1 to 3 spatial axes, any group, stride, dilation, padding or auto_pad) is, per group, a matrix
/// [M/group, (C/group)·Π kernel] acting on the im2col patches of its input, so X is the patches of its calibration
/// inputs (zero padding included) and each group is solved like a Gemm layer with its own G of ((C/group)·Π kernel)²
/// doubles. A layer's kept count is split evenly over its groups (one λ per group; the first groups keep one more
/// when it does not divide). Every output position of an image is a row of X; at most
/// <see cref="MaxConvPositionsPerRow"/> of them are sampled per calibration row (seeded by <see cref="PruningOptions.Seed"/>),
/// and the report's note says when X was subsampled.
/// </para>
/// <para>
/// Memory is the Gram matrices, never X: patches are streamed into G in bounded chunks. A configuration whose Gram
/// matrices would exceed <see cref="MaxGramMegabytes"/> is refused before any data is read, naming the layer.
/// Schedules other than one-shot are not supported yet.
/// </para>
/// <para>
/// <see cref="PruningOptions.Granularity"/> = <see cref="PruningGranularity.Neuron"/> is the structured mode (He et al. 2017,
/// "Channel pruning", with a group Lasso for the selection): for each Gemm/MatMul layer P whose output feeds, through a bias
/// Add and element-wise activations, exactly one Gemm/MatMul layer C, the neurons of P are chosen on C's reconstruction
/// problem min ½‖X(Wᵀ − Ŵᵀ)‖²_F + λ Σ_j ‖Ŵ_{:,j}‖ (X = P's activations, one group per neuron: C's column j), solved by
/// block coordinate descent on G = XᵀX with a duality-gap stop; then P's rows and bias entries of the removed neurons
/// and C's columns for them are zeroed, and C's kept columns are refit by least squares (<see cref="Refit"/>). When C has a
/// bias, the selection and refit treat it as free (they work on the centred inputs) and it is updated with the weights, so
/// the average of what the removed neurons contributed stays in C's output.
/// <see cref="PruningOptions.Sparsity"/> (or <see cref="PruningOptions.LayerSparsity"/>, keyed by P's weight) is the
/// fraction of P's neurons removed (the magnitude selector's rounding, at least one neuron kept); the global scope takes
/// each P's count from one threshold on the neurons' L2 norms over all P. The last layer's outputs are never removed, nor
/// are neurons that feed anything else (several consumers, a residual Add, a Reshape): those layers stay dense and the
/// log says why. The report has one <see cref="LayerReconstruction"/> row per consumer C (its relative error, λ, gap,
/// passes; the note says how many of P's neurons were kept). The model keeps its shapes: masks of whole units and the
/// reconstructed consumer weights; physical removal of the zero rows and columns is the structured-pruning export's job.
/// Neurons whose consumer is a Conv, and <see cref="PruningGranularity.Channel"/> (Conv filters), are refused with
/// <see cref="NotSupportedException"/> naming the layer.
/// </para>
/// <para>
/// <see cref="PruningGranularity.NM"/>: each output row's support is the N:M pattern chosen by |w_j|·√G_jj (the output each
/// weight carries on the calibration data, Wanda's score; groups along the inputs, for a Conv along the input channels of
/// each filter and kernel position), and the row is refit by least squares on that support (<c>SupportRefit</c>), with the
/// bias free as above. No Lasso runs, so <see cref="Lambda"/> must be null and <see cref="Refit"/> true.
/// </para>
/// </remarks>
/// <example><code>
/// var pruned = mlContext.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions
/// {
///     ModelPath = "lenet.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"],
///     Sparsity = 0.8, CalibrationRows = 1024,
/// }).Fit(data);
/// Console.WriteLine(pruned.Report);   // per layer: λ, relative reconstruction error, duality gap, passes, time
/// </code></example>
public sealed class CoordinateDescentPruningOptions : PruningOptions
{
    /// <summary>Creates options with the per-layer scope.</summary>
    public CoordinateDescentPruningOptions() => Scope = PruningScope.Layer;

    /// <summary>
    /// A fixed λ instead of a target sparsity, on scikit-learn's <c>Lasso</c> scale: per row the objective is
    /// (1/(2·r))‖X(w − ŵ)‖² + λ‖ŵ‖₁ with r the calibration positions, so λ does not depend on how many rows calibrate.
    /// The sparsity is then whatever λ gives. Null (default) uses <see cref="PruningOptions.Sparsity"/>; when set,
    /// <see cref="PruningOptions.Sparsity"/> must be 0 and <see cref="PruningOptions.LayerSparsity"/> empty.
    /// </summary>
    public double? Lambda { get; set; }

    /// <summary>
    /// δ added to G's diagonal as a fraction of its mean diagonal (ridge on the reconstruction). Default 0: none, except
    /// 0.01 when a layer has fewer calibration positions than inputs (G singular; the log says so).
    /// </summary>
    public double Damping { get; set; }

    /// <summary>
    /// γ of the adaptive Lasso (Zou 2006): weight j of a row is penalised by λ·(mean|w| / |w_j|)^γ, w the row's dense
    /// weights, so the solver trades what each weight carries on the calibration data against how large training made it.
    /// 0 is the plain Lasso. Default 1. A weight that is already 0 stays 0. With <see cref="Lambda"/>, λ applies to the
    /// weighted penalty (an average weight is penalised by λ).
    /// </summary>
    public double AdaptivePower { get; set; } = 1;

    /// <summary>
    /// Every output row of a Gemm/MatMul layer keeps the same share of its weights (the layer's kept count split evenly, the
    /// first rows keeping one more when it does not divide), each row with its own λ, as Wanda and SparseGPT compare weights
    /// per output. Default false: one λ for the whole layer, so rows that carry more of the layer's output keep more weights.
    /// Conv layers split their count evenly over groups either way; with <see cref="Lambda"/> or the N:M granularity there
    /// is no count to split, so those refuse it.
    /// </summary>
    public bool SameSparsityPerRow { get; set; }

    /// <summary>At most this many coordinate passes per λ and row. Default 10,000.</summary>
    public int MaxIterations { get; set; } = 10_000;

    /// <summary>
    /// Stop when the duality gap is at most this fraction of ‖Xw‖² of the row. Default 1e-4: with <see cref="Refit"/> only
    /// the support the Lasso picks matters; on LeNet-300-100 (80 %, 90 %) 1e-4 gave the accuracy of 1e-6 (within 0.03
    /// points) in a third of the time. Lower it when the Lasso's own values are kept (<see cref="Refit"/> false).
    /// </summary>
    public double Tolerance { get; set; } = 1e-4;

    /// <summary>
    /// Layers in graph order, each calibrated on the model with the earlier layers already pruned (default), so a
    /// layer also corrects what earlier layers lost; false calibrates every layer once on the dense model (faster).
    /// </summary>
    public bool Sequential { get; set; } = true;

    /// <summary>
    /// An INT64 model input [batch, sequence] whose 0 marks padding (default "attention_mask", what BERT exports
    /// call it); when the model has it, padded token positions are left out of every Gemm/MatMul layer's calibration
    /// inputs X of shape [batch, sequence, features]: their activations are never read by the model's outputs that
    /// matter, and fitting them would cost weights. Null or an input the model lacks: every position counts.
    /// </summary>
    public string? PaddingMaskInput { get; set; } = "attention_mask";

    /// <summary>
    /// Refit a Gemm/MatMul layer's bias with its weights (default true): when the layer has a bias (Gemm's C, or an Add of
    /// one value per output right after it), the weights are chosen on the centred calibration inputs and the bias takes the
    /// mean of what they no longer carry, b̂ = b + (mean dense input·w − mean input·ŵ), as the structured mode does.
    /// </summary>
    public bool FreeIntercept { get; set; } = true;

    /// <summary>
    /// Weigh each output unit's reconstruction error by how much the next layer reads it (default true): for a
    /// Gemm/MatMul layer whose units feed one Gemm/MatMul consumer (through a bias and element-wise activations), row i's
    /// squared error counts s_i = ‖column i of the consumer's weight‖² (divided by the mean), the diagonal of what the
    /// error costs the consumer's pre-activation; the kept weights move to the units the network uses. Layers without
    /// such a consumer (the last, a residual, a Conv) are unweighted. The report's error is the unweighted one.
    /// With <see cref="Lambda"/>, λ applies to the weighted objective.
    /// </summary>
    public bool ConsumerWeighting { get; set; } = true;

    /// <summary>
    /// Hard-sparsity mode (default): the Lasso chooses each layer's kept weights, then they are refit by least squares
    /// on G. False keeps the Lasso's own (shrunk) values.
    /// </summary>
    public bool Refit { get; set; } = true;

    /// <summary>
    /// For Conv layers: at most this many output positions (patches) per calibration row go into X, drawn without
    /// replacement (seeded by <see cref="PruningOptions.Seed"/>, the same positions in every pass); an image with fewer
    /// positions gives all of them. Default 64 (every position of an 8×8 output; 1 in 49 of a 56×56 one). X then has up to
    /// <see cref="PruningOptions.CalibrationRows"/> × this many rows; raise it (<see cref="int.MaxValue"/> for every
    /// position) when a layer's (C/group)·Π kernel approaches that. Calibration time grows linearly with it.
    /// </summary>
    public int MaxConvPositionsPerRow { get; set; } = 64;

    /// <summary>
    /// The most memory, in MiB, the Gram matrices held at once may take: n² doubles per layer (per group for Conv, n =
    /// (C/group)·Π kernel; n = inputs for Gemm/MatMul), the largest layer in sequential mode and all layers together in
    /// parallel mode. Larger configurations are refused before any data is read, naming the largest layer; exclude it
    /// (<see cref="PruningOptions.ExcludedLayers"/>), use sequential mode or raise this. Default 2048 (ResNet-18's convolutions
    /// take 1026 in parallel mode, 162 in sequential mode). The solve may hold a damped copy of one layer's G besides.
    /// </summary>
    public int MaxGramMegabytes { get; set; } = 2048;

    /// <summary>Global scope's allocation is by magnitude, the same criterion the magnitude estimator uses.</summary>
    internal override string CriterionName => "magnitude";

    internal override void Validate()
    {
        base.Validate();
        if (Granularity == PruningGranularity.NM && (Lambda is not null || !Refit))
            throw new ArgumentException(
                $"CoordinateDescent with Granularity NM chooses each row's N:M support by |w|·√G_jj and refits it by least squares; " +
                $"{(Lambda is not null ? $"{nameof(Lambda)} must be null" : $"{nameof(Refit)} must be true")}.", Lambda is not null ? nameof(Lambda) : nameof(Refit));
        if (Lambda is double lambda)
        {
            if (!(lambda >= 0) || double.IsInfinity(lambda))
                throw new ArgumentOutOfRangeException(nameof(Lambda), lambda, $"{nameof(Lambda)} must be a finite value ≥ 0; got {lambda}.");
            if (Sparsity != 0 || LayerSparsity.Count > 0)
                throw new ArgumentException(
                    $"Both {nameof(Sparsity)} ({Sparsity}{(LayerSparsity.Count > 0 ? $", and {nameof(LayerSparsity)}" : "")}) and {nameof(Lambda)} ({lambda}) are set; " +
                    $"set one: with {nameof(Lambda)}, set {nameof(Sparsity)} = 0 and leave {nameof(LayerSparsity)} empty (λ decides the sparsity).", nameof(Lambda));
        }
        if (!(Damping >= 0) || double.IsInfinity(Damping))
            throw new ArgumentOutOfRangeException(nameof(Damping), Damping, $"{nameof(Damping)} must be a finite value ≥ 0; got {Damping}.");
        if (SameSparsityPerRow && (Lambda is not null || Granularity == PruningGranularity.NM))
            throw new ArgumentException(
                $"{nameof(SameSparsityPerRow)} splits each layer's kept count evenly over its rows; with {(Lambda is not null ? nameof(Lambda) : "Granularity NM")} there is no count to split: " +
                $"set {nameof(SameSparsityPerRow)} = false.", nameof(SameSparsityPerRow));
        if (!(AdaptivePower >= 0) || double.IsInfinity(AdaptivePower))
            throw new ArgumentOutOfRangeException(nameof(AdaptivePower), AdaptivePower, $"{nameof(AdaptivePower)} must be a finite value ≥ 0 (0 for the plain Lasso); got {AdaptivePower}.");
        if (MaxIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxIterations), MaxIterations, $"{nameof(MaxIterations)} must be at least 1; got {MaxIterations}.");
        if (!(Tolerance > 0) || double.IsInfinity(Tolerance))
            throw new ArgumentOutOfRangeException(nameof(Tolerance), Tolerance, $"{nameof(Tolerance)} must be a finite value > 0; got {Tolerance}.");
        if (MaxConvPositionsPerRow < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxConvPositionsPerRow), MaxConvPositionsPerRow, $"{nameof(MaxConvPositionsPerRow)} must be at least 1; got {MaxConvPositionsPerRow}.");
        if (PaddingMaskInput is { Length: 0 })
            throw new ArgumentOutOfRangeException(nameof(PaddingMaskInput), PaddingMaskInput, $"{nameof(PaddingMaskInput)} is the name of a model input, or null for none; got an empty name.");
        if (MaxGramMegabytes < 1)
            throw new ArgumentOutOfRangeException(nameof(MaxGramMegabytes), MaxGramMegabytes, $"{nameof(MaxGramMegabytes)} must be at least 1; got {MaxGramMegabytes}.");
        if (Schedule != PruningSchedule.OneShot)
            throw new NotSupportedException($"CoordinateDescent prunes one-shot ({nameof(Schedule)} = OneShot), optionally followed by FineTune; {Schedule} is not supported.");
    }
}
