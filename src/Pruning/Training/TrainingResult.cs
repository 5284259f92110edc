using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace Microsoft.ML.Pruning.Training;

/// <summary>How a training run went: its epochs, and whether it stopped early, diverged or restored earlier weights.</summary>
public sealed class TrainingResult
{
    /// <summary>A run and its outcome.</summary>
    public TrainingResult(IReadOnlyList<EpochResult> epochs, int? bestEpoch = null, bool stoppedEarly = false, int? restoredEpoch = null, string? divergence = null)
    {
        Epochs = epochs;
        BestEpoch = bestEpoch;
        StoppedEarly = stoppedEarly;
        RestoredEpoch = restoredEpoch;
        Divergence = divergence;
    }

    /// <summary>One result per epoch that completed.</summary>
    public IReadOnlyList<EpochResult> Epochs { get; }

    /// <summary>The 1-based epoch of lowest validation loss; null without validation data.</summary>
    public int? BestEpoch { get; }

    /// <summary>Early stopping ended the run before its last epoch.</summary>
    public bool StoppedEarly { get; }

    /// <summary>
    /// The epoch whose weights the model ends with, when not the last one trained: the best epoch (KeepBest) or the
    /// last good one (after divergence); 0 means the weights from before training. Null: the weights of the last step.
    /// </summary>
    public int? RestoredEpoch { get; }

    /// <summary>What stopped a diverging run (a NaN or infinite loss or gradient) and what was restored; null if it did not diverge.</summary>
    public string? Divergence { get; }

    /// <summary>
    /// What the run's regularizer measured after each completed epoch (non-zeros per weight, penalty), when the run was
    /// regularized (<see cref="TrainingRegularization"/>); empty otherwise. The loss curve is <see cref="Epochs"/>' MeanLoss.
    /// </summary>
    public IReadOnlyList<RegularizationEpoch> Regularization { get; init; } = [];

    /// <summary>A non-finite loss or gradient stopped the run.</summary>
    public bool Diverged => Divergence is not null;

    /// <summary>A line for logs and reports.</summary>
    public override string ToString()
    {
        var parts = new List<string> { $"{Epochs.Count} epoch{(Epochs.Count == 1 ? "" : "s")}" };
        if (Epochs.Count > 0) parts.Add(string.Create(CultureInfo.InvariantCulture, $"last loss {Epochs[^1].MeanLoss:F4}"));
        if (BestEpoch is int best)
        {
            var bestResult = Epochs.FirstOrDefault(e => e.Epoch == best);
            parts.Add($"best epoch {best}" + (bestResult?.ValidationLoss is double v ? string.Create(CultureInfo.InvariantCulture, $" (validation loss {v:F4})") : ""));
        }
        if (StoppedEarly) parts.Add("stopped early");
        if (RestoredEpoch is int restored) parts.Add(restored == 0 ? "restored the weights from before training" : $"restored epoch {restored}'s weights");
        if (Divergence is not null) parts.Add(Divergence);
        return string.Join(", ", parts);
    }
}
