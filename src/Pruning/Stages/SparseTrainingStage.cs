using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>train sparse</em> stage of <c>Lasso</c>: L1 (or group-L1) regularized training on the gradient backend, with
/// λ given or searched for the target sparsity (a λ path with warm starts, then bisection on log λ), ending with the
/// weights of the trial closest to the target written into the model. Rounding the zero pattern to exact masks is the
/// pipeline's selection; <see cref="Describe"/> then fills the report's per-layer rows.
/// </summary>
/// <remarks>
/// λ groups follow the selection's plan: with the Global scope one λ for every layer without a
/// <see cref="PruningOptions.LayerSparsity"/> override, each overridden layer its own; with the Layer scope one λ per
/// layer. Each group keeps its bracket (largest λ under its target, smallest over); all groups move together, one
/// training run per trial. A path trial starts from the weights of the last path trial whose total zeros stayed at or
/// under the total target (the dense model before any): the path climbs with warm starts. Bisection trials all start
/// from that same point, so that the sparsity they reach depends on λ alone and the bracket stays a bracket.
/// </remarks>
internal static class SparseTrainingStage
{
    /// <summary>What the search did: every trial, the one kept (1-based), each candidate layer's λ in it, and whether the target was reached.</summary>
    public sealed record Outcome(IReadOnlyList<LambdaTrial> Trials, int Kept, double[] LayerLambdas, bool TargetReached, string? Note, string Regularizer);

    private sealed class LambdaGroup(string name, int[] layers, long total, long? target, double tolerance)
    {
        public string Name { get; } = name;
        public int[] Layers { get; } = layers;
        public long Total { get; } = total;
        public long? Target { get; } = target;
        public double Tolerance { get; } = tolerance;
        public double Lambda { get; set; }
        public double? Under { get; set; }
        public double? Over { get; set; }
        /// <summary>The trial <see cref="Under"/>'s and <see cref="Over"/>'s runs started from: a bracket holds only for runs from one start.</summary>
        public int UnderFrom { get; set; }
        public int OverFrom { get; set; }
        public bool Converged { get; set; }
    }

    /// <summary>Trains <paramref name="model"/> in place with the regularizer <paramref name="options"/> ask for.</summary>
    /// <param name="backend">The gradient backend.</param>
    /// <param name="model">The model; its candidate weights end as the kept trial left them.</param>
    /// <param name="layers">The candidate layers (regularized and later masked).</param>
    /// <param name="options">λ or target, search budget, granularity and scope.</param>
    /// <param name="task">Rows, loss and validation rows of <see cref="LassoPruningOptions.Training"/>.</param>
    /// <param name="seed">Shuffling seed; each trial derives its own.</param>
    /// <param name="services">Log, device, cancellation.</param>
    /// <param name="teacher">The dense model, when <see cref="LassoPruningOptions.Training"/> distills; null otherwise.</param>
    public static Outcome Run(IGradientBackend backend, OnnxModel model, IReadOnlyList<PrunableWeight> layers, LassoPruningOptions options,
        TrainingTask task, int seed, MLContextServices services, OnnxModel? teacher)
    {
        var c = CultureInfo.InvariantCulture;
        bool grouped = options.IsGroupLasso;
        string regularizer = grouped ? "GroupL1" : "L1";
        var (trainOutput, baseSettings) = Settings(model, options.Training, task, seed);
        var groups = Groups(model, layers, options);
        long stepsPerTrial = (task.Data.RowCount + baseSettings.BatchSize - 1) / baseSettings.BatchSize * (long)baseSettings.Epochs;
        if (options.Lambda is double fixedLambda)
        {
            foreach (var g in groups) g.Lambda = fixedLambda;
        }
        else
        {
            foreach (var g in groups)
                g.Lambda = options.InitialLambda ?? InitialLambda(model, layers, g, grouped, baseSettings.LearningRate, Math.Max(1, stepsPerTrial));
        }

        using var training = Open(backend, model, trainOutput, baseSettings, services, teacher);
        // A weight the trained output does not depend on cannot be regularized through it; it keeps its values.
        var trainable = training.ParameterNames.ToHashSet(StringComparer.Ordinal);
        var trials = new List<LambdaTrial>();
        ITrainingCheckpoint? start = null, best = null;
        int startTrial = 0, bestTrial = 0, pathSteps = 0, bisections = 0;
        bool frozen = false; // once every group has gone over its target, the start stops moving
        (int Above, long Distance) bestScore = (1, long.MaxValue);
        string? note = null;
        try
        {
            start = training.Checkpoint(); // the dense model: where trials start until one stays under the target
            while (true)
            {
                string phase = options.Lambda is not null ? "fixed" : Phase(groups, trials.Count);
                if (options.Lambda is not null)
                {
                    if (trials.Count == 1) break;
                }
                else if (groups.All(g => g.Converged))
                {
                    break;
                }
                else if (phase == "path")
                {
                    if (pathSteps == options.MaxLambdaSteps) break;
                    pathSteps++;
                }
                else
                {
                    if (bisections == options.BisectionSteps) break;
                    bisections++;
                }
                if (trials.Count > 0) NextLambdas(groups, options.LambdaGrowth);

                start.Restore();
                var layerLambdas = LayerLambdas(layers.Count, groups);
                var description = Description(layers, layerLambdas, grouped, trainable);
                int trial = trials.Count + 1;
                var settings = baseSettings with { Seed = unchecked(seed + 7919 * (trial - 1)) };
                var result = training.Train(task.Data, settings, new TrainingHooks
                {
                    EpochCompleted = e => services.Info($"Lasso trial {trial} {e}"),
                    Log = message => services.Info($"Lasso trial {trial}: {message}"),
                    IsCanceled = services.IsCanceled,
                }, task.Validation, description);

                long pruned = 0;
                long? target = options.Lambda is null ? 0 : null;
                foreach (var g in groups)
                {
                    long zeros = Zeros(training, model, layers, g, grouped, trainable);
                    pruned += zeros;
                    if (g.Target is long t)
                    {
                        target += t;
                        if (zeros <= t && t - zeros <= g.Tolerance) g.Converged = true; // from below: rounding then only cuts
                        if (zeros <= t)
                        {
                            g.Under = g.UnderFrom == startTrial ? Math.Max(g.Under ?? 0, g.Lambda) : g.Lambda;
                            g.UnderFrom = startTrial;
                        }
                        else
                        {
                            g.Over = g.OverFrom == startTrial ? Math.Min(g.Over ?? double.PositiveInfinity, g.Lambda) : g.Lambda;
                            g.OverFrom = startTrial;
                        }
                    }
                }
                long total = groups.Sum(g => g.Total);
                trials.Add(new LambdaTrial(trial, phase, groups.ToDictionary(g => g.Name, g => g.Lambda, StringComparer.Ordinal), startTrial, pruned, target, total, result));
                services.Info(string.Create(c, $"Lasso trial {trial} ({phase}): λ {string.Join(", ", groups.Select(g => g.Lambda.ToString("G4", c)))} → " +
                    $"{(total == 0 ? 0 : (double)pruned / total):P2} zero{(target is long all ? $" (target {(total == 0 ? 0 : (double)all / total):P2})" : "")}."));

                var score = target is long goal ? (pruned <= goal ? 0 : 1, Math.Abs(pruned - goal)) : (0, 0L);
                if (score.CompareTo(bestScore) < 0)
                {
                    bestScore = score;
                    bestTrial = trial;
                    best?.Dispose();
                    best = training.Checkpoint();
                }
                // Path trials climb with warm starts; once bracketed, every trial starts from the same point, so that the
                // sparsity reached is a function of λ alone (a moving start would add the epochs of every earlier trial).
                if (!frozen && groups.All(g => g.Converged || g.Over is not null))
                {
                    // From here on every trial starts at the same point; ends of brackets measured from earlier starts
                    // are dropped and measured again from this one (a step down, or up, from the end that holds).
                    frozen = true;
                    foreach (var g in groups)
                    {
                        if (g.Under is not null && g.UnderFrom != startTrial) g.Under = null;
                        if (g.Over is not null && g.OverFrom != startTrial) g.Over = null;
                    }
                }
                else if (!frozen && (target is null || pruned <= target))
                {
                    start?.Dispose();
                    start = training.Checkpoint();
                    startTrial = trial;
                }
                if (result.Divergence is { } divergence)
                {
                    note = $"Trial {trial} (λ {string.Join(", ", groups.Select(g => g.Lambda.ToString("G4", c)))}) diverged; the training loop restored its last good weights " +
                           $"and the search stopped there. {divergence}";
                    services.Warning($"Lasso: {note}");
                    break;
                }
            }

            bool reached = options.Lambda is not null || groups.All(g => g.Converged);
            if (!reached)
            {
                var kept = trials[bestTrial - 1];
                string why = note is not null ? "the search stopped at a divergence"
                    : Phase(groups, trials.Count) == "path"
                    ? $"the path's {options.MaxLambdaSteps} λ steps (×{options.LambdaGrowth.ToString("G4", c)} each) did not bracket it; raise {nameof(LassoPruningOptions.MaxLambdaSteps)}, " +
                      $"{nameof(LassoPruningOptions.LambdaGrowth)} or {nameof(LassoPruningOptions.InitialLambda)}"
                    : $"{options.BisectionSteps} bisections did not come within {options.SparsityTolerance.ToString("P2", c)} below it; raise {nameof(LassoPruningOptions.BisectionSteps)} " +
                      $"or {nameof(LassoPruningOptions.SparsityTolerance)}";
                string unreachable = string.Create(c,
                    $"The target {(double)kept.Target!.Value / Math.Max(1, kept.Total):P2} was not reached within the search's budget ({why}): the closest sparsity reached by training is " +
                    $"{kept.Sparsity:P2} at λ {string.Join(", ", kept.Lambdas.Values.Select(l => l.ToString("G4", c)))} (trial {bestTrial}); rounding made the count exact.");
                services.Warning($"Lasso: {unreachable}");
                note = note is null ? unreachable : $"{note} {unreachable}";
            }
            if (bestTrial != trials.Count) best!.Restore();
            training.WriteBack(model);
            var lambdas = LayerLambdas(layers.Count, groups, trials[bestTrial - 1].Lambdas);
            return new Outcome(trials, bestTrial, lambdas, reached, note, regularizer);
        }
        finally
        {
            start?.Dispose();
            best?.Dispose();
        }
    }

    /// <summary>
    /// The model output a sparsity-learning run trains (through a final Softmax/Sigmoid, that node's input: logits, whatever
    /// ScoreKind says) and the run's settings from <paramref name="training"/>.
    /// </summary>
    public static (string TrainOutput, TrainingSettings Settings) Settings(OnnxModel model, FineTuneOptions training, TrainingTask task, int seed)
    {
        string trainOutput = TrainingGraph.TrainableOutput(model, task.ScoreOutput, task.Loss);
        var settings = training.ToFineTuneSettings(task.Loss, seed) with
        {
            ScoreKind = trainOutput != task.ScoreOutput ? ScoreKind.Logits : training.ScoreKind,
        };
        return (trainOutput, settings);
    }

    /// <summary>Opens <paramref name="model"/> for training on the gradient backend, with the dense model as the teacher when the settings distill.</summary>
    public static IMaskedTraining Open(IGradientBackend backend, OnnxModel model, string trainOutput, TrainingSettings settings, MLContextServices services, OnnxModel? teacher)
    {
        var training = backend.Open(model, trainOutput, services.GpuDeviceId, services.FallbackToCpu);
        try
        {
            if (settings.Distillation is not null)
                training.SetTeacher(teacher ?? throw new InvalidOperationException("Distillation needs the dense model as the teacher."));
            return training;
        }
        catch
        {
            training.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The per-layer rows: zeros after training, non-zeros the rounding cut and zeros it kept, from the weights before
    /// (<paramref name="trained"/>) and the masks.
    /// </summary>
    public static IReadOnlyList<SparseTrainingLayer> Describe(OnnxModel model, IReadOnlyList<PrunableWeight> layers, IReadOnlyList<float[]> trained,
        IReadOnlyList<PruningMask> masks, double[] lambdas, bool grouped)
    {
        var rows = new List<SparseTrainingLayer>(layers.Count);
        for (int l = 0; l < layers.Count; l++)
        {
            long zeros = 0, cut = 0, kept = 0;
            var w = trained[l];
            for (int i = 0; i < w.Length; i++)
            {
                bool zero = w[i] == 0;
                zeros += zero ? 1 : 0;
                if (!masks[l].IsKept(i) && !zero) cut++;
                if (masks[l].IsKept(i) && zero) kept++;
            }
            long? units = grouped ? layers[l].OutputUnits : null;
            long? zeroUnits = grouped ? UnitNorms(layers[l], w).LongCount(n => n == 0) : null;
            rows.Add(new SparseTrainingLayer(layers[l].Name, lambdas[l], w.Length, w.Length - zeros, zeros, cut, kept, units, zeroUnits));
        }
        return rows;
    }

    /// <summary>Masks that are exactly the zero pattern (a fixed λ): zero weights, or for group Lasso units whose weights are all zero.</summary>
    public static PruningMask[] ZeroPattern(IReadOnlyList<PrunableWeight> layers, IReadOnlyList<float[]> values, bool grouped)
    {
        var masks = new PruningMask[layers.Count];
        for (int l = 0; l < layers.Count; l++)
        {
            var w = values[l];
            var keep = new bool[w.Length];
            double[]? norms = grouped ? UnitNorms(layers[l], w) : null;
            var (stride, units) = Layout(layers[l]);
            int pruned = 0;
            for (int i = 0; i < w.Length; i++)
            {
                keep[i] = norms is null ? w[i] != 0 : norms[i / stride % units] != 0;
                pruned += keep[i] ? 0 : 1;
            }
            masks[l] = new PruningMask(layers[l].Name, keep, pruned);
        }
        return masks;
    }

    private static List<LambdaGroup> Groups(OnnxModel model, IReadOnlyList<PrunableWeight> layers, LassoPruningOptions options)
    {
        bool grouped = options.IsGroupLasso;
        long Size(int l) => grouped ? layers[l].OutputUnits : layers[l].ParameterCount;
        var plan = new List<(int[] Layers, double Sparsity)>();
        var pooled = new List<int>();
        for (int l = 0; l < layers.Count; l++)
        {
            if (options.LayerSparsity.TryGetValue(layers[l].Name, out double own)) plan.Add(([l], own));
            else if (options.Scope == PruningScope.Global && options.Pattern is null) pooled.Add(l); // N:M: every layer its own 1 − N/M, so its own λ
            else plan.Add(([l], options.EffectiveSparsity));
        }
        if (pooled.Count > 0) plan.Add(([.. pooled], options.EffectiveSparsity));
        return [.. plan.Select(p =>
        {
            long total = p.Layers.Sum(Size);
            long? target = options.Lambda is null ? MaskSelector.TargetPrunedCount(total, p.Sparsity) : null;
            return new LambdaGroup(layers[p.Layers[0]].Name, p.Layers, total, target, options.SparsityTolerance * total);
        })];
    }

    /// <summary>
    /// q / (η·steps) / 4: q the target quantile of |w| (of ‖w_g‖/√|g| for units) in the group, the λ at which the proximal
    /// steps of one trial alone, unopposed by the loss, would zero the target's share; a quarter of it starts the path.
    /// </summary>
    private static double InitialLambda(OnnxModel model, IReadOnlyList<PrunableWeight> layers, LambdaGroup group, bool grouped, double learningRate, long steps)
    {
        var magnitudes = new List<double>();
        foreach (int l in group.Layers)
        {
            var w = OnnxTensor.ToFloatArray(model.GetInitializer(layers[l].Name));
            if (grouped)
            {
                double size = Math.Sqrt((double)w.Length / Math.Max(1, layers[l].OutputUnits));
                magnitudes.AddRange(UnitNorms(layers[l], w).Select(n => n / size));
            }
            else
            {
                foreach (float v in w) magnitudes.Add(Math.Abs(v));
            }
        }
        magnitudes.Sort();
        long k = Math.Clamp(group.Target ?? 0, 1, magnitudes.Count);
        double q = magnitudes.Count == 0 ? 0 : magnitudes[(int)k - 1];
        if (!(q > 0)) q = magnitudes.FirstOrDefault(m => m > 0);
        return q > 0 ? q / (learningRate * steps) / 4 : 1e-6;
    }

    /// <summary>"path" while a group still lacks an end of its bracket (steps of the growth factor), else "bisection".</summary>
    private static string Phase(List<LambdaGroup> groups, int trials) =>
        trials == 0 || groups.Any(g => !g.Converged && (g.Over is null || g.Under is null)) ? "path" : "bisection";

    /// <summary>Each group's next λ: above its largest λ under the target by the growth factor until a λ goes over, then the geometric mean of the bracket.</summary>
    private static void NextLambdas(List<LambdaGroup> groups, double growth)
    {
        foreach (var g in groups)
        {
            if (g.Converged) continue;
            g.Lambda = (g.Under, g.Over) switch
            {
                (double under, null) => under * growth,
                (null, double over) => over / growth,
                (double under, double over) => Math.Sqrt(under * over),
                _ => g.Lambda,
            };
        }
    }

    private static double[] LayerLambdas(int count, List<LambdaGroup> groups, IReadOnlyDictionary<string, double>? kept = null)
    {
        var lambdas = new double[count];
        foreach (var g in groups)
            foreach (int l in g.Layers) lambdas[l] = kept?.GetValueOrDefault(g.Name, g.Lambda) ?? g.Lambda;
        return lambdas;
    }

    private static TrainingRegularization Description(IReadOnlyList<PrunableWeight> layers, double[] lambdas, bool grouped, HashSet<string> trainable)
    {
        var weights = layers.Select((w, l) => new RegularizedWeight(w.Name, lambdas[l], w.OutputAxis)).Where(w => trainable.Contains(w.Name)).ToArray();
        return grouped ? new GroupL1Regularization { Weights = weights } : new L1Regularization { Weights = weights };
    }

    /// <summary>Zero weights (units, for group Lasso) of a group's layers, as training left them.</summary>
    private static long Zeros(IMaskedTraining training, OnnxModel model, IReadOnlyList<PrunableWeight> layers, LambdaGroup group, bool grouped, HashSet<string> trainable)
    {
        long zeros = 0;
        foreach (int l in group.Layers)
        {
            string name = layers[l].Name;
            var w = trainable.Contains(name) ? training.ReadWeights(name) : OnnxTensor.ToFloatArray(model.GetInitializer(name));
            if (grouped)
            {
                zeros += UnitNorms(layers[l], w).LongCount(n => n == 0);
            }
            else
            {
                foreach (float v in w) zeros += v == 0 ? 1 : 0;
            }
        }
        return zeros;
    }

    /// <summary>(stride, units): weight i belongs to unit i / stride % units (the slices along the output axis).</summary>
    private static (long Stride, long Units) Layout(PrunableWeight weight)
    {
        long stride = 1;
        for (int d = weight.OutputAxis + 1; d < weight.Shape.Length; d++) stride *= weight.Shape[d];
        return (stride, weight.OutputUnits);
    }

    /// <summary>‖w_g‖₂ of each output unit.</summary>
    private static double[] UnitNorms(PrunableWeight weight, float[] values)
    {
        var (stride, units) = Layout(weight);
        var sums = new double[units];
        for (long i = 0; i < values.Length; i++) sums[i / stride % units] += (double)values[i] * values[i];
        for (int u = 0; u < sums.Length; u++) sums[u] = Math.Sqrt(sums[u]);
        return sums;
    }
}
