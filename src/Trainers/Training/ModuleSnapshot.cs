using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// A copy of what training changes in a module: its parameters and its state (BatchNormalization's running
/// statistics), on the module's device, taken and put back by name: the weights training falls back to after a
/// divergence, or ends with under keep-best. Masks and constants are not copied: training does not change them, and a
/// restore re-applies the masks in force, so restored weights keep the current pruning (gradual pruning may have
/// moved the masks since the capture).
/// </summary>
/// <remarks>Tensors are looked up by name each time (moving a module replaces them); captures after the first copy into the same storage.</remarks>
internal sealed class ModuleSnapshot : ITrainingCheckpoint
{
    private readonly OnnxTorchModule _module;
    private readonly Dictionary<string, Tensor> _copies = new(StringComparer.Ordinal);

    /// <summary>Takes a first copy of <paramref name="module"/>'s state.</summary>
    public ModuleSnapshot(OnnxTorchModule module)
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

    /// <summary>Puts the captured values back into the module's tensors of the same names and shapes, then re-applies its masks.</summary>
    public void Restore()
    {
        using (NewDisposeScope())
        using (no_grad())
        {
            foreach (var (name, live) in State())
                if (_copies.TryGetValue(name, out var copy) && SameShape(copy, live))
                    live.copy_(copy);
        }
        _module.ApplyMasks();
    }

    private IEnumerable<(string Name, Tensor Value)> State()
    {
        foreach (string name in _module.ParameterNames) yield return ("p:" + name, _module.GetParameter(name));
        foreach (string name in _module.StateNames) yield return ("s:" + name, _module.GetState(name));
    }

    private static bool SameShape(Tensor a, Tensor b) => a.shape.AsSpan().SequenceEqual(b.shape);

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var copy in _copies.Values) copy.Dispose();
        _copies.Clear();
    }
}
