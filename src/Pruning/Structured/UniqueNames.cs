using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>Fresh names for values and nodes that graph rewrites add.</summary>
internal static class UniqueNames
{
    /// <summary>"<paramref name="baseName"/>_1", "_2", … the first not in <paramref name="used"/>; it is added to <paramref name="used"/>.</summary>
    public static string Next(HashSet<string> used, string baseName)
    {
        for (int i = 1; ; i++)
        {
            string name = $"{baseName}_{i}";
            if (used.Add(name)) return name;
        }
    }

    /// <summary>Every value name the main graph uses: inputs, outputs, value_info, initializers (dense and sparse) and node outputs and inputs.</summary>
    public static HashSet<string> ValueNames(GraphProto graph)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var info in graph.Input) names.Add(info.Name);
        foreach (var info in graph.Output) names.Add(info.Name);
        foreach (var info in graph.ValueInfo) names.Add(info.Name);
        foreach (var tensor in graph.Initializer) names.Add(tensor.Name);
        foreach (var sparse in graph.SparseInitializer) names.Add(sparse.Values?.Name ?? "");
        foreach (var node in graph.Node)
        {
            foreach (string name in node.Input) names.Add(name);
            foreach (string name in node.Output) names.Add(name);
        }
        return names;
    }
}
