using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// The part of a model that training runs: the nodes a chosen tensor depends on, with that tensor as the only
/// output. Initializer names are kept, so trained values are written back into the full model by name.
/// </summary>
public static class TrainingGraph
{
    /// <summary>
    /// The tensor to train against for <paramref name="scoreOutput"/>: the input of a final Softmax/LogSoftmax
    /// (for cross-entropy) or Sigmoid (for binary cross-entropy), else the output itself.
    /// </summary>
    public static string TrainableOutput(OnnxModel model, string scoreOutput, TrainingLoss loss)
    {
        ArgumentNullException.ThrowIfNull(model);
        var producer = model.Graph.Node.FirstOrDefault(n => n.Output.Contains(scoreOutput))
            ?? throw new InvalidOperationException($"No node of the model produces output '{scoreOutput}'.");
        bool squashes = loss switch
        {
            TrainingLoss.CrossEntropy => producer.OpType is "Softmax" or "LogSoftmax",
            TrainingLoss.BinaryCrossEntropy => producer.OpType is "Sigmoid",
            _ => false,
        };
        return squashes ? producer.Input[0] : scoreOutput;
    }

    /// <summary>A copy of <paramref name="model"/> reduced to what <paramref name="output"/> needs, with it as the only output.</summary>
    public static OnnxModel Extract(OnnxModel model, string output)
    {
        ArgumentNullException.ThrowIfNull(model);
        var proto = model.Proto.Clone();
        var graph = proto.Graph;
        var producers = new Dictionary<string, NodeProto>();
        foreach (var node in graph.Node)
            foreach (var o in node.Output)
                if (o.Length > 0) producers[o] = node;
        bool isGraphInput = graph.Input.Any(i => i.Name == output);
        if (!producers.ContainsKey(output) && !isGraphInput)
            throw new InvalidOperationException($"The model has no tensor named '{output}' to train against.");

        var needed = new HashSet<NodeProto>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<string>();
        pending.Push(output);
        var seen = new HashSet<string>();
        while (pending.Count > 0)
        {
            string name = pending.Pop();
            if (!seen.Add(name) || !producers.TryGetValue(name, out var node) || !needed.Add(node)) continue;
            foreach (var i in node.Input) if (i.Length > 0) pending.Push(i);
        }
        var kept = graph.Node.Where(needed.Contains).ToList();
        graph.Node.Clear();
        graph.Node.AddRange(kept);
        var usedNames = new HashSet<string>(kept.SelectMany(n => n.Input)) { output };
        var initializers = graph.Initializer.Where(t => usedNames.Contains(t.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);
        var sparse = graph.SparseInitializer.Where(t => usedNames.Contains(t.Values?.Name ?? "")).ToList();
        graph.SparseInitializer.Clear();
        graph.SparseInitializer.AddRange(sparse);
        var inputs = graph.Input.Where(i => usedNames.Contains(i.Name)).ToList();
        graph.Input.Clear();
        graph.Input.AddRange(inputs);
        var declared = graph.Output.Concat(graph.ValueInfo).FirstOrDefault(v => v.Name == output);
        graph.Output.Clear();
        graph.Output.Add(declared?.Clone() ?? new ValueInfoProto { Name = output });
        try
        {
            var extracted = OnnxModel.FromProto(proto);
            extracted.Densify(); // the engine trains dense tensors; compact storage is for files
            return extracted;
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidOperationException($"The sub-graph computing '{output}' could not be formed: {ex.Message}", ex);
        }
    }
}
