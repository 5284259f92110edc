using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// What a method adds to the one training loop (<see cref="TorchTrainingLoop"/>) without copying it: a penalty's
/// gradient between backward and the optimizer step, and a proximal step or projection after it. L1 and group-L1
/// proximal training (Lasso) and ADMM are regularizers; plain fine-tuning has none. A regularizer chooses its own
/// parameters (its parameter group): biases and normalization parameters are untouched unless it asks for them.
/// </summary>
/// <remarks>
/// The loop calls, per step: forward, loss, backward, clipping, <see cref="AfterBackward"/>, the optimizer step,
/// mask re-application, <see cref="AfterStep"/>; and <see cref="AfterEpoch"/> once per completed epoch. Every call
/// runs inside the step's <c>torch.NewDisposeScope()</c> and under no gradient recording is assumed: a regularizer
/// changes <c>.grad</c> or the parameters in place with <c>torch.no_grad()</c> itself.
/// </remarks>
public interface ITrainingRegularizer
{
    /// <summary>
    /// After backward (and gradient clipping), before the optimizer step: add the penalty's gradient to the
    /// parameters' <c>.grad</c> (e.g. ADMM's ρ(W − Z + U)).
    /// </summary>
    /// <param name="step">The 0-based global step.</param>
    void AfterBackward(long step);

    /// <summary>
    /// After the optimizer step and mask re-application: a proximal step or projection on the parameters, with the
    /// step size the optimizer used (e.g. soft-thresholding by lr·λ).
    /// </summary>
    /// <param name="step">The 0-based global step.</param>
    /// <param name="learningRate">The learning rate of this step (after warm-up and schedule).</param>
    void AfterStep(long step, double learningRate);

    /// <summary>After each completed epoch (before validation): e.g. ADMM's Z and U updates, or recording the loss curve.</summary>
    /// <param name="result">The epoch's training result so far.</param>
    void AfterEpoch(EpochResult result);
}
