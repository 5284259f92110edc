using System;
using System.Collections.Generic;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// A copy of a module's parameters and buffers (masks, running statistics), on the module's device, taken and put
/// back by name: the weights training falls back to after a divergence, or ends with under keep-best.
/// </summary>
/// <remarks>
/// Tensors are looked up by name each time because a buffer can be replaced between captures (gradual pruning sets
/// new masks). Captures after the first copy into the same storage.
/// </remarks>
internal sealed class ModuleSnapshot : IDisposable
{
    private readonly nn.Module _module;
    private readonly Dictionary<string, Tensor> _copies = new(StringComparer.Ordinal);

    /// <summary>Takes a first copy of <paramref name="module"/>'s state.</summary>
    public ModuleSnapshot(nn.Module module)
    {
        _module = module;
        Capture();
    }

    /// <summary>Copies the module's current state into the snapshot.</summary>
    public void Capture()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, live) in State())
        {
            if (_copies.TryGetValue(name, out var copy) && SameShape(copy, live) && copy.dtype == live.dtype)
            {
                copy.copy_(live);
                continue;
            }
            copy?.Dispose();
            _copies[name] = live.detach().clone().DetachFromDisposeScope();
        }
    }

    /// <summary>Puts the captured values back into the module's tensors of the same names and shapes.</summary>
    public void Restore()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var (name, live) in State())
            if (_copies.TryGetValue(name, out var copy) && SameShape(copy, live))
                live.copy_(copy);
    }

    private IEnumerable<(string Name, Tensor Value)> State()
    {
        foreach (var (name, parameter) in _module.named_parameters()) yield return ("p:" + name, parameter);
        foreach (var (name, buffer) in _module.named_buffers()) yield return ("b:" + name, buffer);
    }

    private static bool SameShape(Tensor a, Tensor b) => a.shape.AsSpan().SequenceEqual(b.shape);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var copy in _copies.Values) copy.Dispose();
        _copies.Clear();
    }
}
