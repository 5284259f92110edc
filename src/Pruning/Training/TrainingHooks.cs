using System;
using System.Threading;

namespace Microsoft.ML.Pruning.Training;

/// <summary>Callbacks a training run makes, and how it learns it should stop.</summary>
public sealed class TrainingHooks
{
    /// <summary>
    /// Before every epoch: the 1-based epoch and the row order its batches take (rows
    /// <c>order[0..BatchSize)</c> form the first batch, and so on). The memory is reused by the next epoch; copy it
    /// to keep it. For reproducing a run elsewhere, e.g. feeding the same batches to another framework.
    /// </summary>
    public Action<int, ReadOnlyMemory<int>>? EpochShuffled { get; init; }

    /// <summary>After every epoch (for the MLContext log).</summary>
    public Action<EpochResult>? EpochCompleted { get; init; }

    /// <summary>
    /// After every optimizer step, once masks are re-applied; receives the 0-based global step. Gradual
    /// pruning recomputes masks here.
    /// </summary>
    public Action<long>? StepCompleted { get; init; }

    /// <summary>
    /// Progress lines (step, loss, learning rate, at most one per <see cref="ProgressInterval"/>) and notices (how the
    /// score output was taken, divergence, early stopping, restored weights), for the MLContext log.
    /// </summary>
    public Action<string>? Log { get; init; }

    /// <summary>Least time between two step-progress lines in <see cref="Log"/>; default 10 s. Zero logs every step.</summary>
    public TimeSpan ProgressInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Polled inside the batch loop; true stops the run with <see cref="OperationCanceledException"/>.</summary>
    public Func<bool>? IsCanceled { get; init; }

    /// <summary>Also polled inside the batch loop.</summary>
    public CancellationToken CancellationToken { get; init; }

    internal void ThrowIfCanceled()
    {
        CancellationToken.ThrowIfCancellationRequested();
        if (IsCanceled?.Invoke() == true)
            throw new OperationCanceledException("Training was canceled (MLContext execution canceled).");
    }
}
