using System;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Trainers.Training;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// Options of the SparseMlp trainers: a multilayer perceptron trained on the Torch engine, optionally made
/// sparse during training by a gradual (cubic) sparsity ramp (Zhu and Gupta, 2017), by an L1 or group-L1 penalty applied
/// as proximal steps (<see cref="Regularization"/>), or both.
/// </summary>
/// <example><code>
/// // Lasso-sparse: weights reach exact zeros during training; group Lasso removes whole hidden neurons.
/// var trainer = mlContext.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions
/// {
///     HiddenLayers = [300, 100], Epochs = 10, Regularization = RegularizationKind.GroupL1, Lambda = 0.05,
/// });
/// </code></example>
public sealed class SparseMlpOptions : GradientTrainingOptions
{
    /// <summary>Known-size vector of Single.</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>Key (multiclass), Boolean (binary) or Single (regression).</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>Units per hidden layer. Default 300, 100 (LeNet-300-100).</summary>
    public int[] HiddenLayers { get; set; } = [300, 100];

    /// <summary>Hidden activation.</summary>
    public MlpActivation Activation { get; set; } = MlpActivation.Relu;

    /// <summary>Final fraction of zero weights (all layers' weight matrices), in [0, 1). 0 trains a dense network.</summary>
    public double Sparsity { get; set; }

    /// <summary>Where the sparsity ramp starts, as a fraction of all training steps.</summary>
    public double SparsityRampStart { get; set; }

    /// <summary>Where the ramp reaches <see cref="Sparsity"/>, as a fraction of all steps; the rest trains with fixed masks.</summary>
    public double SparsityRampEnd { get; set; } = 0.75;

    /// <summary>Steps between mask updates during the ramp.</summary>
    public int PruningFrequency { get; set; } = 50;

    /// <summary>Whether the target applies to all weights together (default) or to each layer.</summary>
    public PruningScope Scope { get; set; } = PruningScope.Global;

    /// <summary>
    /// A sparsity-inducing penalty applied after every optimizer step: <see cref="RegularizationKind.L1"/> soft-thresholds
    /// every weight matrix by learning rate·<see cref="Lambda"/>; <see cref="RegularizationKind.GroupL1"/> shrinks each hidden
    /// neuron's incoming weights as a group (the output layer is not grouped: its units are the classes). Biases are never
    /// penalized. Combined with <see cref="Sparsity"/>, the ramp's masks apply on top. Default None.
    /// For a target sparsity with λ searched, train dense and use <c>mlContext.Pruning().Lasso(...)</c> on the model.
    /// </summary>
    public RegularizationKind Regularization { get; set; }

    /// <summary>
    /// λ of <see cref="Regularization"/>, ≥ 0. The threshold per step is learning rate·λ (·√fan-in for GroupL1): with SGD
    /// the proximal gradient method for loss + λ‖w‖₁; with Adam a scale-free strength (useful values about 1e-3…1).
    /// Default 0.01.
    /// </summary>
    public double Lambda { get; set; } = 0.01;

    /// <summary>Seed for initialization and shuffling; null takes one from the MLContext's seed.</summary>
    public int? Seed { get; set; }

    internal void Validate()
    {
        if (string.IsNullOrEmpty(FeatureColumnName)) throw new ArgumentException("FeatureColumnName is empty.", nameof(FeatureColumnName));
        if (string.IsNullOrEmpty(LabelColumnName)) throw new ArgumentException("LabelColumnName is empty.", nameof(LabelColumnName));
        if (HiddenLayers is null || HiddenLayers.Any(h => h <= 0))
            throw new ArgumentOutOfRangeException(nameof(HiddenLayers), "HiddenLayers must list positive unit counts (it may be empty).");
        if (!Enum.IsDefined(Activation)) throw new ArgumentOutOfRangeException(nameof(Activation), Activation, "Unknown activation.");
        ToSettings(TrainingLoss.CrossEntropy, 0).Validate("SparseMlp");
        MaskSelectionOptions.ValidateSparsity(Sparsity, nameof(Sparsity));
        if (!(SparsityRampStart >= 0 && SparsityRampStart < SparsityRampEnd && SparsityRampEnd <= 1))
            throw new ArgumentOutOfRangeException(nameof(SparsityRampEnd), SparsityRampEnd,
                $"Need 0 <= SparsityRampStart < SparsityRampEnd <= 1; got {SparsityRampStart} and {SparsityRampEnd}.");
        if (PruningFrequency <= 0) throw new ArgumentOutOfRangeException(nameof(PruningFrequency), PruningFrequency, "PruningFrequency must be positive.");
        if (!Enum.IsDefined(Scope)) throw new ArgumentOutOfRangeException(nameof(Scope), Scope, "Unknown scope.");
        if (!Enum.IsDefined(Regularization))
            throw new ArgumentOutOfRangeException(nameof(Regularization), Regularization, $"Regularization must be one of {string.Join(", ", Enum.GetNames<RegularizationKind>())}.");
        if (!(Lambda >= 0) || double.IsInfinity(Lambda))
            throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, $"Lambda must be a finite value ≥ 0; got {Lambda}.");
        if (Regularization == RegularizationKind.GroupL1 && HiddenLayers.Length == 0)
            throw new ArgumentException("GroupL1 removes hidden neurons; HiddenLayers is empty. Use L1, or add a hidden layer.", nameof(Regularization));
    }
}
