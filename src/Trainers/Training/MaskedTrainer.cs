using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// Trains the part of an <see cref="OnnxModel"/> that computes one output, on the Torch engine, with pruning
/// masks held fixed or updated between steps (gradual pruning); then writes the weights back into the model.
/// </summary>
public sealed class MaskedTrainer : IMaskedTraining
{
    private readonly OnnxTorchModule _module;
    private readonly Device _device;
    private readonly string _trainOutput;
    private OnnxTorchModule? _teacher;

    /// <summary>Builds the engine for the sub-graph of <paramref name="model"/> that computes <paramref name="trainOutput"/>.</summary>
    public MaskedTrainer(OnnxModel model, string trainOutput, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _trainOutput = trainOutput;
        _module = new OnnxTorchModule(TrainingGraph.Extract(model, trainOutput), device);
    }

    /// <summary>The engine module (its parameters are the graph's float initializers).</summary>
    public OnnxTorchModule Module => _module;

    /// <summary>The trainable initializers of the sub-graph.</summary>
    public IReadOnlyList<string> ParameterNames => _module.ParameterNames;

    /// <summary>Holds these masks fixed from now on: masked weights are zeroed and stay zero through training.</summary>
    public void SetMasks(IEnumerable<PruningMask> masks)
    {
        ArgumentNullException.ThrowIfNull(masks);
        using var scope = NewDisposeScope();
        foreach (var mask in masks)
        {
            var shape = _module.GetParameter(mask.Name).shape;
            _module.SetMask(mask.Name, torch.tensor(mask.ToFloatArray(), shape, device: _device));
        }
        _module.ApplyMasks();
    }

    /// <summary>The current values of a weight, flattened.</summary>
    public float[] ReadWeights(string initializerName)
    {
        using var scope = NewDisposeScope();
        return _module.GetParameter(initializerName).detach().cpu().contiguous().data<float>().ToArray();
    }

    /// <summary>
    /// Compiles the sub-graph of <paramref name="teacher"/> that computes the same output, on the same device, for
    /// distillation; it runs in inference mode without gradients. Replaces an earlier teacher.
    /// </summary>
    public void SetTeacher(OnnxModel teacher)
    {
        ArgumentNullException.ThrowIfNull(teacher);
        var module = new OnnxTorchModule(TrainingGraph.Extract(teacher, _trainOutput), _device);
        module.eval();
        foreach (var p in module.parameters()) p.requires_grad = false;
        _teacher?.Dispose();
        _teacher = module;
    }

    /// <summary>
    /// Runs the training loop (see <see cref="TorchTrainingLoop.Run"/>), with the regularizer
    /// <paramref name="regularization"/> describes (<see cref="TrainingRegularizers.Create"/>), if any; what it measured
    /// per epoch is in the result's <see cref="TrainingResult.Regularization"/>.
    /// </summary>
    public TrainingResult Train(TrainingData data, TrainingSettings settings, TrainingHooks? hooks = null, TrainingData? validation = null,
        TrainingRegularization? regularization = null)
    {
        if (regularization is null) return TorchTrainingLoop.Run(_module, data, settings, _device, hooks, _teacher, validation);
        var regularizer = TrainingRegularizers.Create(_module, regularization);
        var result = TorchTrainingLoop.Run(_module, data, settings, _device, hooks, _teacher, validation, [regularizer]);
        return regularizer is IReportingRegularizer reporting
            ? new TrainingResult(result.Epochs, result.BestEpoch, result.StoppedEarly, result.RestoredEpoch, result.Divergence) { Regularization = [.. reporting.Trace] }
            : result;
    }

    /// <summary>A copy of the parameters and normalization statistics, to restore later (e.g. a λ search's warm start).</summary>
    ITrainingCheckpoint IMaskedTraining.Checkpoint() => new ModuleSnapshot(_module);

    /// <summary>
    /// ADMM training (<see cref="AdmmRegularizer"/>) of the weights <paramref name="admm"/> names, with the training loop's
    /// settings, teacher and validation; ends with a last round if steps were trained since the previous one. The weights
    /// are left as trained (not yet pruned): pass <see cref="AdmmTrainingResult.Masks"/> to <see cref="SetMasks"/> to
    /// hard-prune, then <see cref="Train"/> to fine-tune with the masks fixed.
    /// </summary>
    public AdmmTrainingResult TrainAdmm(TrainingData data, TrainingSettings settings, AdmmSettings admm, TrainingHooks? hooks = null, TrainingData? validation = null)
    {
        using var regularizer = new AdmmRegularizer(_module, admm);
        var result = TorchTrainingLoop.Run(_module, data, settings, _device, hooks, _teacher, validation, [regularizer]);
        if (regularizer.StepsInRound > 0 && !result.Diverged) regularizer.EndRound();
        return new AdmmTrainingResult(result, [.. regularizer.Rounds], regularizer.Masks, regularizer.SkippedRounds);
    }

    /// <summary>
    /// Accumulates, for each named weight, Σ_batches |w·g| and Σ_batches g² of the batch loss's gradient, with the
    /// module in inference mode (Dropout off); the weights are not changed.
    /// </summary>
    public IReadOnlyDictionary<string, GradientStatistics> AccumulateGradients(
        TrainingData data, TrainingLoss loss, int batchSize, IReadOnlyCollection<string> initializerNames, TrainingHooks? hooks = null) =>
        TorchTrainingLoop.AccumulateGradients(_module, data, loss, batchSize, initializerNames, _device, hooks);

    /// <summary>Writes the trained initializers into <paramref name="model"/> (same names).</summary>
    public void WriteBack(OnnxModel model) => _module.WriteBack(model);

    /// <inheritdoc />
    public void Dispose()
    {
        _teacher?.Dispose();
        _module.Dispose();
    }
}
