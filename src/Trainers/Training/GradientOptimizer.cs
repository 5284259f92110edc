using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// Adam and SGD with momentum, with PyTorch's update rules (L2 weight decay added to the gradient, no dampening,
/// no Nesterov), written here instead of using TorchSharp's optimizers.
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

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        _step++;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_settings.Optimizer == TrainingOptimizer.Adam) AdamStep();
        else SgdStep();
    }

    private void AdamStep()
    {
        double correction1 = 1 - Math.Pow(Beta1, _step), correction2 = 1 - Math.Pow(Beta2, _step);
        Scalar one = 1.0.ToScalar(), beta1 = Beta1.ToScalar(), oneMinusBeta1 = (1 - Beta1).ToScalar();
        Scalar beta2 = Beta2.ToScalar(), oneMinusBeta2 = (1 - Beta2).ToScalar(), epsilon = Epsilon.ToScalar();
        Scalar decay = _settings.WeightDecay.ToScalar(), sqrtCorrection2 = Math.Sqrt(correction2).ToScalar();
        Scalar stepSize = (-_settings.LearningRate / correction1).ToScalar();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.grad is not { } gradient) continue;
            var g = _settings.WeightDecay != 0 ? gradient.add(p, decay) : gradient;
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

    private void SgdStep()
    {
        Scalar one = 1.0.ToScalar(), momentum = _settings.Momentum.ToScalar(), decay = _settings.WeightDecay.ToScalar();
        Scalar minusLearningRate = (-_settings.LearningRate).ToScalar();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var p = _parameters[i];
            if (p.grad is not { } gradient) continue;
            var g = _settings.WeightDecay != 0 ? gradient.add(p, decay) : gradient;
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
