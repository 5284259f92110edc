using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// The graph ML.NET scores for our own networks. ML.NET's ONNX transformer feeds one row at a time and turns an
/// output of shape [N, C] into a Vector&lt;Single, 1, C&gt; and [N] into a Vector of size 1, while ML.NET's
/// trainers give Score as Vector&lt;Single, C&gt; and scalars for binary/regression scores and labels.
/// So this view ends each [N, C…] output with a Reshape to its per-row shape [C…]. ML.NET 5.0.1 cannot read a
/// scalar ONNX output at all (it treats non-vector outputs as sequences of maps), so each [N] output "X" is
/// renamed "X.vector" here and turned into the scalar column "X" by <see cref="Trainers.ScalarColumnMappings"/>.
/// The exported ONNX file keeps the batch dimension and none of this.
/// </summary>
internal static class RowView
{
    public static OnnxModel Create(OnnxModel model)
    {
        var proto = model.Proto.Clone();
        var graph = proto.Graph;
        foreach (var output in graph.Output)
        {
            var dims = output.Type?.TensorType?.Shape?.Dim;
            if (dims is null || dims.Count == 0) continue;
            if (dims.Count == 1)
            {
                Rename(graph, output.Name, output.Name + Trainers.ScalarColumnMappings.VectorSuffix);
                output.Name += Trainers.ScalarColumnMappings.VectorSuffix;
                continue;
            }
            string batched = output.Name + ".batched";
            Rename(graph, output.Name, batched);
            long[] rowShape = dims.Skip(1).Select(d => d.DimValue).ToArray();
            string shapeName = output.Name + ".row_shape";
            graph.Initializer.Add(OnnxTensor.FromInt64s(shapeName, rowShape, [rowShape.Length]));
            var reshape = new NodeProto { OpType = "Reshape", Name = output.Name + ".row" };
            reshape.Input.Add(batched);
            reshape.Input.Add(shapeName);
            reshape.Output.Add(output.Name);
            graph.Node.Add(reshape);
            dims.RemoveAt(0);
        }
        return OnnxModel.FromProto(proto);
    }

    private static void Rename(GraphProto graph, string from, string to)
    {
        foreach (var node in graph.Node)
        {
            for (int i = 0; i < node.Output.Count; i++) if (node.Output[i] == from) node.Output[i] = to;
            for (int i = 0; i < node.Input.Count; i++) if (node.Input[i] == from) node.Input[i] = to;
        }
    }
}
