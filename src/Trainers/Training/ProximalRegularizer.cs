using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// The common part of the proximal (Lasso) regularizers: the weights they act on, looked up by name in the module,
/// nothing after backward, a proximal step after each optimizer step, and per epoch the non-zeros and the penalty
/// (<see cref="Trace"/>, returned in <see cref="TrainingResult.Regularization"/>).
/// </summary>
internal abstract class ProximalRegularizer : IReportingRegularizer
{
    private readonly OnnxTorchModule _module;
    private readonly List<RegularizationEpoch> _trace = [];

    protected ProximalRegularizer(OnnxTorchModule module, TrainingRegularization description)
    {
        ArgumentNullException.ThrowIfNull(module);
        ArgumentNullException.ThrowIfNull(description);
        description.Validate();
        _module = module;
        var known = module.ParameterNames.ToHashSet(StringComparer.Ordinal);
        foreach (var weight in description.Weights)
            if (!known.Contains(weight.Name))
                throw new ArgumentException(
                    $"{description.GetType().Name} names '{weight.Name}', which is not a trainable weight of the model being trained " +
                    $"(trainable: {string.Join(", ", module.ParameterNames.Take(20))}{(module.ParameterNames.Count > 20 ? ", …" : "")}).", nameof(description));
        Weights = description.Weights;
    }

    /// <summary>The regularized weights, with λ and unit axis.</summary>
    protected IReadOnlyList<RegularizedWeight> Weights { get; }

    /// <summary>The parameter of a weight, looked up each time (moving a module replaces its parameters).</summary>
    protected Parameter ParameterOf(RegularizedWeight weight) => _module.GetParameter(weight.Name);

    /// <inheritdoc />
    public IReadOnlyList<RegularizationEpoch> Trace => _trace;

    /// <summary>A proximal method adds nothing to the gradient.</summary>
    public void AfterBackward(long step) { }

    /// <summary>The proximal step: every weight with λ &gt; 0 shrunk by the step's threshold, in place, without recording gradients.</summary>
    public void AfterStep(long step, double learningRate)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (var weight in Weights)
        {
            double threshold = learningRate * weight.Lambda;
            if (threshold > 0) Shrink(ParameterOf(weight), weight, threshold);
        }
    }

    /// <summary>Applies the proximal operator of threshold·(the penalty of one weight) to <paramref name="parameter"/> in place.</summary>
    protected abstract void Shrink(Tensor parameter, RegularizedWeight weight, double threshold);

    /// <summary>The penalty of one weight at its current values (λ included).</summary>
    protected abstract double Penalty(Tensor parameter, RegularizedWeight weight);

    /// <summary>Extra numbers for the trace (e.g. non-zero units), by name; none by default.</summary>
    protected virtual void Measure(Tensor parameter, RegularizedWeight weight, Dictionary<string, double> measures) { }

    /// <summary>Records the non-zeros of every regularized weight and the penalty.</summary>
    public void AfterEpoch(EpochResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var nonZeros = new Dictionary<string, long>(StringComparer.Ordinal);
        var measures = new Dictionary<string, double>(StringComparer.Ordinal);
        double penalty = 0;
        var zero = 0f.ToScalar();
        foreach (var weight in Weights)
        {
            var p = ParameterOf(weight);
            nonZeros[weight.Name] = p.ne(zero).sum().item<long>();
            penalty += Penalty(p, weight);
            Measure(p, weight, measures);
        }
        GC.KeepAlive(zero);
        _trace.Add(new RegularizationEpoch(result.Epoch, nonZeros, penalty, measures));
    }
}
