using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Where a prunable layer's data flows in the graph: the tensor it reads (X) and the tensor that carries its output
/// units after their bias and activation function (what activation criteria observe and GSAP gates).
/// </summary>
internal static class LayerTensors
{
    /// <summary>Ops that keep the unit axis and act per element or per unit: the unit's "activation" is after them.</summary>
    private static readonly HashSet<string> UnitWise = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "Gelu", "Softplus", "Softsign",
        "HardSigmoid", "HardSwish", "Clip", "Mish", "ThresholdedRelu", "BatchNormalization",
    };

    /// <summary>The layer's input X (the node's first input).</summary>
    public static string Input(OnnxModel model, PrunableWeight weight) => model.Graph.Node[weight.NodeIndex].Input[0];

    /// <summary>
    /// The layer's output followed through a bias Add (an initializer operand) and unit-wise ops while each value
    /// has a single consumer and is not a graph output.
    /// </summary>
    public static string UnitOutput(OnnxModel model, PrunableWeight weight)
    {
        string current = model.Graph.Node[weight.NodeIndex].Output[0];
        for (int guard = 0; guard < 8; guard++)
        {
            if (model.IsGraphOutput(current)) break;
            var consumers = model.FindConsumers(current);
            if (consumers.Count != 1) break;
            var next = consumers[0];
            bool biasAdd = next.OpType == "Add" && next.Input.Count == 2 && next.Input.Any(i => i != current && model.HasInitializer(i));
            bool unitWise = UnitWise.Contains(next.OpType) && next.Input.Count > 0 && next.Input[0] == current;
            if (!(biasAdd || unitWise) || next.Output.Count == 0) break;
            current = next.Output[0];
        }
        return current;
    }

    /// <summary>The axis of a layer's activations that indexes its units: 1 for Conv ([N, C, …]), the last for Gemm/MatMul.</summary>
    public static int UnitAxis(PrunableWeight weight, int rank) => weight.Role == PrunableWeightRole.ConvWeight ? 1 : rank - 1;

    /// <summary>The axis of a layer's input X that indexes input features: 1 for Conv, the last for MatMul, by transA for Gemm.</summary>
    public static int InputAxis(OnnxModel model, PrunableWeight weight, int rank)
    {
        if (weight.Role == PrunableWeightRole.ConvWeight) return 1;
        if (weight.Role == PrunableWeightRole.GemmWeight)
        {
            var node = model.Graph.Node[weight.NodeIndex];
            bool transA = node.Attribute.Any(a => a.Name == "transA" && a.I != 0);
            return transA ? 0 : 1;
        }
        return rank - 1;
    }

    /// <summary>The Conv node's group attribute (1 otherwise).</summary>
    public static int Groups(OnnxModel model, PrunableWeight weight)
    {
        var node = model.Graph.Node[weight.NodeIndex];
        var group = node.Attribute.FirstOrDefault(a => a.Name == "group");
        return group is null ? 1 : (int)Math.Max(1, group.I);
    }

    /// <summary>
    /// A copy of <paramref name="model"/> in which each layer's unit output is multiplied by a gate initializer of
    /// ones (one per unit), so the gradient of the loss w.r.t. a gate is Σ_rows a·∂L/∂a of its unit. Consumers of the
    /// unit output read the gated tensor; the values computed are unchanged.
    /// </summary>
    /// <returns>The gated model and, per layer name, its gate's initializer name.</returns>
    public static (OnnxModel Model, Dictionary<string, string> Gates) WithGates(OnnxModel model, IReadOnlyList<PrunableWeight> layers)
    {
        var gated = model.Clone();
        var graph = gated.Graph;
        var gates = new Dictionary<string, string>(StringComparer.Ordinal);
        var taken = new HashSet<string>(
            graph.Node.SelectMany(n => n.Output).Concat(graph.Initializer.Select(i => i.Name)).Concat(graph.Input.Select(i => i.Name))
                .Concat(graph.Node.Select(n => n.Name)),
            StringComparer.Ordinal);
        // Found on the model as given: inserting a gate shifts the node indices the weights refer to.
        var unitOutputs = layers.Select(layer => UnitOutput(model, layer)).ToList();
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            string unitOutput = unitOutputs[l];
            string gate = Unique(taken, $"{layer.Name}__gate");
            string gatedOutput = Unique(taken, $"{unitOutput}__gated");
            long units = layer.OutputUnits;
            long[] shape = layer.Role == PrunableWeightRole.ConvWeight
                ? [units, .. Enumerable.Repeat(1L, layer.Shape.Length - 2)]
                : [units];
            var ones = new float[units];
            Array.Fill(ones, 1f);
            graph.Initializer.Add(OnnxTensor.FromFloats(gate, ones, shape));
            foreach (var consumer in gated.FindConsumers(unitOutput))
                for (int i = 0; i < consumer.Input.Count; i++)
                    if (consumer.Input[i] == unitOutput) consumer.Input[i] = gatedOutput;
            var mul = new NodeProto { OpType = "Mul", Name = Unique(taken, $"{layer.Name}__gate_mul") };
            mul.Input.Add(unitOutput);
            mul.Input.Add(gate);
            mul.Output.Add(gatedOutput);
            int producer = -1;
            for (int n = 0; n < graph.Node.Count && producer < 0; n++)
                if (graph.Node[n].Output.Contains(unitOutput)) producer = n;
            graph.Node.Insert(producer + 1, mul);
            gates[layer.Name] = gate;
        }
        return (gated, gates);
    }

    private static string Unique(HashSet<string> taken, string name)
    {
        string candidate = name;
        for (int k = 2; !taken.Add(candidate); k++) candidate = $"{name}_{k}";
        return candidate;
    }
}
