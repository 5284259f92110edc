using System;
using System.Linq;
using System.Reflection;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class AssemblyLayoutTests
{
    private static readonly Assembly Core = typeof(PruningEstimator).Assembly;
    private static readonly Assembly Trainers = typeof(SparseMlpTrainer).Assembly;
    private static readonly Assembly Onnx = typeof(OnnxModel).Assembly;
    private static readonly Assembly Plots = typeof(Microsoft.ML.Pruning.Plots.PruningPlots).Assembly;
    private static readonly Assembly Cli = typeof(Microsoft.ML.Pruning.Cli.ProcessTrialRunner).Assembly;
    private static readonly Assembly[] All = [Core, Trainers, Onnx, Plots, Cli];

    [TestMethod]
    public void MicrosoftMLPruning_ReferencesNoTorchSharp()
    {
        var references = Core.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.IsFalse(references.Any(r => r.StartsWith("TorchSharp", StringComparison.Ordinal)), string.Join(", ", references));
        Assert.IsFalse(references.Contains("Microsoft.ML.Pruning.Trainers"), "the core finds the gradient backend by name, never by reference");
        CollectionAssert.Contains(Trainers.GetReferencedAssemblies().Select(a => a.Name).ToArray(), "TorchSharp");
    }

    [TestMethod]
    public void MicrosoftMLPruningPlots_ReferencesNoTorchSharp()
    {
        var references = Plots.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.IsFalse(references.Any(r => r.StartsWith("TorchSharp", StringComparison.Ordinal) || r == "Microsoft.ML.Pruning.Trainers"), string.Join(", ", references));
    }

    [TestMethod]
    public void PublicTypes_LiveInTheNamespaceOfTheirAssembly()
    {
        foreach (var assembly in All)
        {
            string name = assembly.GetName().Name!;
            var others = All.Select(a => a.GetName().Name!).Where(n => n != name && n.StartsWith(name + ".", StringComparison.Ordinal));
            foreach (var type in assembly.GetExportedTypes())
            {
                string ns = type.Namespace ?? "";
                Assert.IsTrue(ns == name || ns.StartsWith(name + ".", StringComparison.Ordinal), $"{type.FullName} in {name}");
                Assert.IsFalse(others.Any(o => ns == o || ns.StartsWith(o + ".", StringComparison.Ordinal)), $"{type.FullName} in {name} uses another assembly's namespace");
            }
        }
    }
}
