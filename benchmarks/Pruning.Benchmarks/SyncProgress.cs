using System;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>An <see cref="IProgress{T}"/> that calls its action on the reporting thread at once (System.Progress posts it later).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
