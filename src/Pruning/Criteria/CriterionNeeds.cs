using System;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>What a criterion needs beyond the weights; the pipeline computes only what the chosen criterion asks for.</summary>
[Flags]
public enum CriterionNeeds
{
    /// <summary>Weights alone.</summary>
    None = 0,

    /// <summary>Σx² of each input feature (input channel for Conv) of the layer over the calibration rows.</summary>
    InputNorms = 1,

    /// <summary>Per output unit, over calibration rows: mean |a| and the fraction of zeros of its activation.</summary>
    UnitActivations = 2,

    /// <summary>Per output unit, one activation value per calibration row (spatial mean for Conv).</summary>
    UnitSamples = 4,

    /// <summary>Correlation matrix of the output units' activations over calibration rows.</summary>
    UnitCorrelation = 8,

    /// <summary>Gradients of the loss w.r.t. the weights over calibration rows: needs a label column and Microsoft.ML.Pruning.Trainers.</summary>
    WeightGradients = 16,

    /// <summary>Gradients of the loss w.r.t. the output units' activations: needs a label column and Microsoft.ML.Pruning.Trainers.</summary>
    ActivationGradients = 32,
}
