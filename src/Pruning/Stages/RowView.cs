using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The graph ML.NET scores for the networks our trainers build (SparseMlp, LassoCoordinateDescent). ML.NET's ONNX
/// transformer feeds one row at a time and turns an output of shape [N, C] into a Vector&lt;Single, 1, C&gt; and [N]
/// into a Vector of size 1, while ML.NET's trainers give Score as Vector&lt;Single, C&gt; and scalars for
/// binary/regression scores and labels.
/// So this view ends each [N, C…] output with a Reshape to its per-row shape [C…]. ML.NET 5.0.1 cannot read a
/// scalar ONNX output at all (it treats non-vector outputs as sequences of maps), so each [N] output "X" is
/// renamed "X.vector" here and turned into the scalar column "X" by an ML.NET custom mapping after the scorer
/// (SparseMlp's in the Trainers assembly, <see cref="RegressionScoreMapping"/> for the linear trainers here).
/// The exported ONNX file keeps the batch dimension and none of this.
/// </summary>
/// <remarks>
/// Slot names for Score (the class names of a text key label) ride along the way ML.NET's own ONNX export writes
/// them and its ONNX transformer reads them back: a LabelEncoder node named "mlnet.Score.SlotNames" whose
/// keys_strings are the names, from a constant string to an extra graph output that is never requested.
/// </remarks>
internal static class RowView
{
    /// <summary>The suffix of the one-element vector column an [N] output is scored into before it becomes a scalar.</summary>
    public const string VectorSuffix = ".vector";

    /// <summary>The ML.NET name of the node whose keys_strings become an output column's SlotNames.</summary>
    public static string SlotNamesNode(string column) => $"mlnet.{column}.SlotNames";

    /// <param name="model">The network, batch dimension first.</param>
    /// <param name="scoreSlotNames">Names for the slots of Score (distinct, one per class); null for none.</param>
    public static OnnxModel Create(OnnxModel model, System.Collections.Generic.IReadOnlyList<string>? scoreSlotNames = null)
    {
        var proto = model.Proto.Clone();
        var graph = proto.Graph;
        foreach (var output in graph.Output)
        {
            var dims = output.Type?.TensorType?.Shape?.Dim;
            if (dims is null || dims.Count == 0) continue;
            if (dims.Count == 1)
            {
                Rename(graph, output.Name, output.Name + VectorSuffix);
                output.Name += VectorSuffix;
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
        if (scoreSlotNames is not null)
            AddSlotNames(proto, "Score", scoreSlotNames);
        return OnnxModel.FromProto(proto);
    }

    private static void AddSlotNames(ModelProto proto, string column, System.Collections.Generic.IReadOnlyList<string> names)
    {
        const string MlDomain = "ai.onnx.ml";
        string node = SlotNamesNode(column);
        var graph = proto.Graph;
        var input = new TensorProto { Name = node + ".input", DataType = (int)TensorProto.Types.DataType.String };
        input.Dims.Add(1);
        input.StringData.Add(Google.Protobuf.ByteString.CopyFromUtf8("one"));
        graph.Initializer.Add(input);
        var encoder = new NodeProto { OpType = "LabelEncoder", Domain = MlDomain, Name = node };
        encoder.Input.Add(input.Name);
        encoder.Output.Add(node + ".output");
        var keys = new AttributeProto { Name = "keys_strings", Type = AttributeProto.Types.AttributeType.Strings };
        keys.Strings.AddRange(names.Select(Google.Protobuf.ByteString.CopyFromUtf8));
        var values = new AttributeProto { Name = "values_int64s", Type = AttributeProto.Types.AttributeType.Ints };
        values.Ints.AddRange(Enumerable.Range(0, names.Count).Select(i => (long)i));
        encoder.Attribute.Add(keys);
        encoder.Attribute.Add(values);
        graph.Node.Add(encoder);
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = 1 });
        graph.Output.Add(new ValueInfoProto
        {
            Name = node + ".output",
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Int64, Shape = shape } },
        });
        if (!proto.OpsetImport.Any(o => o.Domain == MlDomain))
            proto.OpsetImport.Add(new OperatorSetIdProto { Domain = MlDomain, Version = 2 });
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
