using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Onnx.Tests.Helpers;

/// <summary>ONNX's backend test suite as Debian's libonnx-testdata installs it.</summary>
internal static class OnnxTestData
{
    public const string Root = "/usr/share/libonnx-testdata/data";

    public static readonly string[] Suites = ["node", "pytorch-converted", "pytorch-operator", "simple"];

    /// <summary>Every model.onnx of the suites, sorted; Inconclusive (never a silent pass) when not installed.</summary>
    public static IReadOnlyList<string> ModelPaths()
    {
        if (!Directory.Exists(Root))
            Assert.Inconclusive($"ONNX backend test data not found at {Root}; install it with 'apt-get install libonnx-testdata' (build/test.sh does).");
        var paths = Suites
            .Select(suite => Path.Combine(Root, suite))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "model.onnx", SearchOption.AllDirectories))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (paths.Count == 0)
            Assert.Inconclusive($"No model.onnx files under {Root}; reinstall libonnx-testdata.");
        return paths;
    }
}
