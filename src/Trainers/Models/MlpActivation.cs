namespace Microsoft.ML.Pruning.Trainers.Models;

/// <summary>Activation between the hidden layers of a multilayer perceptron.</summary>
public enum MlpActivation
{
    /// <summary>max(0, x).</summary>
    Relu,

    /// <summary>x for x &gt; 0, else 0.01·x.</summary>
    LeakyRelu,

    /// <summary>Hyperbolic tangent.</summary>
    Tanh,

    /// <summary>Logistic sigmoid.</summary>
    Sigmoid,
}
