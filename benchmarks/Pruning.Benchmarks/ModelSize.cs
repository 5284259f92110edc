using System;
using System.Collections.Generic;
using System.Linq;
using Google.Protobuf;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// What a written ONNX file costs, measured from the file alone: its float parameters (elements of its float initializers and
/// Constant tensors, dense or sparse, by their declared shapes) and the multiply-accumulates of its Conv, ConvTranspose, Gemm and MatMul nodes
/// at batch 1, with every value's shape taken from one ONNX Runtime run on seeded inputs.
/// </summary>
// LEAD: once Microsoft.ML.Pruning.Structured.ModelCost (H4) is merged, Macs should call it (params and MACs per layer from
// ValueShapes.Infer) and this class keep only the file-level Parameters; the numbers must agree on ResNet18 and MiniLM.
internal static class ModelSize
{
    /// <summary>
    /// Elements of the float initializers and float Constant nodes (dense tensors, and sparse ones by their dense shape: the
    /// library's compact files may hold a weight as a sparse initializer or as a Constant node's sparse_value).
    /// </summary>
    public static long Parameters(byte[] onnx)
    {
        var graph = ModelProto.Parser.ParseFrom(onnx).Graph;
        const int Float = (int)TensorProto.Types.DataType.Float;
        static long Elements(IEnumerable<long> dims) => dims.Aggregate(1L, (a, d) => a * d);
        long dense = graph.Initializer.Where(t => t.DataType == Float).Sum(t => Elements(t.Dims));
        long sparse = graph.SparseInitializer.Where(s => s.Values?.DataType == Float).Sum(s => Elements(s.Dims));
        long constants = 0;
        foreach (var node in graph.Node.Where(n => n.OpType == "Constant"))
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.Name == "value" && attribute.T is { DataType: Float } t) constants += Elements(t.Dims);
                else if (attribute.Name == "sparse_value" && attribute.SparseTensor is { Values.DataType: Float } st) constants += Elements(st.Dims);
            }
        }
        return dense + sparse + constants;
    }

    /// <summary>
    /// Multiply-accumulates per batch-1 inference: Conv and ConvTranspose (output or input elements × kernel elements per
    /// group), Gemm and MatMul (output elements × the reduced dimension). Shapes come from running ONNX Runtime once (graph
    /// optimizations off) with every node output added as a graph output; <paramref name="feeds"/> give the inputs' row shapes.
    /// </summary>
    public static long Macs(byte[] onnx, IReadOnlyList<InputFeed> feeds)
    {
        var proto = ModelProto.Parser.ParseFrom(onnx);
        var graph = proto.Graph;
        var shapes = new Dictionary<string, long[]>(StringComparer.Ordinal);
        foreach (var initializer in graph.Initializer) shapes[initializer.Name] = [.. initializer.Dims];
        foreach (var sparse in graph.SparseInitializer)
            if (sparse.Values?.Name is { } name) shapes[name] = [.. sparse.Dims];
        foreach (var feed in feeds) shapes[feed.Name] = [1, .. feed.RowShape];

        // Constant nodes' shapes come from their tensors; they are not made graph outputs (ONNX Runtime cannot fetch a
        // sparse_value of more than two dimensions, the form the library's compact files may give a weight).
        foreach (var node in graph.Node.Where(n => n.OpType == "Constant"))
        {
            foreach (var attribute in node.Attribute)
            {
                if (attribute.Name == "value" && attribute.T is { } t) shapes[node.Output[0]] = [.. t.Dims];
                else if (attribute.Name == "sparse_value" && attribute.SparseTensor is { } st) shapes[node.Output[0]] = [.. st.Dims];
            }
        }
        var outputs = graph.Output.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        foreach (var node in graph.Node.Where(n => n.OpType != "Constant"))
            foreach (string output in node.Output)
                if (output.Length > 0 && outputs.Add(output)) graph.Output.Add(new ValueInfoProto { Name = output });
        graph.ValueInfo.Clear();

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, IntraOpNumThreads = 1 };
        using var session = new InferenceSession(proto.ToByteArray(), options);
        var inputs = feeds.Select((f, i) => f.Create(1, i)).ToList();
        try
        {
            using var run = new RunOptions();
            var names = session.OutputNames.ToArray();
            using var values = session.Run(run, [.. feeds.Select(f => f.Name)], inputs, names);
            for (int i = 0; i < names.Length; i++)
                if (values[i].OnnxType == OnnxValueType.ONNX_TYPE_TENSOR) shapes[names[i]] = values[i].GetTensorTypeAndShape().Shape;
        }
        finally
        {
            foreach (var input in inputs) input.Dispose();
        }

        long Elements(string name) => shapes.TryGetValue(name, out var s) ? s.Aggregate(1L, (a, d) => a * d)
            : throw new InvalidOperationException($"No shape for '{name}' after the ONNX Runtime run.");
        long[] Shape(string name) => shapes.TryGetValue(name, out var s) ? s : throw new InvalidOperationException($"No shape for '{name}' after the ONNX Runtime run.");
        long macs = 0;
        foreach (var node in graph.Node)
        {
            switch (node.OpType)
            {
                case "Conv":
                    // Each output element sums (input channels / group) × kernel elements: the weight's dims after the first.
                    macs += Elements(node.Output[0]) * Shape(node.Input[1]).Skip(1).Aggregate(1L, (a, d) => a * d);
                    break;
                case "ConvTranspose":
                    // Each input element scatters into (output channels / group) × kernel elements.
                    macs += Elements(node.Input[0]) * Shape(node.Input[1]).Skip(1).Aggregate(1L, (a, d) => a * d);
                    break;
                case "Gemm":
                {
                    bool transA = node.Attribute.FirstOrDefault(a => a.Name == "transA")?.I == 1;
                    long[] a = Shape(node.Input[0]);
                    macs += Elements(node.Output[0]) * (transA ? a[0] : a[^1]);
                    break;
                }
                case "MatMul":
                    macs += Elements(node.Output[0]) * Shape(node.Input[0])[^1];
                    break;
            }
        }
        return macs;
    }
}
