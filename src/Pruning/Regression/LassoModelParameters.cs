using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace Microsoft.ML.Pruning;

/// <summary>
/// The linear model <c>LassoCoordinateDescent</c> fitted, ŷ = <see cref="Bias"/> + xᵀ<see cref="Weights"/>, as ML.NET's
/// <c>LinearRegressionModelParameters</c> gives it, with the chosen α and the whole path it was chosen on.
/// </summary>
public sealed class LassoModelParameters
{
    internal LassoModelParameters(IReadOnlyList<LassoPathPoint> path, int selectedIndex, double l1Ratio, string selection)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfNegative(selectedIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(selectedIndex, path.Count);
        Path = path;
        SelectedIndex = selectedIndex;
        L1Ratio = l1Ratio;
        Selection = selection;
        var selected = path[selectedIndex];
        Weights = selected.Weights.Select(w => (float)w).ToArray();
        Bias = (float)selected.Bias;
    }

    /// <summary>β as the model scores with it (Single), one per feature slot.</summary>
    public IReadOnlyList<float> Weights { get; }

    /// <summary>The intercept b as the model scores with it.</summary>
    public float Bias { get; }

    /// <summary>The chosen α.</summary>
    public double Alpha => Path[SelectedIndex].Alpha;

    /// <summary>ρ, the ℓ1 share of the penalty (1 for the Lasso).</summary>
    public double L1Ratio { get; }

    /// <summary>Non-zero weights of the model.</summary>
    public int NonZeros => Path[SelectedIndex].NonZeros;

    /// <summary>How α was chosen, in words (given, or the cross-validation and its rule).</summary>
    public string Selection { get; }

    /// <summary>The path, largest α first; with a given α, the path's values above it and then α itself.</summary>
    public IReadOnlyList<LassoPathPoint> Path { get; }

    /// <summary>The index in <see cref="Path"/> of the model's α.</summary>
    public int SelectedIndex { get; }

    /// <summary>The chosen point of the path (weights in doubles, fit, validation error).</summary>
    public LassoPathPoint Selected => Path[SelectedIndex];

    /// <inheritdoc />
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture,
            $"{(L1Ratio == 1 ? "Lasso" : $"Elastic net (L1Ratio {L1Ratio:G6})")}, α = {Alpha:G6} ({Selection}): {NonZeros} of {Weights.Count} weights non-zero, bias {Bias:G6}").AppendLine();
        for (int i = 0; i < Path.Count; i++)
        {
            text.Append(i == SelectedIndex ? "* " : "  ").Append(Path[i]).AppendLine();
        }

        return text.ToString();
    }
}
