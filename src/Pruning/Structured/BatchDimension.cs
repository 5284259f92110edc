using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Gives a model exported with a fixed batch of 1 (ML.NET's ResNet18 featurizer, CNTK exports) a symbolic batch
/// dimension, so ONNX Runtime can score many rows per call.
/// </summary>
public static class BatchDimension
{
    /// <summary>
    /// A new model whose graph inputs with a first dim of 1 get the symbolic dim <paramref name="symbol"/>, and whose
    /// graph outputs and value_info entries get it on the axis that carries the batch, when the graph computes every
    /// row independently. Reshape shape constants whose first entry hard-codes the batch of 1 become 0 (copy the
    /// input's batch; a constant shared with other readers is copied first). The input model is not modified.
    /// </summary>
    /// <remarks>
    /// The batch is followed from the inputs node by node (<c>BatchAxisAnalysis</c>): element-wise ops, Conv,
    /// pools, normalizations over channels, Gemm/MatMul rows, Flatten at axis 1, Transpose, Softmax off the batch axis,
    /// reductions, Concat/Split/Slice/Gather off the batch axis, Squeeze/Unsqueeze with explicit axes, Expand/Tile that
    /// keep it, and Reshape with a shape that keeps it first. Anything else (an unknown op, a Reshape folding the batch
    /// into another axis, a batch-free value of size other than 1 broadcast against it) leaves the model as it was and
    /// says why. A model whose batch-carrying inputs are already symbolic is returned as a copy with
    /// <see cref="BatchDimensionResult.IsDynamic"/> true.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="symbol"/> is empty.</exception>
    /// <example>
    /// <code>
    /// var dynamic = BatchDimension.MakeDynamic(OnnxModel.Load("ResNet18.onnx"));
    /// if (dynamic.IsDynamic) dynamic.Model.Save("ResNet18.batch.onnx"); else Console.WriteLine(dynamic.Reason);
    /// </code>
    /// </example>
    public static BatchDimensionResult MakeDynamic(OnnxModel model, string symbol = "N")
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(symbol);
        var result = model.Clone();
        var graph = result.Graph;
        var initializers = new HashSet<string>(graph.Initializer.Select(t => t.Name), StringComparer.Ordinal);
        foreach (var sparse in graph.SparseInitializer) initializers.Add(sparse.Values?.Name ?? "");

        var batchInputs = new List<ValueInfoProto>();
        bool fixedOne = false;
        foreach (var input in graph.Input)
        {
            if (initializers.Contains(input.Name) || input.Type?.TensorType?.Shape is not { Dim.Count: > 0 } shape) continue;
            var first = shape.Dim[0];
            bool isOne = first.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && first.DimValue == 1;
            bool isSymbolic = first.ValueCase != TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue;
            if (isOne || isSymbolic) batchInputs.Add(input);
            fixedOne |= isOne;
        }
        if (!fixedOne)
            return batchInputs.Count > 0
                ? new BatchDimensionResult(result, true, null)
                : new BatchDimensionResult(result, false, "No graph input has a first dimension of 1 (or a symbolic one) to serve as the batch.");

        var analysis = BatchAxisAnalysis.Run(result, batchInputs.Select(i => i.Name));
        if (analysis.Reason is not null) return Refused(model, analysis.Reason);
        bool anyOutput = false;
        foreach (var output in graph.Output)
        {
            if (!analysis.BatchAxes.TryGetValue(output.Name, out int axis)) continue;
            anyOutput = true;
            if (output.Type?.TensorType?.Shape is { } shape && axis < shape.Dim.Count
                && shape.Dim[axis].ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && shape.Dim[axis].DimValue != 1)
                return Refused(model, $"Graph output '{output.Name}' has size {shape.Dim[axis].DimValue} on its batch axis {axis}, not 1.");
        }
        if (!anyOutput) return Refused(model, "No graph output carries the batch of the inputs.");

        foreach (var input in batchInputs) SetSymbol(input, 0, symbol);
        foreach (var output in graph.Output)
            if (analysis.BatchAxes.TryGetValue(output.Name, out int axis)) SetSymbol(output, axis, symbol);
        for (int i = graph.ValueInfo.Count - 1; i >= 0; i--)
        {
            var info = graph.ValueInfo[i];
            if (analysis.BatchAxes.TryGetValue(info.Name, out int axis) && !SetSymbol(info, axis, symbol))
                graph.ValueInfo.RemoveAt(i);
        }
        RewriteReshapeShapes(result, analysis.ReshapesToRewrite);
        return new BatchDimensionResult(result, true, null);
    }

    private static BatchDimensionResult Refused(OnnxModel model, string reason) => new(model.Clone(), false, reason);

    /// <summary>Sets the dim at <paramref name="axis"/> to the symbol when it is 1 or symbolic; false when the recorded shape contradicts a batch there.</summary>
    private static bool SetSymbol(ValueInfoProto info, int axis, string symbol)
    {
        if (info.Type?.TensorType?.Shape is not { } shape) return true;
        if (axis >= shape.Dim.Count) return false;
        var dim = shape.Dim[axis];
        if (dim.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue && dim.DimValue != 1) return false;
        shape.Dim[axis] = new TensorShapeProto.Types.Dimension { DimParam = symbol, Denotation = dim.Denotation };
        return true;
    }

    /// <summary>First entry 1 → 0 in each listed Reshape's constant shape; a constant other nodes read too is copied for them.</summary>
    private static void RewriteReshapeShapes(OnnxModel model, List<NodeProto> reshapes)
    {
        HashSet<string>? usedNames = null;
        foreach (var byShape in reshapes.GroupBy(r => r.Input[1]))
        {
            string name = byShape.Key;
            var constant = ModelConstant.Find(model, name)!; // the analysis read it as a constant
            long[] values = OnnxTensor.ToInt64Array(constant.Tensor);
            values[0] = 0;
            var rewritten = OnnxTensor.FromInt64s(name, values, [.. constant.Tensor.Dims]);
            var targets = new HashSet<NodeProto>(byShape, ReferenceEqualityComparer.Instance);
            bool shared = model.IsGraphOutput(name) || model.FindConsumers(name).Any(reader => !targets.Contains(reader));
            if (!shared)
            {
                constant.Replace(rewritten);
                continue;
            }
            usedNames ??= UniqueNames.ValueNames(model.Graph);
            string copy = UniqueNames.Next(usedNames, name);
            constant.AddCopy(copy, rewritten);
            foreach (var reshape in targets) reshape.Input[1] = copy;
        }
    }
}
