using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Parameters and multiply-accumulates (MACs) of a model, per layer node (Conv, ConvTranspose, Gemm, MatMul, including a
/// MatMul of two activations such as attention's QKᵀ) and in total, for one run at given value shapes. Other ops (adds,
/// activations, normalization, pools) are not counted as MACs: they are a few percent of a CNN's or a transformer's work.
/// </summary>
/// <example>
/// <code>
/// var shapes = ValueShapes.Infer(model, inputShapes, batch: 1);
/// var cost = ModelCost.Measure(model, shapes);
/// Console.WriteLine($"{cost.Parameters:N0} parameters, {cost.Macs / 1e9:F2} GMACs");
/// </code>
/// </example>
/// <param name="Layers">One entry per layer node, in graph order.</param>
/// <param name="Parameters">Elements of every FLOAT initializer (dense or sparse) of the main graph, whether or not a layer uses it.</param>
/// <param name="Macs">The sum of the layers' MACs.</param>
public sealed record ModelCost(IReadOnlyList<LayerCost> Layers, long Parameters, long Macs)
{
    private const int FloatType = (int)TensorProto.Types.DataType.Float;

    /// <summary>
    /// Measures <paramref name="model"/> (not modified) at <paramref name="shapes"/>: value name → concrete shape, for
    /// every input and output of the layer nodes that is not an initializer (what <c>ValueShapes.Infer</c> returns). MACs
    /// are for one run at those shapes, so they include the batch dimension the shapes were inferred with.
    /// </summary>
    /// <exception cref="ArgumentException">A layer's input or output has no concrete shape in <paramref name="shapes"/> (the message names the value and the node).</exception>
    /// <exception cref="InvalidDataException">A layer's shapes do not fit its op (rank, group, transposition); the message names the node.</exception>
    public static ModelCost Measure(OnnxModel model, IReadOnlyDictionary<string, long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shapes);
        var graph = model.Graph;
        // Read the initializers without TryGetInitializer, which would densify sparse ones in the model.
        var dense = new Dictionary<string, TensorProto>(StringComparer.Ordinal);
        foreach (var tensor in graph.Initializer) dense.TryAdd(tensor.Name, tensor);
        var sparse = new Dictionary<string, SparseTensorProto>(StringComparer.Ordinal);
        foreach (var tensor in graph.SparseInitializer)
            if (tensor.Values is { } values) sparse.TryAdd(values.Name, tensor);

        long parameters = 0;
        foreach (var tensor in dense.Values)
            if (tensor.DataType == FloatType) parameters += OnnxTensor.ElementCount(tensor);
        foreach (var tensor in sparse.Values)
            if (tensor.Values.DataType == FloatType) parameters += OnnxTensor.ElementCount([.. tensor.Dims], tensor.Values.Name);

        var layers = new List<LayerCost>();
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            if (node.Domain is not ("" or "ai.onnx")) continue;
            if (node.OpType is not ("Conv" or "ConvTranspose" or "Gemm" or "MatMul")) continue;
            var layer = new Layer(node, model.GetNodeDisplayName(node), dense, sparse, shapes);
            layers.Add(node.OpType switch
            {
                "Conv" => layer.Conv(),
                "ConvTranspose" => layer.ConvTranspose(),
                "Gemm" => layer.Gemm(),
                _ => layer.MatMul(),
            });
        }
        long macs = 0;
        foreach (var layer in layers) macs = checked(macs + layer.Macs);
        return new ModelCost(layers, parameters, macs);
    }

    /// <summary>One layer node being measured: its shapes and initializers.</summary>
    private sealed class Layer(NodeProto node, string name, Dictionary<string, TensorProto> dense, Dictionary<string, SparseTensorProto> sparse,
        IReadOnlyDictionary<string, long[]> shapes)
    {
        public LayerCost Conv()
        {
            long[] output = Shape(node.Output[0], "output");
            long[] weight = Shape(node.Input[1], "weight");
            if (weight.Length < 3 || output.Length != weight.Length)
                throw new InvalidDataException($"Node '{name}' (Conv): weight [{string.Join(", ", weight)}] and output [{string.Join(", ", output)}] are not [C_out, C_in/group, k…] and [N, C_out, …] of one rank.");
            // W is [C_out, C_in/group, k…]: every output element reads C_in/group × Πkernel inputs.
            long perOutput = Product(weight.AsSpan(1));
            return new LayerCost(name, node.OpType, Initializer(node.Input[1]), output[1], Parameters(1, 2), checked(Product(output) * perOutput));
        }

        public LayerCost ConvTranspose()
        {
            long[] input = Shape(node.Input[0], "input");
            long[] output = Shape(node.Output[0], "output");
            long[] weight = Shape(node.Input[1], "weight");
            if (weight.Length < 3 || input.Length != weight.Length || output.Length != weight.Length)
                throw new InvalidDataException($"Node '{name}' (ConvTranspose): weight [{string.Join(", ", weight)}] and input [{string.Join(", ", input)}] are not [C_in, C_out/group, k…] and [N, C_in, …] of one rank.");
            // W is [C_in, C_out/group, k…]: every input element is scattered to C_out/group × Πkernel outputs.
            long perInput = Product(weight.AsSpan(1));
            return new LayerCost(name, node.OpType, Initializer(node.Input[1]), output[1], Parameters(1, 2), checked(Product(input) * perInput));
        }

        public LayerCost Gemm()
        {
            long[] a = Shape(node.Input[0], "A");
            long[] output = Shape(node.Output[0], "output");
            if (a.Length != 2 || output.Length != 2)
                throw new InvalidDataException($"Node '{name}' (Gemm): A [{string.Join(", ", a)}] and Y [{string.Join(", ", output)}] must be matrices.");
            long k = IntAttribute("transA") != 0 ? a[0] : a[1];
            string? weight = Initializer(node.Input[1]) ?? Initializer(node.Input[0]);
            bool weightOnLeft = Initializer(node.Input[1]) is null && weight is not null;
            long? units = weight is null ? null : weightOnLeft ? output[0] : output[1];
            int weightInput = weightOnLeft ? 0 : 1;
            return new LayerCost(name, node.OpType, weight, units, weight is null ? 0 : Parameters(weightInput, 2), checked(Product(output) * k));
        }

        public LayerCost MatMul()
        {
            long[] a = Shape(node.Input[0], "A");
            long[] output = Shape(node.Output[0], "output");
            if (a.Length == 0)
                throw new InvalidDataException($"Node '{name}' (MatMul): A is a scalar.");
            // Numpy semantics: Y [batch…, M, N] = A [batch…, M, K] · B [batch…, K, N], 1-D operands promoted and their axis dropped.
            long k = a[^1];
            string? right = Initializer(node.Input[1]);
            string? left = right is null ? Initializer(node.Input[0]) : null;
            string? weight = right ?? left;
            long? units = weight is null || output.Length == 0 ? null
                : right is not null ? (Shape(node.Input[1], "B").Length == 1 ? 1 : output[^1])
                : (a.Length == 1 ? 1 : output.Length >= 2 ? output[^2] : output[^1]);
            long parameters = weight is null ? 0 : Elements(weight);
            return new LayerCost(name, node.OpType, weight, units, parameters, checked(Product(output) * k));
        }

        /// <summary>The initializer's name when the input is one, else null.</summary>
        private string? Initializer(string input) =>
            input.Length > 0 && (dense.ContainsKey(input) || sparse.ContainsKey(input)) ? input : null;

        /// <summary>Elements of the weight input and, when present and an initializer, the bias input.</summary>
        private long Parameters(int weightInput, int biasInput)
        {
            long count = Initializer(node.Input[weightInput]) is { } weight ? Elements(weight) : 0;
            if (node.Input.Count > biasInput && Initializer(node.Input[biasInput]) is { } bias) count += Elements(bias);
            return count;
        }

        private long Elements(string initializer) =>
            dense.TryGetValue(initializer, out var tensor) ? OnnxTensor.ElementCount(tensor) : OnnxTensor.ElementCount([.. sparse[initializer].Dims], initializer);

        private long[] Shape(string value, string role)
        {
            if (dense.TryGetValue(value, out var tensor)) return [.. tensor.Dims];
            if (sparse.TryGetValue(value, out var sparseTensor)) return [.. sparseTensor.Dims];
            if (!shapes.TryGetValue(value, out var shape))
                throw new ArgumentException($"No shape for '{value}', the {role} of node '{name}' ({node.OpType}); the shapes must cover every layer's inputs and outputs.", nameof(shapes));
            foreach (long dim in shape)
                if (dim < 0)
                    throw new ArgumentException($"The shape of '{value}', the {role} of node '{name}' ({node.OpType}), is not concrete: [{string.Join(", ", shape)}].", nameof(shapes));
            return shape;
        }

        private long IntAttribute(string attribute)
        {
            foreach (var a in node.Attribute)
                if (a.Name == attribute) return a.I;
            return 0;
        }

        private static long Product(ReadOnlySpan<long> dims)
        {
            long product = 1;
            foreach (long d in dims) product = checked(product * d);
            return product;
        }
    }
}
