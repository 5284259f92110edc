using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// Builds <see cref="TrainingBatch"/>es of <see cref="TrainingData"/> for a module's inputs: binds each module input
/// to the data input of the same name (an unnamed data input feeds a module's only input) when created, so a missing
/// input fails before the first step; then gathers the chosen rows into tensors on the device.
/// </summary>
internal sealed class TrainingBatches
{
    private readonly TrainingData _data;
    private readonly (string ModuleInput, TrainingInput Data)[] _bindings;
    private readonly TrainingLoss _loss;
    private readonly Device _device;

    /// <param name="data">The rows.</param>
    /// <param name="moduleInputs">The inputs the module's forward pass needs.</param>
    /// <param name="loss">Sets the label tensor's type: int64 class indices for cross-entropy, else float32.</param>
    /// <param name="device">Where the tensors are made.</param>
    /// <exception cref="InvalidOperationException">A module input has no data input of its name.</exception>
    public TrainingBatches(TrainingData data, IReadOnlyList<string> moduleInputs, TrainingLoss loss, Device device)
    {
        _data = data ?? throw new ArgumentNullException(nameof(data));
        ArgumentNullException.ThrowIfNull(moduleInputs);
        _loss = loss;
        _device = device ?? throw new ArgumentNullException(nameof(device));
        var byName = data.Inputs.Where(i => i.Name is not null).ToDictionary(i => i.Name!, StringComparer.Ordinal);
        var unnamed = data.Inputs.FirstOrDefault(i => i.Name is null);
        _bindings = new (string, TrainingInput)[moduleInputs.Count];
        for (int i = 0; i < moduleInputs.Count; i++)
        {
            string name = moduleInputs[i];
            var input = byName.GetValueOrDefault(name) ?? (moduleInputs.Count == 1 ? unnamed : null)
                ?? throw new InvalidOperationException(
                    $"The model's input '{name}' has no data: the training data has inputs {string.Join(", ", data.Inputs.Select(d => d.Name is null ? "(unnamed)" : $"'{d.Name}'"))}.");
            _bindings[i] = (name, input);
        }
    }

    /// <summary>The rows <paramref name="order"/>[start .. start + count) as tensors on the device, in the caller's dispose scope.</summary>
    public TrainingBatch Build(IReadOnlyList<int> order, int start, int count)
    {
        var inputs = new Dictionary<string, Tensor>(_bindings.Length, StringComparer.Ordinal);
        foreach (var (name, input) in _bindings)
            inputs[name] = input.ElementType == TrainingElementType.Float
                ? Gather(input, input.Floats!, order, start, count)
                : Gather(input, input.Int64s!, order, start, count);
        return new TrainingBatch(inputs, Labels(order, start, count), count);
    }

    private Tensor Gather<T>(TrainingInput input, T[] source, IReadOnlyList<int> order, int start, int count) where T : unmanaged
    {
        int width = input.RowWidth;
        long[] shape;
        if (input.IsVariableLength)
        {
            for (int r = 0; r < count; r++) width = Math.Max(width, input.RowRange(order[start + r]).Length);
            shape = [count, width];
        }
        else
        {
            shape = new long[input.RowShape!.Count + 1];
            shape[0] = count;
            for (int d = 0; d < input.RowShape.Count; d++) shape[d + 1] = input.RowShape[d];
        }
        var values = new T[(long)count * width]; // zeros: the padding of shorter token rows
        for (int r = 0; r < count; r++)
        {
            var (from, length) = input.RowRange(order[start + r]);
            source.AsSpan(from, length).CopyTo(values.AsSpan(r * width, length));
        }
        return values switch
        {
            float[] f => torch.tensor(f, shape, device: _device),
            long[] l => torch.tensor(l, shape, device: _device),
            _ => throw new NotSupportedException(typeof(T).Name),
        };
    }

    private Tensor? Labels(IReadOnlyList<int> order, int start, int count)
    {
        if (_data.Labels is not { } source) return null;
        if (_loss == TrainingLoss.CrossEntropy)
        {
            var labels = new long[count];
            for (int r = 0; r < count; r++) labels[r] = (long)source[order[start + r]];
            return torch.tensor(labels, new long[] { count }, device: _device);
        }
        var values = new float[count];
        for (int r = 0; r < count; r++) values[r] = source[order[start + r]];
        return torch.tensor(values, new long[] { count }, device: _device);
    }
}
