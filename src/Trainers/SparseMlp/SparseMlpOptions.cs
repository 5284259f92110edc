using System;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers.Models;
using Microsoft.ML.Pruning.Training;
using Microsoft.ML.Pruning.Trainers.Training;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// Options of the SparseMlp trainers: a multilayer perceptron trained on the Torch engine, optionally made
/// sparse during training by a gradual (cubic) sparsity ramp (Zhu and Gupta, 2017).
/// </summary>
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
    }
}
