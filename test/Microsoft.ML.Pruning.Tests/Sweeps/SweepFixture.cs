using System;
using System.IO;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Tests.Transforms;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

/// <summary>A sweep's inputs for the tests: the tiny MLP of the transform tests (in memory), its generated rows, a fresh folder.</summary>
internal sealed class SweepFixture : IDisposable
{
    public SweepFixture(int rows = 60)
    {
        Context = new MLContext(1);
        Train = TestData.Multiclass(Context, rows, seed: 1);
        Validation = TestData.Multiclass(Context, rows, seed: 2);
        Root = Path.Combine(Path.GetTempPath(), "sweep-tests-" + Guid.NewGuid().ToString("N"));
    }

    public MLContext Context { get; }

    public IDataView Train { get; }

    public IDataView Validation { get; }

    /// <summary>A folder of folders, removed with the fixture.</summary>
    public string Root { get; }

    /// <summary>Options over the MLP (in memory) with accuracy as the metric, in folder <paramref name="folder"/> under <see cref="Root"/>.</summary>
    public SweepOptions Options(string folder = "sweep", params SweepParameter[] parameters) => new()
    {
        BaseOptions = new MagnitudePruningOptions { Model = TestData.Mlp(), OutputColumnNames = ["Score"], InputColumnNames = ["Features"] },
        Parameters = [.. parameters],
        Metric = SweepMetric.Accuracy("Label", "Score"),
        Directory = Path.Combine(Root, folder),
        MaxTrials = 6,
        LatencyRepeats = 1,
        LatencyWarmup = 0,
    };

    public SweepResult Run(SweepOptions options, ISweepTrialRunner? runner = null, IProgress<SweepProgress>? progress = null,
        System.Threading.CancellationToken cancellationToken = default) =>
        Context.Pruning().Sweep(options).Run(Train, Validation, runner ?? new FakeTrialRunner(), progress, cancellationToken);

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }
}

/// <summary>An <see cref="IProgress{T}"/> that runs its action on the reporting thread (Progress&lt;T&gt; posts to the thread pool).</summary>
internal sealed class InlineProgress<T>(Action<T> action) : IProgress<T>
{
    public void Report(T value) => action(value);
}
