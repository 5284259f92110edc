using System;
using System.Collections.Generic;
using System.IO;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>A graph value with a fixed slot: a FLOAT initializer (trained, or module state) or a constant (kept as a buffer).</summary>
internal readonly record struct SlotBinding<T>(string Name, int Slot, T Value);

/// <summary>One node ready to run: its kernel, and the intermediate slots no later node reads (freed after it).</summary>
internal readonly record struct CompiledStep(OpKernel Kernel, int[] Release, string Label, bool IsNormalization = false);

/// <summary>
/// A graph compiled for the engine: every value has a slot (an array index), nodes are kernels reading and
/// writing slots, and each intermediate is freed right after its last reader. Constants are CPU tensors the
/// caller takes ownership of.
/// </summary>
internal sealed class CompiledGraph
{
    public required int SlotCount { get; init; }
    public required SlotBinding<ValueInfoProto>[] Inputs { get; init; }
    public required SlotBinding<TensorProto>[] Parameters { get; init; }

    /// <summary>
    /// FLOAT initializers that are module state, not trained: read only as BatchNormalization's running mean or
    /// variance (inputs 3 and 4), which the op updates in place in training mode.
    /// </summary>
    public required SlotBinding<TensorProto>[] State { get; init; }
    public required SlotBinding<Tensor>[] Constants { get; init; }
    public required CompiledStep[] Steps { get; init; }
    public required string[] OutputNames { get; init; }
    public required int[] OutputSlots { get; init; }
}

/// <summary>Validates an ONNX graph against the op table and compiles it into a <see cref="CompiledGraph"/>.</summary>
internal static class GraphCompiler
{
    /// <summary>Compiles <paramref name="model"/>'s main graph. Call inside a dispose scope; constants are detached from it.</summary>
    public static CompiledGraph Compile(OnnxModel model)
    {
        var graph = model.Graph;
        long opset = DefaultOpset(model);
        RejectUnsupported(graph);
        if (graph.SparseInitializer.Count > 0)
            throw new NotSupportedException(
                $"The graph has {graph.SparseInitializer.Count} sparse initializer(s) ('{graph.SparseInitializer[0].Values?.Name}'); the Torch engine trains dense initializers. Densify them first.");

        var slots = new Dictionary<string, int>(StringComparer.Ordinal);
        var producedBy = new List<int>(); // per slot: index of the step that produces it, or -1
        int NewSlot(string name, int producer, string what)
        {
            if (slots.ContainsKey(name))
                throw new InvalidDataException($"Value '{name}' is defined more than once ({what}); ONNX graphs assign each name once.");
            slots[name] = producedBy.Count;
            producedBy.Add(producer);
            return producedBy.Count - 1;
        }

        var stateNames = RunningStatistics(graph);
        var parameters = new List<SlotBinding<TensorProto>>();
        var state = new List<SlotBinding<TensorProto>>();
        var constants = new List<SlotBinding<Tensor>>();
        var constantByName = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var nodeConstants = new HashSet<int>(); // slots of Constant outputs and folded nodes
        try
        {
            foreach (var initializer in graph.Initializer)
            {
                if (string.IsNullOrEmpty(initializer.Name))
                    throw new InvalidDataException("The graph has an initializer without a name.");
                int slot = NewSlot(initializer.Name, -1, "initializer");
                if (initializer.DataType == (int)TensorProto.Types.DataType.Float)
                {
                    (stateNames.Contains(initializer.Name) ? state : parameters).Add(new(initializer.Name, slot, initializer));
                    continue;
                }
                if (!TensorProtoConversion.IsSupported(initializer.DataType))
                    throw new NotSupportedException(
                        $"Initializer '{initializer.Name}' has element type {OnnxElementType.Name(initializer.DataType)}, which the Torch engine does not read.");
                var value = TensorProtoConversion.ToTorch(initializer).DetachFromDisposeScope();
                constants.Add(new(initializer.Name, slot, value));
                constantByName[initializer.Name] = value;
            }

            // Only FLOAT initializers are state: a Constant node's output read by BatchNormalization stays a constant.
            var stateInitializers = new HashSet<string>(StringComparer.Ordinal);
            foreach (var binding in state) stateInitializers.Add(binding.Name);

            var inputs = new List<SlotBinding<ValueInfoProto>>();
            foreach (var input in graph.Input)
            {
                if (slots.ContainsKey(input.Name))
                    continue; // an initializer also listed as input (IR < 4): the engine treats it as the initializer
                if (string.IsNullOrEmpty(input.Name))
                    throw new InvalidDataException("The graph has an input without a name.");
                inputs.Add(new(input.Name, NewSlot(input.Name, -1, "graph input"), input));
            }

            var steps = new List<(OpKernel Kernel, int[] Reads, int[] Writes, string Label)>();
            for (int index = 0; index < graph.Node.Count; index++)
            {
                var node = graph.Node[index];
                OnnxOperators.TryGet(node.OpType, out var op);
                string label = NodeContext.Describe(node, index);
                if (node.Input.Count > op.MaxInputs || node.Input.Count < op.MinInputs)
                    throw new InvalidDataException($"{label}: has {node.Input.Count} inputs; {node.OpType} takes {Range(op.MinInputs, op.MaxInputs)}.");
                if (node.Output.Count > op.MaxOutputs || node.Output.Count < op.MinOutputs)
                    throw new InvalidDataException($"{label}: has {node.Output.Count} outputs; {node.OpType} produces {Range(op.MinOutputs, op.MaxOutputs)}.");

                var reads = new int[node.Input.Count];
                for (int i = 0; i < reads.Length; i++)
                {
                    string name = node.Input[i];
                    if (name.Length == 0)
                    {
                        if (i < op.MinInputs) throw new InvalidDataException($"{label}: input {i} is required but empty.");
                        reads[i] = -1;
                        continue;
                    }
                    if (!slots.TryGetValue(name, out reads[i]))
                        throw new InvalidDataException(
                            $"{label}: input '{name}' is not a graph input, an initializer or the output of an earlier node (nodes must be in topological order).");
                }
                var writes = new int[node.Output.Count];
                for (int i = 0; i < writes.Length; i++)
                {
                    string name = node.Output[i];
                    if (name.Length == 0)
                    {
                        if (i < op.MinOutputs) throw new InvalidDataException($"{label}: output {i} is required but empty.");
                        writes[i] = -1;
                        continue;
                    }
                    writes[i] = NewSlot(name, steps.Count, $"output of {label}");
                }

                var defined = new bool[writes.Length];
                var context = new NodeContext(node, index, opset, reads, writes,
                    name => constantByName.GetValueOrDefault(name),
                    (i, value) =>
                    {
                        value.DetachFromDisposeScope();
                        constants.Add(new(node.Output[i], writes[i], value));
                        constantByName[node.Output[i]] = value;
                        producedBy[writes[i]] = -1;
                        nodeConstants.Add(writes[i]);
                        defined[i] = true;
                    },
                    stateInitializers.Contains);
                var kernel = op.Compile(context);
                if (kernel is not null && op.Foldable && ConstantFolding.InputsAreConstant(node, constantByName))
                {
                    ConstantFolding.Fold(kernel, context, reads, writes, producedBy.Count, constantByName);
                    kernel = null;
                }
                if (kernel is null)
                {
                    for (int i = 0; i < writes.Length; i++)
                        if (writes[i] >= 0 && !defined[i])
                            throw new InvalidOperationException($"{label}: compiled to a constant but output {i} was not defined.");
                    continue;
                }
                steps.Add((kernel, reads, writes, label));
            }

            var outputNames = new string[graph.Output.Count];
            var outputSlots = new int[graph.Output.Count];
            for (int i = 0; i < outputSlots.Length; i++)
            {
                outputNames[i] = graph.Output[i].Name;
                if (!slots.TryGetValue(outputNames[i], out outputSlots[i]))
                    throw new InvalidDataException($"Graph output '{outputNames[i]}' is not produced by any node, input or initializer.");
            }

            DropUnreadNodeConstants(constants, nodeConstants, steps, outputSlots);
            return new CompiledGraph
            {
                SlotCount = producedBy.Count,
                Inputs = [.. inputs],
                Parameters = [.. parameters],
                State = [.. state],
                Constants = [.. constants],
                Steps = PlanReleases(steps, producedBy, outputSlots),
                OutputNames = outputNames,
                OutputSlots = outputSlots,
            };
        }
        catch
        {
            foreach (var c in constants) c.Value.Dispose();
            throw;
        }
    }

    /// <summary>The version of the default ONNX domain the model imports.</summary>
    public static long DefaultOpset(OnnxModel model)
    {
        foreach (var import in model.Proto.OpsetImport)
            if (OnnxOperators.IsDefaultDomain(import.Domain)) return import.Version;
        throw new InvalidDataException("The model imports no version of the default ONNX domain (opset_import).");
    }

    /// <summary>
    /// Names read only as BatchNormalization inputs 3 and 4 (running mean and variance), never by another node,
    /// another input position or as a graph output: those initializers are state (buffers), not parameters.
    /// </summary>
    private static HashSet<string> RunningStatistics(GraphProto graph)
    {
        var candidates = new HashSet<string>(StringComparer.Ordinal);
        var otherUses = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Node)
        {
            bool batchNorm = node.OpType == "BatchNormalization" && OnnxOperators.IsDefaultDomain(node.Domain);
            for (int i = 0; i < node.Input.Count; i++)
                (batchNorm && i is 3 or 4 ? candidates : otherUses).Add(node.Input[i]);
        }
        foreach (var output in graph.Output) otherUses.Add(output.Name);
        candidates.ExceptWith(otherUses);
        return candidates;
    }

    /// <summary>Throws one <see cref="NotSupportedException"/> naming every unsupported op (and its first node).</summary>
    private static void RejectUnsupported(GraphProto graph)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Node.Count; i++)
        {
            var node = graph.Node[i];
            bool supported = OnnxOperators.IsDefaultDomain(node.Domain) && OnnxOperators.TryGet(node.OpType, out _);
            string key = $"{node.Domain}::{node.OpType}";
            if (supported || !seen.Add(key)) continue;
            string op = OnnxOperators.IsDefaultDomain(node.Domain) ? node.OpType : $"{node.Domain}.{node.OpType}";
            problems.Add($"'{op}' ({NodeContext.Describe(node, i)})");
        }
        if (problems.Count > 0)
            throw new NotSupportedException(
                $"The Torch engine does not support operator{(problems.Count > 1 ? "s" : "")} {string.Join(", ", problems)}. " +
                $"Supported operators: {string.Join(", ", OnnxOperators.Names)}.");
    }

    /// <summary>
    /// Disposes and forgets the node-made constants no step reads and no graph output is: intermediates of folded
    /// chains (a Shape of a constant feeding arithmetic feeding a Concat) need not live as buffers.
    /// </summary>
    private static void DropUnreadNodeConstants(
        List<SlotBinding<Tensor>> constants, HashSet<int> nodeConstants, List<(OpKernel Kernel, int[] Reads, int[] Writes, string Label)> steps, int[] outputSlots)
    {
        var read = new HashSet<int>(outputSlots);
        foreach (var step in steps)
            foreach (int slot in step.Reads) read.Add(slot);
        constants.RemoveAll(c =>
        {
            if (!nodeConstants.Contains(c.Slot) || read.Contains(c.Slot)) return false;
            c.Value.Dispose();
            return true;
        });
    }

    /// <summary>For each step, the slots it produced or read whose last reader it is, except graph outputs.</summary>
    private static CompiledStep[] PlanReleases(
        List<(OpKernel Kernel, int[] Reads, int[] Writes, string Label)> steps, List<int> producedBy, int[] outputSlots)
    {
        var lastUse = new int[producedBy.Count];
        for (int slot = 0; slot < lastUse.Length; slot++) lastUse[slot] = producedBy[slot];
        for (int k = 0; k < steps.Count; k++)
            foreach (int slot in steps[k].Reads)
                if (slot >= 0 && producedBy[slot] >= 0) lastUse[slot] = Math.Max(lastUse[slot], k);
        var keep = new HashSet<int>(outputSlots);
        var releases = new List<int>[steps.Count];
        for (int slot = 0; slot < lastUse.Length; slot++)
        {
            if (producedBy[slot] < 0 || keep.Contains(slot)) continue;
            (releases[lastUse[slot]] ??= []).Add(slot);
        }
        var result = new CompiledStep[steps.Count];
        for (int k = 0; k < steps.Count; k++)
            result[k] = new CompiledStep(steps[k].Kernel, releases[k]?.ToArray() ?? [], steps[k].Label, steps[k].Label.StartsWith("BatchNormalization node", StringComparison.Ordinal));
        return result;
    }

    private static string Range(int min, int max) => min == max ? $"{min}" : $"{min} to {max}";
}
