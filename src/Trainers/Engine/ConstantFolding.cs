using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// Evaluates, once at compile time, a node whose inputs are all constants (non-float initializers, Constant
/// outputs, earlier folded nodes), so the engine keeps its outputs as buffers instead of recomputing them every
/// forward pass: the integer shape arithmetic of exported transformers mostly becomes constants this way, except
/// where it starts from the Shape of a run-time tensor.
/// </summary>
internal static class ConstantFolding
{
    /// <summary>Whether every input <paramref name="node"/> names is a compile-time constant (and it names at least one).</summary>
    public static bool InputsAreConstant(NodeProto node, IReadOnlyDictionary<string, Tensor> constants)
    {
        bool any = false;
        foreach (string name in node.Input)
        {
            if (name.Length == 0) continue;
            if (!constants.ContainsKey(name)) return false;
            any = true;
        }
        return any;
    }

    /// <summary>
    /// Runs <paramref name="kernel"/> on the constant inputs (inference mode) and defines each named output as a
    /// constant through <paramref name="context"/>. Intermediates stay in the caller's dispose scope.
    /// </summary>
    /// <exception cref="InvalidDataException">The node fails on its constant inputs: the graph is malformed.</exception>
    public static void Fold(
        OpKernel kernel, NodeContext context, int[] reads, int[] writes, int slotCount, IReadOnlyDictionary<string, Tensor> constants)
    {
        var node = context.Node;
        var slots = new Tensor?[slotCount];
        for (int i = 0; i < reads.Length; i++)
            if (reads[i] >= 0) slots[reads[i]] = constants[node.Input[i]];
        try
        {
            using var noGrad = no_grad();
            kernel(slots, false);
        }
        catch (Exception ex) when (ex is ExternalException or ArgumentException)
        {
            throw context.Invalid($"fails on its constant inputs: {ex.Message}");
        }
        for (int i = 0; i < writes.Length; i++)
        {
            if (writes[i] < 0) continue;
            var value = slots[writes[i]] ?? throw new InvalidOperationException($"{context.Label}: output {i} was not produced.");
            context.DefineConstantOutput(i, value); // a view of an input shares its storage by reference count: safe to keep
        }
    }
}
