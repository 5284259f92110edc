using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Tests.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Structured;

/// <summary>
/// The analysis on every pytorch-converted backend test model with a Conv, Gemm or MatMul layer: it never throws, and
/// every layer is accounted for (a group's producer, a depthwise Conv carried by a group, or unprunable with a reason).
/// </summary>
[TestClass]
public sealed class PyTorchConvertedDependencyTests
{
    public TestContext TestContext { get; set; } = null!;

    [TestMethod]
    public void Analyze_EveryPyTorchConvertedModelWithLayers_AccountsForEveryLayer()
    {
        string root = OnnxNodeTestData.PyTorchConvertedRoot;
        if (!Directory.Exists(root)) Assert.Inconclusive($"ONNX backend pytorch-converted tests not found at '{root}' (apt-get install libonnx-testdata).");
        var failures = new List<string>();
        int analysed = 0;
        foreach (string file in Directory.GetDirectories(root).Order(StringComparer.Ordinal).Select(d => Path.Combine(d, "model.onnx")).Where(File.Exists))
        {
            var model = OnnxModel.Load(file);
            var layers = model.GetPrunableWeights();
            if (layers.Count == 0) continue;
            string name = Path.GetFileName(Path.GetDirectoryName(file))!;
            IReadOnlyDictionary<string, long[]> shapes;
            try
            {
                shapes = ValueShapes.Infer(model);
            }
            catch (InvalidOperationException ex) when (ex.Message.Contains("NotImplemented", StringComparison.Ordinal))
            {
                // ONNX Runtime no longer runs some old opsets (Gemm-6): nothing to learn shapes from.
                TestContext.WriteLine($"{name}: skipped, {ex.Message}");
                continue;
            }
            try
            {
                foreach (bool pruneOutputs in new[] { false, true })
                {
                    var graph = ChannelDependencies.Analyze(model, shapes, pruneOutputs);
                    var producers = graph.Groups.SelectMany(g => g.Slices.Where(s => s.Role == ChannelRole.Producer).Select(s => s.Tensor)).ToList();
                    var carried = graph.Groups.SelectMany(g => g.Slices.Where(s => s.Role == ChannelRole.Parameter).Select(s => s.Tensor)).ToHashSet();
                    var dense = graph.Unprunable.Select(u => u.Layer).ToList();
                    foreach (var layer in layers)
                    {
                        int count = producers.Count(p => p == layer.Name) + dense.Count(d => d == layer.Name) + (carried.Contains(layer.Name) ? 1 : 0);
                        if (count != 1) failures.Add($"{name} (pruneOutputs {pruneOutputs}): {layer.Name} is accounted for {count} times");
                    }
                    if (graph.Unprunable.Any(u => string.IsNullOrWhiteSpace(u.Reason))) failures.Add($"{name}: an unprunable layer without a reason");
                    if (pruneOutputs)
                        TestContext.WriteLine($"{name}: {graph.Groups.Count} groups, dense: {StructuredTestGraphs.Describe(graph.Unprunable)}");
                }
                analysed++;
            }
            catch (Exception ex) when (ex is not AssertFailedException)
            {
                failures.Add($"{name}: {ex.GetType().Name}: {ex.Message}");
            }
        }
        Assert.IsEmpty(failures, string.Join("\n", failures));
        Assert.IsGreaterThanOrEqualTo(26, analysed, "ONNX 1.12's folder (Debian 12) has 26 such models ONNX Runtime runs; fewer means models went missing.");
    }
}
