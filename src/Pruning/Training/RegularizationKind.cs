using System.Text.Json.Serialization;

namespace Microsoft.ML.Pruning.Training;

/// <summary>A sparsity-inducing penalty applied during training by proximal steps (see <see cref="TrainingRegularization"/>).</summary>
/// <example><code>new SparseMlpOptions { Regularization = RegularizationKind.GroupL1, Lambda = 0.05 }</code></example>
[JsonConverter(typeof(JsonStringEnumConverter<RegularizationKind>))]
public enum RegularizationKind
{
    /// <summary>No penalty.</summary>
    None = 0,

    /// <summary>Lasso: soft-thresholding of single weights by learning rate·λ after each step (<see cref="L1Regularization"/>).</summary>
    L1 = 1,

    /// <summary>Group Lasso over output units (neurons): whole units shrink and reach zero together (<see cref="GroupL1Regularization"/>).</summary>
    GroupL1 = 2,
}
