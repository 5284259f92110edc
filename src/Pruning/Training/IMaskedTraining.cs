using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Training;

/// <summary>A model opened for training by an <see cref="IGradientBackend"/>: masks, training, gradients, write-back.</summary>
internal interface IMaskedTraining : IDisposable
{
    /// <summary>The trainable initializers (FLOAT initializers of the sub-graph being trained).</summary>
    IReadOnlyList<string> ParameterNames { get; }

    /// <summary>Holds these masks fixed from now on: masked weights are zeroed and stay zero through training.</summary>
    void SetMasks(IEnumerable<PruningMask> masks);

    /// <summary>The current values of a weight, flattened.</summary>
    float[] ReadWeights(string initializerName);

    /// <summary>
    /// The model distillation learns from (<see cref="TrainingSettings.Distillation"/>): the sub-graph of
    /// <paramref name="teacher"/> that computes the same output is opened on the same device and run in inference
    /// mode, without gradients, on every batch. Typically the dense model before pruning.
    /// </summary>
    void SetTeacher(OnnxModel teacher);

    /// <summary>
    /// Runs the training loop; <paramref name="validation"/> rows, if any, are evaluated after every epoch (early
    /// stopping, keep-best). A non-finite loss stops the run and restores the last good weights (it does not throw).
    /// With <paramref name="regularization"/>, the backend builds its regularizer for this run (a penalty after
    /// backward, a proximal step after each optimizer step) and reports per epoch in <see cref="TrainingResult.Regularization"/>.
    /// </summary>
    TrainingResult Train(TrainingData data, TrainingSettings settings, TrainingHooks? hooks = null, TrainingData? validation = null,
        TrainingRegularization? regularization = null);

    /// <summary>
    /// ADMM training of the weights <paramref name="admm"/> names (ρ/2‖W − Z + U‖² on their gradients, Z and U updated each
    /// round), with the loop's settings, teacher and validation; ends with a last round if steps were trained since the previous
    /// one. The weights are left as trained, not pruned: <see cref="AdmmTrainingResult.Masks"/> (Z's support) hard-prunes.
    /// A non-finite loss stops the run and restores the last good weights (it does not throw); the masks are then those of the
    /// last completed round.
    /// </summary>
    AdmmTrainingResult TrainAdmm(TrainingData data, TrainingSettings settings, AdmmSettings admm, TrainingHooks? hooks = null, TrainingData? validation = null);

    /// <summary>A copy of the current parameters and normalization statistics, to go back to later (warm starts).</summary>
    ITrainingCheckpoint Checkpoint();

    /// <summary>
    /// Runs the model in inference mode over <paramref name="data"/> in batches and accumulates, for each named
    /// initializer, the gradient of the batch loss (mean over the batch's rows): Σ_batches |w·g| and Σ_batches g².
    /// The weights are not changed.
    /// </summary>
    IReadOnlyDictionary<string, GradientStatistics> AccumulateGradients(
        TrainingData data, TrainingLoss loss, int batchSize, IReadOnlyCollection<string> initializerNames, TrainingHooks? hooks = null);

    /// <summary>Writes the trained initializers into <paramref name="model"/> (same names).</summary>
    void WriteBack(OnnxModel model);
}
