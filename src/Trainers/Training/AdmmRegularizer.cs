using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// ADMM pruning as a regularizer of the one training loop (scaled form; Zhang et al. 2018). For each weight W of
/// <see cref="AdmmSettings.Layers"/> it holds Z (the sparse projection) and U (the scaled dual), as tensors on the
/// weight's device. Each step adds ρ(W − Z + U), the gradient of ρ/2‖W − Z + U‖², to W's gradient; each round sets
/// Z ← Π(W + U) (<see cref="AdmmProjection"/>: at most k non-zeros, per layer or global, weights or whole units),
/// U ← U + W − Z, records the residuals (<see cref="Rounds"/>) and moves ρ along its schedule (rescaling U by
/// ρ_old/ρ_new, as the scaled form needs). <see cref="Masks"/> is the support of the latest Z: hard-prune to it, then
/// fine-tune with those masks fixed.
/// </summary>
/// <remarks>
/// <para>
/// A round ends every <see cref="AdmmSettings.StepsPerRound"/> optimizer steps, or, when that is null, with every
/// <see cref="AdmmSettings.EpochsPerRound"/>-th epoch (<see cref="AfterEpoch"/>; default each epoch). Z starts as Π(W) of the weights at construction and U as zero. The projection runs on the
/// CPU (one copy of each layer per round) so its counts are exact, with <see cref="MaskSelector"/>'s tie rule.
/// </para>
/// <para>
/// Only the named weights get the ADMM term; other parameters (biases, normalization) train as they would without it.
/// A round whose W + U holds a NaN or infinity is skipped (Z, U and ρ stay; <see cref="SkippedRounds"/> counts it): the
/// loop's divergence check restores the last good weights on the next step. After a restore (divergence or keep-best)
/// the weights may be from an earlier epoch than Z.
/// </para>
/// </remarks>
/// <example>
/// <code>
/// var admm = new AdmmSettings { Rho = 1e-3, Layers = [new AdmmLayer("fc1.weight", Kept: 4000)] };
/// using var regularizer = new AdmmRegularizer(module, admm);
/// TorchTrainingLoop.Run(module, data, settings, device, regularizers: [regularizer]);
/// foreach (var round in regularizer.Rounds) Console.WriteLine(round);
/// trainer.SetMasks(regularizer.Masks); // hard-prune to Z's support, then fine-tune
/// </code>
/// </example>
public sealed class AdmmRegularizer : ITrainingRegularizer, IDisposable
{
    private readonly OnnxTorchModule _module;
    private readonly string[] _names;
    private readonly long[][] _shapes;
    private readonly Tensor[] _z;
    private readonly Tensor[] _u;
    private IReadOnlyList<PruningMask> _support;
    private readonly List<AdmmRound> _rounds = [];
    private long _steps, _stepsInRound;
    private int _epochsInRound;
    private bool _disposed;

    /// <summary>Starts ADMM on the named weights of <paramref name="module"/>: Z = Π(W), U = 0, ρ = <see cref="AdmmSettings.Rho"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A setting is out of range (the message names it), or a count exceeds the weights or units it counts.</exception>
    /// <exception cref="ArgumentException">A layer is not a parameter of the module, or the layer list is malformed.</exception>
    public AdmmRegularizer(OnnxTorchModule module, AdmmSettings settings)
    {
        _module = module ?? throw new ArgumentNullException(nameof(module));
        Settings = settings ?? throw new ArgumentNullException(nameof(settings));
        settings.Validate(nameof(AdmmRegularizer));
        int n = settings.Layers.Count;
        _names = new string[n];
        _shapes = new long[n][];
        for (int l = 0; l < n; l++)
        {
            _names[l] = settings.Layers[l].Name;
            _shapes[l] = module.GetParameter(_names[l]).shape;
        }
        Rho = settings.Rho;
        _z = new Tensor[n];
        _u = new Tensor[n];
        try
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            for (int l = 0; l < n; l++)
            {
                var w = Weight(l);
                _u[l] = zeros_like(w).DetachFromDisposeScope();
                _z[l] = zeros_like(w).DetachFromDisposeScope();
            }
            _support = Project(out var values) ?? throw new ArgumentException("The weights ADMM starts from hold a NaN or infinity.", nameof(module));
            for (int l = 0; l < n; l++) _z[l].copy_(values[l].mul(Mask(l, _support[l])));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The settings this run follows.</summary>
    public AdmmSettings Settings { get; }

    /// <summary>The ρ of the current round.</summary>
    public double Rho { get; private set; }

    /// <summary>Every completed round, in order: ρ and the primal and dual residuals, per layer and overall.</summary>
    public IReadOnlyList<AdmmRound> Rounds => _rounds.AsReadOnly();

    /// <summary>Optimizer steps since the last round ended.</summary>
    public long StepsInRound => _stepsInRound;

    /// <summary>Rounds skipped because W + U was not finite.</summary>
    public int SkippedRounds { get; private set; }

    /// <summary>
    /// The support of the latest Z, one mask per layer in <see cref="AdmmSettings.Layers"/> order: exactly the kept counts
    /// the settings ask for. Pass to <c>MaskedTrainer.SetMasks</c> (or <see cref="OnnxTorchModule.SetMask"/>) to hard-prune.
    /// </summary>
    public IReadOnlyList<PruningMask> Masks => _support;

    /// <summary>Adds ρ(W − Z + U) to the gradient of each constrained weight (weights without a gradient are left alone).</summary>
    public void AfterBackward(long step)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Scalar rho = Rho.ToScalar(), minusRho = (-Rho).ToScalar();
        for (int l = 0; l < _names.Length; l++)
        {
            var w = Weight(l);
            if (w.grad is not { } g) continue;
            g.add_(w, rho).add_(_z[l], minusRho).add_(_u[l], rho);
        }
        GC.KeepAlive(rho);
        GC.KeepAlive(minusRho);
    }

    /// <summary>Counts the step; ends a round every <see cref="AdmmSettings.StepsPerRound"/> steps.</summary>
    public void AfterStep(long step, double learningRate)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _steps++;
        _stepsInRound++;
        if (Settings.StepsPerRound is int perRound && _stepsInRound >= perRound) EndRound();
    }

    /// <summary>When <see cref="AdmmSettings.StepsPerRound"/> is null, ends a round every <see cref="AdmmSettings.EpochsPerRound"/> epochs.</summary>
    public void AfterEpoch(EpochResult result)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Settings.StepsPerRound is not null || _stepsInRound == 0) return;
        if (++_epochsInRound >= Settings.EpochsPerRound) EndRound();
    }

    /// <summary>
    /// Ends the current round now: Z ← Π(W + U), U ← U + W − Z, residuals recorded, ρ to its next value (U rescaled by
    /// ρ_old/ρ_new). The round's record, or null when W + U was not finite (nothing changed then). Called by the hooks; call it
    /// after training to project the last steps of a run whose step count is not a multiple of <see cref="AdmmSettings.StepsPerRound"/>.
    /// </summary>
    public AdmmRound? EndRound()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        _stepsInRound = 0;
        _epochsInRound = 0;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var previous = _support;
        if (Project(out var values) is not { } support)
        {
            SkippedRounds++;
            return null;
        }
        var layers = new AdmmLayerRound[_names.Length];
        double primalSum = 0, dualSum = 0, weightSum = 0;
        for (int l = 0; l < _names.Length; l++)
        {
            var w = Weight(l);
            var z = values[l].mul(Mask(l, support[l]));
            double moved = SquaredNorm(z.sub(_z[l]));
            _z[l].copy_(z);
            _u[l].copy_(values[l].sub(z));
            double apart = SquaredNorm(w.sub(z)), size = SquaredNorm(w);
            long changes = 0;
            ReadOnlySpan<bool> before = previous[l].Keep, after = support[l].Keep;
            for (int i = 0; i < after.Length; i++) changes += before[i] != after[i] ? 1 : 0;
            layers[l] = new AdmmLayerRound(_names[l], Relative(apart, size), Rho * Relative(moved, size), support[l].KeptCount, changes);
            (primalSum, dualSum, weightSum) = (primalSum + apart, dualSum + moved, weightSum + size);
        }
        _support = support;
        var round = new AdmmRound(_rounds.Count + 1, _steps, Rho, Relative(primalSum, weightSum), Rho * Relative(dualSum, weightSum), layers);
        _rounds.Add(round);

        double next = Settings.NextRho(Rho);
        if (next != Rho)
        {
            Scalar rescale = (Rho / next).ToScalar();
            foreach (var u in _u) u.mul_(rescale);
            GC.KeepAlive(rescale);
            Rho = next;
        }
        return round;
    }

    /// <summary>Z and U of layer <paramref name="layer"/> (in <see cref="AdmmSettings.Layers"/> order), flattened; for tests.</summary>
    internal (float[] Z, float[] U) ReadState(int layer)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using var scope = NewDisposeScope();
        return (_z[layer].cpu().contiguous().data<float>().ToArray(), _u[layer].cpu().contiguous().data<float>().ToArray());
    }

    /// <summary>Releases Z and U.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _z) t?.Dispose();
        foreach (var t in _u) t?.Dispose();
    }

    /// <summary>Moving the module replaces its parameters, so they are looked up by name each time.</summary>
    private TorchSharp.Modules.Parameter Weight(int l) => _module.GetParameter(_names[l]);

    /// <summary>W + U per layer (in the caller's scope) and the projection's support; null if a value is not finite.</summary>
    private IReadOnlyList<PruningMask>? Project(out Tensor[] values)
    {
        Scalar one = 1.0.ToScalar();
        values = new Tensor[_names.Length];
        var copies = new LayerValues[_names.Length];
        bool finite = true;
        for (int l = 0; l < _names.Length; l++)
        {
            values[l] = Weight(l).detach().add(_u[l], one);
            float[] host = values[l].cpu().contiguous().data<float>().ToArray();
            foreach (float v in host) finite &= float.IsFinite(v);
            copies[l] = new LayerValues(_names[l], host);
        }
        GC.KeepAlive(one);
        return finite ? AdmmProjection.Support(copies, _shapes, Settings) : null;
    }

    /// <summary>The support as a 0/1 tensor of the weight's shape, type and device (in the caller's scope).</summary>
    private Tensor Mask(int l, PruningMask support)
    {
        var w = Weight(l);
        return torch.tensor(support.ToFloatArray(), _shapes[l], device: w.device).to(w.dtype);
    }

    private static double SquaredNorm(Tensor t) => t.square().sum().item<float>();

    private static double Relative(double squared, double squaredReference) =>
        squaredReference > 0 ? Math.Sqrt(squared / squaredReference) : squared > 0 ? double.PositiveInfinity : 0;
}
