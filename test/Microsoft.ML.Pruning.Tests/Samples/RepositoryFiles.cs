using System;
using System.IO;

namespace Microsoft.ML.Pruning.Tests.Samples;

/// <summary>Files of the repository the tests run from (samples, README, BENCHMARKS.md).</summary>
internal static class RepositoryFiles
{
    /// <summary>The folder holding Microsoft.ML.Pruning.sln, found upward from the test assembly.</summary>
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "Microsoft.ML.Pruning.sln"))) return dir.FullName;
            throw new InvalidOperationException("Repository root not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A path below the root, e.g. <c>Path("samples", "Notebooks")</c>.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);
}
