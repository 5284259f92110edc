using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// Adam and SGD with momentum, with PyTorch's update rules (L2 weight decay added to the gradient, or decoupled as
/// AdamW; no dampening, no Nesterov), a learning rate given per step (the schedule), and global-norm gradient
/// clipping, written here instead of using TorchSharp's optimizers.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 turns every <c>double</c> argument (alpha, value, lr) into a native <see cref="Scalar"/> and
/// leaves it to the finalizer without keeping it alive across the native call, so a garbage collection on any
/// thread can free it mid-call ("Unknown scalar type", or "Expected false to be true" from Scalar::toFloat). Its
/// optimizers do this on every step; a background thread forcing collections makes a training run fail within
/// seconds. Here every Scalar is explicit and kept alive until the step's native calls are done.
/// </remarks>
internal sealed class GradientOptimizer : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly Parameter[] _parameters;
    private readonly TrainingSettings _settings;
    private readonly Tensor?[] _first;
    private readonly Tensor?[] _second;
    private long _step;

    public GradientOptimizer(IEnumerable<Parameter> parameters, TrainingSettings settings)
    {
        _parameters = parameters.ToArray();
        _settings = settings;
        _first = new Tensor?[_parameters.Length];
        _second = new Tensor?[_parameters.Length];
    }

    /// <summary>Clears every gradient in place.</summary>
    public void ZeroGrad()
    {
        using var scope = NewDisposeScope();
        foreach (var p in _parameters)
            p.grad?.zero_();
    }

    /// <summary>One update of every parameter that has a gradient, at the settings' <see cref="TrainingSettings.LearningRate"/>.</summary>
    public void Step() => Step(_settings.LearningRate);

    /// <summary>One update of every parameter that has a gradient, at <paramref name="learningRate"/> (the schedule's value for this step).</summary>
    public void Step(double learningRate)
    {
        _step++;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_settings.DecoupledWeightDecay && _settings.WeightDecay != 0) DecayWeights(learningRate);
        if (_settings.Optimizer == TrainingOptimizer.Adam) AdamStep(learningRate);
        else SgdStep(learningRate);
    }

    /// <summary>
    /// Scales every gradient by maxNorm / (norm + 1e-6) when their global L2 norm exceeds <paramref name="maxNorm"/>, as
    /// PyTorch's <c>clip_grad_norm_</c>. Returns the norm before clipping (NaN or infinite when a gradient is; then
    /// nothing is scaled).
    /// </summary>
    public double ClipGradients(double maxNorm)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Scalar one = 1.0.ToScalar();
        Tensor? total = null;
        foreach (var p in _parameters)
        {
            if (p.grad is not { } g) continue;
            var squares = g.square().sum();
            total = total is null ? squares : total.add_(squares, one);
        }
        double norm = total is null ? 0 : total.sqrt().item<float>();
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            Scalar coefficient = (maxNorm / (norm + 1e-6)).ToScalar();
            foreach (var p in _parameters) p.grad?.mul_(coefficient);
            GC.KeepAlive(coefficient);
        }
        GC.KeepAlive(one);
        return norm;
    }

    /// <summary>Decoupled weight decay (AdamW, SGDW): w ← w·(1 − lr·decay), apart from the gradient.</summary>
    private void DecayWeights(double learningRate)
    {
        Scalar factor = (1 - learningRate * _settings.WeightDecay).ToScalar();
        foreach (var p in _parameters)
            if (p.grad is not null) p.mul_(factor);
        GC.KeepAlive(factor);
    }

    /// <summary>L2 decay coupled to the gradient (PyTorch's weight_decay), unless decoupled.</summary>
    private bool CoupledDecay => _settings.WeightDecay != 0 && !_settings.DecoupledWeightDecay;

    private void AdamStep(double learningRate)
    {
        double correction1 = 1 - Math.Pow(Beta1, _step), correction2 = 1 - Math.Pow(Beta2, _step);
        Scalar one = 1.0.ToScalar(), beta1 = Beta1.ToScalar(), oneMinusBeta1 = (1 - Beta1).ToScalar();
        Scalar beta2 = Beta2.ToScalar(), oneMinusBeta2 = (1 - Beta2).ToScalar(), epsilon = Epsilon.ToScalar();
        Scalar decay = _settings.WeightDecay.ToScalar(), sqrtCorrection2 = Math.Sqrt(correction2).ToScalar();
        Scalar stepSize = (-learningRate / correction1).ToScalar();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.grad is not { } gradient) continue;
            var g = CoupledDecay ? gradient.add(p, decay) : gradient;
            var m = _first[i] ??= KeepState(zeros_like(p));
            var v = _second[i] ??= KeepState(zeros_like(p));
            m.mul_(beta1).add_(g, oneMinusBeta1);
            v.mul_(beta2).addcmul_(g, g, oneMinusBeta2);
            var denominator = v.sqrt().div_(sqrtCorrection2).add_(epsilon, one);
            p.addcdiv_(m, denominator, stepSize);
        }
        GC.KeepAlive(one); GC.KeepAlive(beta1); GC.KeepAlive(oneMinusBeta1); GC.KeepAlive(beta2); GC.KeepAlive(oneMinusBeta2);
        GC.KeepAlive(epsilon); GC.KeepAlive(decay); GC.KeepAlive(sqrtCorrection2); GC.KeepAlive(stepSize);
    }

    private void SgdStep(double learningRate)
    {
        Scalar one = 1.0.ToScalar(), momentum = _settings.Momentum.ToScalar(), decay = _settings.WeightDecay.ToScalar();
        Scalar minusLearningRate = (-learningRate).ToScalar();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.grad is not { } gradient) continue;
            var g = CoupledDecay ? gradient.add(p, decay) : gradient;
            Tensor direction = g;
            if (_settings.Momentum != 0)
            {
                if (_first[i] is { } buffer) buffer.mul_(momentum).add_(g, one);
                else _first[i] = KeepState(g.clone());
                direction = _first[i]!;
            }
            p.add_(direction, minusLearningRate);
        }
        GC.KeepAlive(one); GC.KeepAlive(momentum); GC.KeepAlive(decay); GC.KeepAlive(minusLearningRate);
    }

    private static Tensor KeepState(Tensor state) => state.DetachFromDisposeScope();

    public void Dispose()
    {
        foreach (var t in _first.Concat(_second)) t?.Dispose();
    }
}
