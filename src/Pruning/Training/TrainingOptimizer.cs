using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>Gradient optimizer used by training and fine-tuning.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TrainingOptimizer>))]
public enum TrainingOptimizer
{
    /// <summary>Adam (Kingma and Ba), with L2 weight decay added to the gradient as in PyTorch.</summary>
    Adam,

    /// <summary>Stochastic gradient descent with momentum.</summary>
    SgdMomentum,
}
