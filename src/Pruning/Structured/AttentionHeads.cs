using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Finds the attention heads of BERT-style self-attention blocks (as PyTorch exports them, e.g. MiniLM) as
/// <see cref="ChannelGroupKind.Head"/> groups: removing head h removes columns [h·d, (h+1)·d) of the Q, K and V
/// projections and their biases, rows [h·d, (h+1)·d) of the output projection, and lowers the head count and hidden
/// width the export's Reshape shapes hold. Analysis only: the model is never modified.
/// </summary>
/// <remarks>
/// The recognized block: Q, K, V = MatMul(x, W[hidden, H·d]) (+ Add of a [H·d] bias, either operand order) →
/// Reshape to [B, S, H, d] → Transpose [0, 2, 1, 3] (K: [0, 2, 3, 1]) → MatMul(Q, Kᵀ) → Div/Mul by scalars and Add
/// of a mask that broadcasts over the heads, in any order → Softmax over the last axis → MatMul(·, V) → Transpose
/// [0, 2, 1, 3] → Reshape to [B, S, H·d] → MatMul(·, W_o[H·d, hidden]). Each head count (entry 2 of a Q/K/V reshape
/// shape) and hidden width (entry 2 of the output reshape shape) must be an INT64 constant (the whole shape, or a
/// piece of a Concat building it) or −1. The masked model is exact: with a head's Q, K, V columns and biases zeroed,
/// its V is 0, so its context P·V is 0 whatever the softmax weights P are, and the output projection reads exact
/// zeros; softmax over the last axis never mixes heads. A block that deviates is reported unprunable (its Q, K and V
/// weights, with the reason), never grouped wrongly.
/// </remarks>
public static class AttentionHeads
{
    /// <summary>
    /// The head groups of every recognized attention block (one per block, <see cref="ChannelGroup.Id"/> = the Q
    /// weight's name, Width = heads, slices and values with Block = head size), and the Q/K/V weights of attention
    /// blocks whose heads cannot be proven removable.
    /// </summary>
    /// <param name="model">The model (not modified).</param>
    /// <param name="shapes">The concrete shape of every value (node outputs and graph inputs), e.g. from one ONNX Runtime run.</param>
    /// <example><code>var (groups, unprunable) = AttentionHeads.Find(model, shapes); // MiniLM: 6 groups of Width 12</code></example>
    public static (IReadOnlyList<ChannelGroup> Groups, IReadOnlyList<UnprunableLayer> Unprunable) Find(
        OnnxModel model, IReadOnlyDictionary<string, long[]> shapes)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(shapes);
        var matcher = new AttentionBlockMatcher(model, shapes);
        var groups = new List<ChannelGroup>();
        var unprunable = new List<UnprunableLayer>();
        foreach (var softmax in matcher.Softmaxes())
        {
            var block = matcher.Match(softmax);
            if (block.Group is not null) groups.Add(block.Group);
            unprunable.AddRange(block.Unprunable);
        }
        return (groups, unprunable);
    }
}
