using System;
using System.Collections.Generic;
using System.Globalization;

namespace Microsoft.ML.Pruning.Algorithms;

/// <summary>How many weights <see cref="MaskSelector"/> prunes, and over which set of weights the target applies.</summary>
/// <example>
/// <code>
/// var options = new MaskSelectionOptions { Sparsity = 0.9, Scope = PruningScope.Global };
/// options.LayerSparsity["classifier.weight"] = 0.5; // keep the last layer denser
/// </code>
/// </example>
public sealed class MaskSelectionOptions
{
    /// <summary>
    /// Fraction of weights to prune, in [0, 1). Of n weights, exactly round(Sparsity·n) are pruned
    /// (midpoints round to even, as <c>torch.nn.utils.prune</c> does). 0 prunes nothing.
    /// </summary>
    public double Sparsity { get; set; }

    /// <summary>Whether <see cref="Sparsity"/> applies to each layer or to all layers together. Default: <see cref="PruningScope.Global"/>, as everywhere in the library.</summary>
    public PruningScope Scope { get; set; } = PruningScope.Global;

    /// <summary>
    /// Per-layer sparsity, by layer name, each in [0, 1). A layer named here prunes exactly its own share and
    /// is left out of the shared budget of <see cref="PruningScope.Global"/>. Names must match a layer passed to
    /// the selector exactly (ordinal comparison, whatever the dictionary's own comparer).
    /// </summary>
    public IDictionary<string, double> LayerSparsity { get; set; } = new Dictionary<string, double>(StringComparer.Ordinal);

    /// <summary>Throws if any option is out of range; the message names the option and the value.</summary>
    internal void Validate()
    {
        ValidateSparsity(Sparsity, nameof(Sparsity));
        if (Scope is not (PruningScope.Layer or PruningScope.Global))
            throw new ArgumentOutOfRangeException(nameof(Scope), Scope, $"{nameof(Scope)} must be {nameof(PruningScope.Layer)} or {nameof(PruningScope.Global)}; got {Scope}.");
        if (LayerSparsity is null)
            throw new ArgumentNullException(nameof(LayerSparsity), $"{nameof(LayerSparsity)} must not be null; leave it empty for no overrides.");
        foreach (var (name, value) in LayerSparsity)
            ValidateSparsity(value, $"{nameof(LayerSparsity)}['{name}']");
    }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless <paramref name="value"/> is in [0, 1).</summary>
    internal static void ValidateSparsity(double value, string optionName)
    {
        // Written so that NaN fails too.
        if (!(value >= 0 && value < 1))
            throw new ArgumentOutOfRangeException(optionName, value, $"{optionName} must be in [0, 1); got {value.ToString(CultureInfo.InvariantCulture)}.");
    }
}
