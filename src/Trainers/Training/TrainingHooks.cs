using System;
using System.Threading;

namespace Microsoft.ML.Pruning.Training;

/// <summary>Callbacks a training run makes, and how it learns it should stop.</summary>
public sealed class TrainingHooks
{
    /// <summary>After every epoch (for the MLContext log).</summary>
    public Action<EpochResult>? EpochCompleted { get; init; }

    /// <summary>
    /// After every optimizer step, once masks are re-applied; receives the 0-based global step. Gradual
    /// pruning recomputes masks here.
    /// </summary>
    public Action<long>? StepCompleted { get; init; }

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
