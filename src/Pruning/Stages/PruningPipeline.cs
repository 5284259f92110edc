using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.ML.Pruning.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Pruning as a pipeline of stages: <em>calibrate</em> (<see cref="CalibrationStage"/>, <see cref="GradientStage"/>),
/// <em>score</em> (the criterion), <em>select</em> (<see cref="SelectionStage"/>), <em>recover</em>
/// (<see cref="RecoveryStage"/>) and <em>emit</em> (<see cref="EmitStage"/>), run on a schedule. Every estimator is a
/// configuration of it. Everything that can be checked is checked before any work: when the estimator is built
/// (options, criterion, layers, backend) and at the start of <see cref="Run"/> (columns, label, shapes).
/// </summary>
internal sealed class PruningPipeline
{
    private readonly MLContextServices _services;
    private readonly PruningOptions _options;
    private readonly IPruningCriterion _criterion;
    private readonly IGradientBackend? _backend;
    private int? _seed;
    private int _fineTunes;
    private readonly List<TrainingResult> _fineTuneResults = [];
    private OnnxModel? _teacher;
    private OnnxModel? _denseTeacher;
    private OnnxModel? _dense;
    private readonly StructuredPlan? _plan;
    private StructuredSelection.Result? _structuredChoice;
    private readonly bool _projectOnly;
    private IReadOnlyList<LayerReconstruction>? _refits;

    /// <summary>
    /// One seed per Fit, drawn from the MLContext only when something random needs it: fine-tuning (the first
    /// round's seed is this one) and the criterion's layer seeds derive from it.
    /// </summary>
    private int RunSeed => _seed ??= _options.Seed ?? _services.NextSeed();

    /// <exception cref="ArgumentOutOfRangeException">An unknown criterion, or a granularity the criterion cannot score.</exception>
    /// <exception cref="InvalidOperationException">A need the options do not meet (labels, gradients, schedule), or no layer to prune.</exception>
    public PruningPipeline(MLContextServices services, PruningOptions options, OnnxModel source)
    {
        _services = services;
        _options = options;
        _criterion = PruningCriteria.Create(options.CriterionName);
        string criterion = $"Criterion '{_criterion.Name}'";
        if (options.Granularity == PruningGranularity.NM && !_criterion.Granularities.Contains(PruningGranularity.Unstructured))
            throw new ArgumentOutOfRangeException(nameof(PruningOptions.Granularity), options.Granularity,
                $"Granularity NM ranks single weights within each group; {criterion} scores {string.Join(", ", _criterion.Granularities)}, not single weights (Unstructured).");
        if (!_criterion.Granularities.Contains(StructuredPlan.ScoringGranularity(options.Granularity)))
            throw new ArgumentOutOfRangeException(nameof(PruningOptions.Granularity), options.Granularity,
                $"{criterion} scores {string.Join(", ", _criterion.Granularities)}; Granularity {options.Granularity} is not one of them.");
        var needs = _criterion.Needs;
        if (GradientStage.IsNeeded(needs) && options.EffectiveLabelColumn is null)
            throw new InvalidOperationException(
                $"{criterion} needs gradients of the loss, so labels: set {nameof(PruningOptions.LabelColumnName)} (or {nameof(PruningOptions.FineTune)}).");
        if (options.Schedule == PruningSchedule.Gradual && needs != CriterionNeeds.None)
            throw new InvalidOperationException(
                $"The Gradual schedule re-scores weights during training, and {criterion} needs {needs}; use a criterion that scores from weights alone " +
                $"({string.Join(", ", PruningCriteria.Names.Where(n => PruningCriteria.Create(n).Needs == CriterionNeeds.None))}) or the Iterative schedule.");
        if (GradientStage.IsNeeded(needs) || options.FineTune is not null || options is ISparsityTrainingOptions)
            _backend = GradientBackend.Require(options is ISparsityTrainingOptions sparse ? sparse.MethodName : GradientStage.IsNeeded(needs) ? criterion : nameof(PruningOptions.FineTune));

        CheckColumnsAgainstGraph(source);
        var prunable = source.GetPrunableWeights();
        CheckLayerNames(prunable);
        Weights = prunable;
        Candidates = [.. prunable.Where(w => !options.ExcludedLayers.Contains(w.Name) && Fits(w, options.Granularity))];
        if (StructuredPlan.IsStructured(options.Granularity) && options is not (CoordinateDescentPruningOptions or ISparsityTrainingOptions))
        {
            if (options.Schedule == PruningSchedule.Gradual)
                throw new InvalidOperationException(
                    $"Granularity {options.Granularity} prunes dependency groups, which the Gradual schedule does not re-select during training yet; use the OneShot or Iterative schedule.");
            _plan = StructuredPlan.Analyze(source, options, prunable);
            Candidates = _plan.Producers;
        }
        else if (options.Granularity is PruningGranularity.Neuron or PruningGranularity.Channel && options.Structured.RemoveUnits)
        {
            // Lasso, ADMM and CoordinateDescent choose units layer by layer; what they drop in every producer of a group is removed.
            try { _plan = StructuredPlan.Analyze(source, options, prunable); _projectOnly = true; }
            catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or System.IO.InvalidDataException)
            {
                _services.Warning($"The written file keeps the pruned units as zeros: {e.Message}");
            }
        }
        else if (options.Granularity == PruningGranularity.Head)
            throw new NotSupportedException($"Granularity Head is chosen by a criterion (Magnitude or Prune); {options.GetType().Name} does not prune attention heads yet.");
        if (Candidates.Count == 0)
            throw new InvalidOperationException(prunable.Any(w => Fits(w, options.Granularity))
                ? "Every prunable weight of the model is in ExcludedLayers; nothing is left to prune."
                : $"Granularity {options.Granularity} prunes {(options.Granularity == PruningGranularity.Channel ? "Conv" : "Gemm and MatMul")} layers; the model has none.");
        // N:M groups must tile each candidate's input dimension: refused by name now, before any data is read.
        if (options.Pattern is { } pattern)
            foreach (var w in Candidates) pattern.CheckDivides(w, nameof(PruningOptions.PatternM));
        if (_backend is not null) CheckTrainable(source);
        if (options is CoordinateDescentPruningOptions reconstruction) GramMemoryBudget.Check(source, Candidates, reconstruction);
        if (options is CoordinateDescentPruningOptions { Granularity: PruningGranularity.Channel })
            throw new NotSupportedException(
                $"CoordinateDescent with Granularity Channel (group-Lasso filter selection with im2col reconstruction of the consuming Conv) is not supported yet; " +
                $"'{Candidates[0].Name}' would be pruned so. Use Granularity Unstructured for Conv layers, or Neuron for Gemm/MatMul neurons.");
        if (options is CoordinateDescentPruningOptions { Granularity: PruningGranularity.Neuron }) StructuredReconstructionStage.FindPairs(source, Candidates);
    }

    /// <summary>The model output trained against (Lasso's training, fine-tuning) or differentiated (gradient criteria).</summary>
    private string ScoreOutput => (_options as ISparsityTrainingOptions)?.Training.ScoreColumnName ?? _options.FineTune?.ScoreColumnName ?? _options.OutputColumnNames[0];

    /// <summary>
    /// Before any data is read: the engine can train the sub-graph computing the score output (every op and attribute
    /// supported), and that output depends on at least one of the weights being pruned.
    /// </summary>
    private void CheckTrainable(OnnxModel source)
    {
        string score = ScoreOutput;
        if (!_options.OutputColumnNames.Contains(score))
            throw new ArgumentOutOfRangeException(nameof(FineTuneOptions.ScoreColumnName), score, $"ScoreColumnName '{score}' is not one of the output columns.");
        var trainable = _backend!.CheckTrainable(source, score).ToHashSet(StringComparer.Ordinal);
        if (!Candidates.Any(w => trainable.Contains(w.Name)))
            throw new InvalidOperationException(
                $"Output '{score}' depends on none of the weights being pruned ({string.Join(", ", Candidates.Take(5).Select(w => w.Name))}{(Candidates.Count > 5 ? ", …" : "")}), " +
                $"so {(_options is ISparsityTrainingOptions sparse ? $"{sparse.MethodName}'s regularized training" : _options.FineTune is not null ? "fine-tuning" : "the gradient criterion")} cannot change or score them through it; " +
                $"choose another output ({nameof(FineTuneOptions.ScoreColumnName)}).");
        // ADMM projects all candidates together (one budget, exact counts), so it must train every one of them.
        var untrained = _options is AdmmPruningOptions ? Candidates.Where(w => !trainable.Contains(w.Name)).Select(w => w.Name).ToList() : [];
        if (untrained.Count > 0)
            throw new InvalidOperationException(
                $"Output '{score}' does not depend on {string.Join(", ", untrained.Take(5))}{(untrained.Count > 5 ? ", …" : "")}, so ADMM cannot train them towards their sparse " +
                $"projection through it; add them to {nameof(PruningOptions.ExcludedLayers)} or choose another output ({nameof(FineTuneOptions.ScoreColumnName)}).");
    }

    /// <summary>
    /// The dependency groups structured selection chooses whole (Magnitude/Prune with Neuron, Channel or Head); null when the
    /// criterion prunes weights, or the method chooses units layer by layer (their LayerSparsity keys are the candidates).
    /// </summary>
    public StructuredPlan? SelectionPlan => _projectOnly ? null : _plan;

    /// <summary>Every prunable weight of the model (the report's rows).</summary>
    public IReadOnlyList<PrunableWeight> Weights { get; private set; }

    /// <summary>
    /// The weights this configuration prunes. <see cref="Run"/> binds them again to the densified copy it prunes: a compact
    /// input model keeps weights in Constant nodes, which densifying removes, so node indices shift.
    /// </summary>
    public IReadOnlyList<PrunableWeight> Candidates { get; private set; }

    /// <summary>Prunes a copy of <paramref name="source"/> on <paramref name="data"/> and emits the transformer (one run per pipeline).</summary>
    public PrunedModelTransformer Run(OnnxModel source, IDataView data)
    {
        var watch = Stopwatch.StartNew();
        foreach (string name in _options.InputColumnNames)
            ColumnChecks.ModelInput(source, data.Schema, name, nameof(data), _options.InputShapes.TryGetValue(name, out var shape) ? shape : null);
        var scorerShapes = ScorerShapes(source, data.Schema);
        var model = source.Clone();
        model.Densify(); // a compact input model is pruned and reported like its dense form
        if (_plan is not null) _dense = model.Clone(); // the report's and the latency's dense side, densified as the pruned model is
        var byName = model.GetPrunableWeights().ToDictionary(w => w.Name, StringComparer.Ordinal);
        Candidates = [.. Candidates.Select(w => byName[w.Name])];
        Weights = [.. Weights.Select(w => byName[w.Name])];
        var needs = _criterion.Needs;
        bool trains = GradientStage.IsNeeded(needs) || _options.FineTune is not null || _options is ISparsityTrainingOptions;
        var inputs = CalibrationStage.IsNeeded(needs) || trains
            ? ModelInputBatches.Create(model, data.Schema, _options.InputColumnNames, nameof(PruningOptions.InputColumnNames), _options.InputShapes)
            : null;
        var batches = CalibrationStage.IsNeeded(needs) ? inputs : null;
        if (trains) CheckLabels(model, inputs!, data);
        var gradientTask = GradientStage.IsNeeded(needs) ? Task(data, inputs!, _options.EffectiveLabelColumn!, _options.CalibrationRows, nameof(PruningOptions.LabelColumnName)) : null;
        var fineTuneTask = _options.FineTune is { } fineTune ? FineTuneTask(model, data, inputs!, fineTune) : null;
        var sparseTask = _options is ISparsityTrainingOptions sparse ? FineTuneTask(model, data, inputs!, sparse.Training) : null;
        // The dense model, before any pruning, when distillation uses it (a zero weight with labels does not).
        if (_options.FineTune?.Distillation is { } distillation && (distillation.Weight > 0 || fineTuneTask!.Data.Labels is null)) _teacher = model.Clone();
        if (_options is ISparsityTrainingOptions { Training.Distillation: { } sparseDistillation } && (sparseDistillation.Weight > 0 || sparseTask!.Data.Labels is null)) _teacher ??= model.Clone();

        if (_options is LassoPruningOptions lasso)
        {
            var outcome = SparseTrainingStage.Run(_backend!, model, Candidates, lasso, sparseTask!, RunSeed, _services, _teacher);
            var trained = Candidates.Select(w => OnnxTensor.ToFloatArray(model.GetInitializer(w.Name))).ToList();
            var current = trained.Select(v => (float[])v.Clone()).ToList();
            var lassoMasks = lasso.Lambda is null || lasso.Pattern is not null
                ? Select(Contexts(model, current, null, null), 1.0, null)
                : SparseTrainingStage.ZeroPattern(Candidates, current, lasso.IsGroupLasso);
            Apply(model, current, lassoMasks);
            var rows = SparseTrainingStage.Describe(model, Candidates, trained, lassoMasks, outcome.LayerLambdas, lasso.IsGroupLasso);
            var lassoHeld = ProjectOntoGroups(model, lassoMasks);
            if (fineTuneTask is not null) FineTune(model, lassoHeld, fineTuneTask, null);
            _services.Info($"{Method} took {watch.Elapsed.TotalSeconds:F2} s.");
            return EmitStage.Create(_services, model, _options.OutputColumnNames, _options.InputColumnNames, data.Schema, Weights, watch, source.SourcePath, Method,
                fineTuning: _fineTuneResults, inputShapes: scorerShapes,
                sparseTraining: new SparseTrainingReport(outcome.Regularizer, outcome.Trials, outcome.Kept, rows, outcome.TargetReached, outcome.Note),
                structured: Structured(source, model, data, inputs));
        }

        if (_options is AdmmPruningOptions admm)
        {
            var outcome = AdmmStage.Run(_backend!, model, Candidates, admm, sparseTask!, RunSeed, _services, _teacher);
            var trained = Candidates.Select(w => OnnxTensor.ToFloatArray(model.GetInitializer(w.Name))).ToList();
            var current = trained.Select(v => (float[])v.Clone()).ToList();
            Apply(model, current, outcome.Masks);
            var rows = AdmmStage.Describe(Candidates, trained, outcome.Masks, admm.Granularity is PruningGranularity.Neuron or PruningGranularity.Channel);
            var admmHeld = ProjectOntoGroups(model, outcome.Masks);
            if (fineTuneTask is not null) FineTune(model, admmHeld, fineTuneTask, null);
            _services.Info($"{Method} took {watch.Elapsed.TotalSeconds:F2} s.");
            return EmitStage.Create(_services, model, _options.OutputColumnNames, _options.InputColumnNames, data.Schema, Weights, watch, source.SourcePath, Method,
                fineTuning: _fineTuneResults, inputShapes: scorerShapes, admm: new AdmmReport(outcome.Result, rows, outcome.Note),
                structured: Structured(source, model, data, inputs));
        }

        if (_options is CoordinateDescentPruningOptions reconstruction)
        {
            var batchesForGram = ModelInputBatches.Create(model, data.Schema, _options.InputColumnNames, nameof(PruningOptions.InputColumnNames), _options.InputShapes);
            bool warned = false;
            Action<int> rowsRead = rows =>
            {
                if (!warned) WarnIfShort(rows);
                warned = true;
            };
            var solved = reconstruction.Granularity == PruningGranularity.Neuron
                ? StructuredReconstructionStage.Run(_services, model, Candidates, reconstruction, batchesForGram, data, rowsRead)
                : ReconstructionStage.Run(_services, model, Candidates, reconstruction, batchesForGram, data, rowsRead, RunSeed);
            var solvedHeld = ProjectOntoGroups(model, solved.Masks);
            if (fineTuneTask is not null) FineTune(model, solvedHeld, fineTuneTask, null);
            _services.Info($"{Method} took {watch.Elapsed.TotalSeconds:F2} s.");
            return EmitStage.Create(_services, model, _options.OutputColumnNames, _options.InputColumnNames, data.Schema, Weights, watch, source.SourcePath, Method,
                fineTuning: _fineTuneResults, inputShapes: scorerShapes, reconstruction: solved.Layers, structured: Structured(source, model, data, batchesForGram));
        }

        var values = Candidates.Select(w => OnnxTensor.ToFloatArray(model.GetInitializer(w.Name))).ToList();
        switch (_options.Schedule)
        {
            case PruningSchedule.OneShot:
                var masks = PruneOnce(model, values, data, batches, gradientTask, 1.0, null);
                if (fineTuneTask is not null) FineTune(model, masks, fineTuneTask, null);
                break;
            case PruningSchedule.Iterative:
                IReadOnlyList<PruningMask>? previous = null;
                for (int round = 1; round <= _options.Rounds; round++)
                {
                    double fraction = 1 - Math.Pow(1 - (double)round / _options.Rounds, 3);
                    previous = PruneOnce(model, values, data, batches, gradientTask, fraction, previous);
                    _services.Info(_options.Pattern is { } roundPattern
                        ? $"Round {round}/{_options.Rounds}: {roundPattern.KeptAt(fraction)} of every {roundPattern.M} weights kept."
                        : $"Round {round}/{_options.Rounds}: {Fraction(fraction * _options.Sparsity)} {Unit}.");
                    if (fineTuneTask is not null)
                    {
                        FineTune(model, previous, fineTuneTask, null);
                        for (int l = 0; l < Candidates.Count; l++) values[l] = OnnxTensor.ToFloatArray(model.GetInitializer(Candidates[l].Name));
                    }
                }
                break;
            case PruningSchedule.Gradual:
                Gradual(model, values, fineTuneTask!);
                break;
        }
        _services.Info($"{Method} took {watch.Elapsed.TotalSeconds:F2} s.");
        return EmitStage.Create(_services, model, _options.OutputColumnNames, _options.InputColumnNames, data.Schema, Weights, watch, source.SourcePath, Method,
            fineTuning: _fineTuneResults, inputShapes: scorerShapes, reconstruction: _refits, structured: Structured(source, model, data, batches ?? inputs));
    }

    /// <summary>
    /// The shapes ML.NET's ONNX scorer is given: <see cref="PruningOptions.InputShapes"/>, plus, for a known-size vector
    /// column feeding an input with symbolic dimensions past the batch (e.g. a 10-token column into [batch, sequence]),
    /// the row shape the column fixes, batch 1 first: ML.NET's scorer cannot size such inputs itself.
    /// </summary>
    private Dictionary<string, int[]> ScorerShapes(OnnxModel model, DataViewSchema schema)
    {
        var shapes = new Dictionary<string, int[]>(_options.InputShapes, StringComparer.Ordinal);
        // Inputs of other element types go to the scorer as they are (only pruning, not training, takes them).
        string[] sized = [.. _options.InputColumnNames.Where(name => model.Graph.Input.FirstOrDefault(i => i.Name == name)?.Type?.TensorType?.ElemType
            is (int)TensorProto.Types.DataType.Float or (int)TensorProto.Types.DataType.Int64)];
        var columns = ModelInputColumns.Resolve(model, schema, sized, nameof(PruningOptions.InputColumnNames), _options.InputShapes);
        foreach (var column in columns)
        {
            if (shapes.ContainsKey(column.Name) || column.RowShape is null) continue;
            if (model.GetShape(column.Name) is { Length: > 1 } declared && declared.Skip(1).Any(d => d is null))
                shapes[column.Name] = [1, .. column.RowShape];
        }
        return shapes;
    }

    /// <summary>The report's first line: what was done.</summary>
    public string Method
    {
        get
        {
            string schedule = _options.Schedule switch
            {
                PruningSchedule.Iterative => $"iterative ({_options.Rounds} rounds)",
                PruningSchedule.Gradual => "gradual",
                _ => "one-shot",
            };
            string calibration = CalibrationStage.IsNeeded(_criterion.Needs) || GradientStage.IsNeeded(_criterion.Needs)
                ? $", {_options.CalibrationRows} calibration rows" : "";
            if (_options is LassoPruningOptions lasso)
            {
                string target = lasso.Lambda is double lambda
                    ? $"λ = {lambda.ToString("G4", CultureInfo.InvariantCulture)}"
                    : _options.Pattern is not null ? $"{Target}, λ searched per layer" : $"{Target}, {_options.Scope.ToString().ToLowerInvariant()} scope, λ searched";
                if (lasso.Lambda is not null && _options.Pattern is { } lassoPattern) target += $", rounded to the {lassoPattern} pattern";
                string lassoTune = _options.FineTune is { } t ? $", fine-tuned {t.Epochs} epoch{(t.Epochs == 1 ? "" : "s")}" : "";
                int epochs = lasso.Training.Epochs;
                return $"Lasso ({(lasso.IsGroupLasso ? $"group L1 over {_options.Granularity.ToString().ToLowerInvariant()}s" : "L1")}, proximal steps), {target}, " +
                       $"{epochs} epoch{(epochs == 1 ? "" : "s")} per λ{lassoTune}";
            }
            if (_options is AdmmPruningOptions admm)
            {
                var c = CultureInfo.InvariantCulture;
                string rho = admm.RhoSchedule == AdmmRhoSchedule.Multiply
                    ? $"ρ {admm.Rho.ToString("G4", c)} ×{admm.RhoFactor.ToString("G4", c)} per round up to {admm.RhoMax.ToString("G4", c)}"
                    : $"ρ {admm.Rho.ToString("G4", c)} constant";
                string rounds = admm.StepsPerRound is int steps ? $"a round every {steps} steps"
                    : admm.EpochsPerRound == 1 ? "a round per epoch" : $"a round every {admm.EpochsPerRound} epochs";
                string admmTune = _options.FineTune is { } t ? $", fine-tuned {t.Epochs} epoch{(t.Epochs == 1 ? "" : "s")}" : "";
                int epochs = admm.Training.Epochs;
                string sparsity = admm.LayerSparsity.Count > 0 ? $"{Target} (per-layer overrides)" : Target;
                string admmScope = _options.Pattern is null ? $"{_options.Scope.ToString().ToLowerInvariant()} scope, " : "";
                return $"ADMM ({rho}, {rounds}), {sparsity}, {admmScope}{epochs} epoch{(epochs == 1 ? "" : "s")}, " +
                       $"hard-pruned to Z's support{admmTune}";
            }
            if (_options is CoordinateDescentPruningOptions cd)
            {
                string target = cd.Lambda is double lambda
                    ? $"λ = {lambda.ToString("G4", CultureInfo.InvariantCulture)}"
                    : _options.Pattern is not null ? $"{Target}, support per row by |w|·√G_jj" : $"{Target}, {_options.Scope.ToString().ToLowerInvariant()} scope";
                string cdTune = _options.FineTune is { } t ? $", fine-tuned {t.Epochs} epoch{(t.Epochs == 1 ? "" : "s")}" : "";
                return $"CoordinateDescent ({(cd.Sequential ? "sequential" : "parallel")}, {(cd.Refit ? "least-squares refit" : "Lasso values")}), {target}, " +
                       $"{_options.CalibrationRows} calibration rows{cdTune}";
            }
            string tune = _options.FineTune is { } f ? $", fine-tuned {f.Epochs} epoch{(f.Epochs == 1 ? "" : "s")}{(_options.Schedule == PruningSchedule.Iterative ? " per round" : "")}" : "";
            string scope = _options.Pattern is null ? $"{_options.Scope.ToString().ToLowerInvariant()} scope, " : ""; // a pattern holds in every group
            string refit = _plan is not null && _options.Structured.RefitConsumers ? $", next layers refit by least squares on {_options.CalibrationRows} rows" : "";
            return $"Criterion {_criterion.Name}, {_options.Granularity.ToString().ToLowerInvariant()}, {scope}{Target}, {schedule}{calibration}{refit}{tune}";
        }
    }

    /// <summary>What is pruned, for the report's first line: "50.0 % of weights", or "2:4 pattern (50.0 % of weights)".</summary>
    private string Target => _options.Pattern is { } pattern ? $"{pattern} pattern ({Fraction(pattern.Sparsity)} of weights)" : $"{Fraction(_options.Sparsity)} {Unit}";

    /// <summary>The granularity criteria score at: N:M ranks single weights within groups.</summary>
    private string Unit => _options.Granularity switch
    {
        PruningGranularity.Neuron => "of neurons",
        PruningGranularity.Channel => "of channels",
        PruningGranularity.Head => "of heads",
        _ => "of weights",
    };

    private static string Fraction(double value) => value.ToString("P1", CultureInfo.InvariantCulture);

    /// <summary>Calibrate, score, select and apply once, at <paramref name="fraction"/> of every target.</summary>
    private PruningMask[] PruneOnce(OnnxModel model, List<float[]> values, IDataView data, ModelInputBatches? batches, TrainingTask? gradientTask,
        double fraction, IReadOnlyList<PruningMask>? previous)
    {
        // Structured granularities choose whole groups (earlier rounds' channels score 0 and stay out by the same choice).
        if (_plan is not null) return [.. PruneGroups(model, values, data, batches, gradientTask, fraction)];
        var masks = Select(Observe(model, values, data, batches, gradientTask), fraction, previous);
        Apply(model, values, masks);
        return masks;
    }

    /// <summary>The calibrate step: what the criterion needs of the data (activations, gradients) for each candidate, as its layer contexts.</summary>
    private List<LayerContext> Observe(OnnxModel model, List<float[]> values, IDataView data, ModelInputBatches? batches, TrainingTask? gradientTask)
    {
        var needs = _criterion.Needs;
        CalibrationStage.Result? calibration = null;
        if (batches is not null)
        {
            calibration = CalibrationStage.Run(model, Candidates, needs, batches, data, _options.CalibrationRows);
            WarnIfShort(calibration.Rows);
        }
        GradientStage.Result? gradients = gradientTask is null ? null
            : GradientStage.Run(_backend!, model, Candidates, needs, gradientTask.Data, gradientTask.Loss, gradientTask.ScoreOutput, _services);
        return Contexts(model, values, calibration, gradients);
    }

    /// <summary>What the emit stage needs to write the structured model; null when nothing is removed.</summary>
    private StructuredEmit? Structured(OnnxModel source, OnnxModel model, IDataView data, ModelInputBatches? inputs) =>
        _plan is null || _structuredChoice is null ? null
            : new StructuredEmit(_plan, _structuredChoice, _options.Structured, _dense ?? source,
                inputs ?? ModelInputBatches.Create(model, data.Schema, _options.InputColumnNames, nameof(PruningOptions.InputColumnNames), _options.InputShapes), data);

    /// <summary>
    /// For methods that choose units layer by layer (Lasso, ADMM, CoordinateDescent): the channels every producer of a group
    /// dropped are removed, with all their slices zeroed (biases, normalization, the next layers' inputs), so the written file
    /// can lose them. Returns the masks to hold fixed while fine-tuning: the method's and the groups' together.
    /// </summary>
    private IReadOnlyList<PruningMask> ProjectOntoGroups(OnnxModel model, IReadOnlyList<PruningMask> masks)
    {
        if (_plan is null || !_projectOnly) return masks;
        var keep = _plan.Groups.ToDictionary(g => g.Id, g => GroupMasks.AliveChannels(model, g), StringComparer.Ordinal);
        _structuredChoice = new StructuredSelection.Result(keep, []);
        MaskTeacherOutputs(keep);
        var groupMasks = GroupMasks.Build(model, _plan.Groups, keep);
        GroupMasks.Apply(model, groupMasks);
        return GroupMasks.Combine(masks, groupMasks);
    }

    /// <summary>A teacher whose output loses channels is compared on the kept ones only (the student is 0 on the others).</summary>
    private void MaskTeacherOutputs(IReadOnlyDictionary<string, bool[]> keep)
    {
        if (_teacher is null || !_plan!.Groups.Any(g => g.ReachesOutput)) return;
        _denseTeacher ??= _teacher;
        _teacher = OutputChannelMask.Apply(_denseTeacher, _plan.Groups, keep, _plan.Shapes);
    }

    /// <summary>
    /// Structured calibrate, score and select once, at <paramref name="fraction"/> of every target: the criterion scores the
    /// groups' producers per unit, <see cref="StructuredSelection"/> chooses each group's channels, and every slice of the
    /// removed channels is zeroed (<see cref="GroupMasks"/>). Returns the masks fine-tuning holds fixed.
    /// </summary>
    private IReadOnlyList<PruningMask> PruneGroups(OnnxModel model, List<float[]> values, IDataView data, ModelInputBatches? batches, TrainingTask? gradientTask, double fraction)
    {
        var scores = new Dictionary<string, float[]>(StringComparer.Ordinal);
        foreach (var context in Observe(model, values, data, batches, gradientTask))
            scores[context.Name] = Score(context);
        var overrides = _options.LayerSparsity.ToDictionary(p => p.Key, p => p.Value * fraction, StringComparer.Ordinal);
        var choice = StructuredSelection.Select(_plan!.Groups, scores, _options.Sparsity * fraction, overrides, _options.Scope, _options.Structured);
        foreach (string note in choice.Notes) _services.Info(note);
        if (_options.Structured.RefitConsumers)
            _refits = [.. _refits ?? [], .. ConsumerRefitStage.Run(_services, model, _plan.Groups, choice.Keep,
                batches ?? ModelInputBatches.Create(model, data.Schema, _options.InputColumnNames, nameof(PruningOptions.InputColumnNames), _options.InputShapes),
                data, _options.CalibrationRows)];
        var masks = GroupMasks.Build(model, _plan.Groups, choice.Keep);
        GroupMasks.Apply(model, masks);
        for (int l = 0; l < Candidates.Count; l++) values[l] = OnnxTensor.ToFloatArray(model.GetInitializer(Candidates[l].Name));
        _structuredChoice = choice;
        MaskTeacherOutputs(choice.Keep);
        return masks;
    }

    private float[] Score(LayerContext context)
    {
        float[] s = _criterion.Score(context);
        if (s.Length != context.ScoreCount)
            throw new InvalidOperationException(
                $"Criterion '{_criterion.Name}' gave {s.Length} scores for layer '{context.Name}'; {context.ScoreCount} were expected ({context.Granularity}).");
        return s;
    }

    private List<LayerContext> Contexts(OnnxModel model, List<float[]> values, CalibrationStage.Result? calibration, GradientStage.Result? gradients)
    {
        var contexts = new List<LayerContext>(Candidates.Count);
        for (int l = 0; l < Candidates.Count; l++)
        {
            var w = Candidates[l];
            contexts.Add(new LayerContext(w, values[l], StructuredPlan.ScoringGranularity(_options.Granularity), LayerTensors.Groups(model, w),
                calibration?.Layers.GetValueOrDefault(w.Name),
                gradients?.Weights.GetValueOrDefault(w.Name), gradients?.Units.GetValueOrDefault(w.Name),
                () => unchecked(RunSeed * 1_000_003 + 31 * l + 17)));
        }
        return contexts;
    }

    private PruningMask[] Select(List<LayerContext> contexts, double fraction, IReadOnlyList<PruningMask>? previous)
    {
        var scores = contexts.Select(Score).ToList();
        if (_options.Pattern is { } pattern) return SelectionStage.SelectNM(contexts, scores, pattern, pattern.KeptAt(fraction), previous);
        var selection = new MaskSelectionOptions { Sparsity = _options.Sparsity * fraction, Scope = _options.Scope };
        foreach (var (layer, sparsity) in _options.LayerSparsity) selection.LayerSparsity[layer] = sparsity * fraction;
        return SelectionStage.Select(contexts, scores, _options.Granularity, selection, previous);
    }

    private void Apply(OnnxModel model, List<float[]> values, IReadOnlyList<PruningMask> masks)
    {
        for (int l = 0; l < Candidates.Count; l++)
        {
            if (masks[l].PrunedCount == 0) continue; // untouched weights keep their exact bytes
            masks[l].ApplyTo(values[l]);
            OnnxTensor.SetFloats(model.GetInitializer(Candidates[l].Name), values[l]);
        }
    }

    private void FineTune(OnnxModel model, IReadOnlyList<PruningMask> masks, TrainingTask task, Func<IMaskedTraining, Action<long>>? hook) =>
        _fineTuneResults.Add(RecoveryStage.FineTune(_backend!, model, masks, task, _options.FineTune!, unchecked(RunSeed + 7919 * _fineTunes++), _services, _teacher, hook));

    /// <summary>Fine-tunes while the masks follow the cubic ramp, re-scored from the weights being trained.</summary>
    private void Gradual(OnnxModel model, List<float[]> values, TrainingTask task)
    {
        var fineTune = _options.FineTune!;
        double target = _options.EffectiveSparsity;
        var ramp = new GradualMaskSchedule(task.Data.RowCount, fineTune.BatchSize, fineTune.Epochs, target,
            _options.SparsityRampStart, _options.SparsityRampEnd, _options.PruningFrequency);
        var none = Candidates.Select(w => new PruningMask(w.Name, Enumerable.Repeat(true, (int)w.ParameterCount).ToArray(), 0)).ToArray();
        FineTune(model, none, task, training => ramp.Hook(sparsity =>
        {
            double fraction = target == 0 ? 0 : sparsity / target; // per-layer targets follow the same ramp
            for (int l = 0; l < Candidates.Count; l++) values[l] = training.ReadWeights(Candidates[l].Name);
            training.SetMasks(Select(Contexts(model, values, null, null), fraction, null));
        }));
    }

    private TrainingTask Task(IDataView data, ModelInputBatches inputs, string labelColumn, int? rows, string labelOption)
    {
        var loss = TrainingDataReader.LossFor(data.Schema, labelColumn, labelOption);
        var rowsRead = TrainingDataReader.Read(data, inputs.Columns, labelColumn, loss, labelOption, rows);
        if (rows is int wanted) WarnIfShort(rowsRead.RowCount, wanted);
        return new TrainingTask(rowsRead, loss, ScoreOutput);
    }

    /// <summary>
    /// Before any row is read for training: the label columns' types (their losses) fit the score output's shape, which
    /// ONNX Runtime reports on the first row (this also proves the input columns fit the model).
    /// </summary>
    private void CheckLabels(OnnxModel model, ModelInputBatches inputs, IDataView data)
    {
        var labels = new List<(string Column, string Option)>();
        if (GradientStage.IsNeeded(_criterion.Needs)) labels.Add((_options.EffectiveLabelColumn!, nameof(PruningOptions.LabelColumnName)));
        if (_options.FineTune is { } fineTune && FineTuneLabel(fineTune, data) is { } label) labels.Add((label, nameof(FineTuneOptions.LabelColumnName)));
        if (_options is ISparsityTrainingOptions sparse && FineTuneLabel(sparse.Training, data) is { } sparseLabel) labels.Add((sparseLabel, nameof(FineTuneOptions.LabelColumnName)));
        var losses = labels.Select(l => (l.Column, l.Option, Loss: TrainingDataReader.LossFor(data.Schema, l.Column, l.Option))).ToList();
        string score = ScoreOutput;
        if (ModelProbe.OutputShapes(model, inputs, data, [score]) is not { } shapes) return; // no rows: the reader says so
        long[] shape = shapes[score];
        long perRow = shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        string described = $"model output '{score}' has shape [{string.Join(", ", shape)}] on the first row ({perRow} value{(perRow == 1 ? "" : "s")} per row)";
        foreach (var (column, option, loss) in losses)
        {
            var type = data.Schema[column].Type;
            if (loss == TrainingLoss.CrossEntropy)
            {
                int classes = TrainingDataReader.ClassCount(data.Schema, column, option);
                if (classes != perRow)
                    throw new ArgumentOutOfRangeException(option,
                        $"Label column '{column}' ({type}) has {classes} classes, but {described}: expected a Key label with {perRow} values.");
            }
            else if (perRow != 1)
            {
                throw new ArgumentOutOfRangeException(option,
                    $"Label column '{column}' ({type}) trains {(loss == TrainingLoss.BinaryCrossEntropy ? "a binary classifier" : "a regression")} with one value per row, " +
                    $"but {described}: expected a Key label with {perRow} values (cross-entropy over {perRow} classes).");
            }
        }
    }

    /// <summary>
    /// Fine-tuning's rows: labelled by <see cref="FineTuneOptions.LabelColumnName"/>, or unlabelled (distillation alone) when
    /// it is null, or missing from the data while Distillation is set; and the validation rows, read the same way.
    /// </summary>
    private TrainingTask FineTuneTask(OnnxModel model, IDataView data, ModelInputBatches inputs, FineTuneOptions fineTune)
    {
        string score = ScoreOutput;
        string? label = FineTuneLabel(fineTune, data);
        if (label is null && fineTune.LabelColumnName is { } missing)
            _services.Warning($"Fine-tune: the data has no label column '{missing}'; training towards the dense model's outputs alone (Distillation). " +
                $"Set {nameof(FineTuneOptions.LabelColumnName)} = null to say so, or name the label column.");
        var loss = label is null ? UnlabelledLoss(model, score, fineTune.ScoreKind) : TrainingDataReader.LossFor(data.Schema, label, nameof(FineTuneOptions.LabelColumnName));
        if (fineTune.ValidationData is { } held) CheckValidationColumns(model, data, held, inputs, label, loss);
        var rows = TrainingDataReader.Read(data, inputs.Columns, label, loss, nameof(FineTuneOptions.LabelColumnName));
        var validation = fineTune.ValidationData is { } heldOut
            ? TrainingDataReader.Read(heldOut, inputs.Columns, label, loss, nameof(FineTuneOptions.ValidationData))
            : null;
        return new TrainingTask(rows, loss, score, validation);
    }

    /// <summary>
    /// Before any row is read: the validation view has the training data's input columns with the same element types and
    /// row shapes, and (with labels) a label column of the same type and class count.
    /// </summary>
    private void CheckValidationColumns(OnnxModel model, IDataView data, IDataView held, ModelInputBatches inputs, string? label, TrainingLoss loss)
    {
        const string option = nameof(FineTuneOptions.ValidationData);
        var heldColumns = ModelInputColumns.Resolve(model, held.Schema, [.. inputs.Columns.Select(c => c.Name)], option, _options.InputShapes);
        for (int i = 0; i < heldColumns.Count; i++)
        {
            var (train, validation) = (inputs.Columns[i], heldColumns[i]);
            bool sameShape = train.RowShape is null ? validation.RowShape is null : validation.RowShape is not null && train.RowShape.SequenceEqual(validation.RowShape);
            if (train.ElementType != validation.ElementType || !sameShape)
                throw new ArgumentOutOfRangeException(option, train.Name,
                    $"{option}: {validation.Describe()} does not match the training data's {train.Describe()}.");
        }
        if (label is null) return;
        if (held.Schema.GetColumnOrNull(label) is null)
            throw new ArgumentOutOfRangeException(option, label, $"Could not find input column '{label}' in {option}; it needs the same label column as the training data.");
        var heldLoss = TrainingDataReader.LossFor(held.Schema, label, option);
        if (heldLoss != loss)
            throw ColumnChecks.Mismatch(option, label, data.Schema[label].Type.ToString() ?? "", held.Schema[label].Type);
        if (loss == TrainingLoss.CrossEntropy
            && TrainingDataReader.ClassCount(held.Schema, label, option) is int heldClasses
            && TrainingDataReader.ClassCount(data.Schema, label, nameof(FineTuneOptions.LabelColumnName)) is int classes && heldClasses != classes)
            throw new ArgumentOutOfRangeException(option, label, $"{option}: label column '{label}' has {heldClasses} classes; the training data's has {classes}.");
    }

    /// <summary>
    /// The label column fine-tuning trains against: <see cref="FineTuneOptions.LabelColumnName"/>, or none (distillation
    /// alone) when it is null, or missing from the data while Distillation is set.
    /// </summary>
    private static string? FineTuneLabel(FineTuneOptions fineTune, IDataView data) =>
        fineTune.LabelColumnName is { } label && (fineTune.Distillation is null || data.Schema.GetColumnOrNull(label) is not null) ? label : null;

    /// <summary>
    /// What an unlabelled score output is, for distillation: class scores when a final Softmax/LogSoftmax (or Sigmoid)
    /// makes it or ScoreKind says so; otherwise an embedding or value (the distillation term is then the embedding loss).
    /// </summary>
    private static TrainingLoss UnlabelledLoss(OnnxModel model, string score, ScoreKind kind)
    {
        string? op = model.Graph.Node.FirstOrDefault(n => n.Output.Contains(score))?.OpType;
        if (op is "Softmax" or "LogSoftmax") return TrainingLoss.CrossEntropy;
        if (op is "Sigmoid") return TrainingLoss.BinaryCrossEntropy;
        return kind == ScoreKind.Auto ? TrainingLoss.MeanSquaredError : TrainingLoss.CrossEntropy;
    }

    private void WarnIfShort(int rows, int? wanted = null)
    {
        int asked = wanted ?? _options.CalibrationRows;
        if (rows < asked)
            _services.Warning($"{nameof(PruningOptions.CalibrationRows)} is {asked}, but the data has {rows} rows; calibrating on {rows}.");
    }

    private static bool Fits(PrunableWeight weight, PruningGranularity granularity) => granularity switch
    {
        PruningGranularity.Neuron => weight.Role != PrunableWeightRole.ConvWeight,
        PruningGranularity.Channel => weight.Role == PrunableWeightRole.ConvWeight,
        _ => true, // Unstructured and NM: every layer
    };

    /// <summary>The scorer is built lazily, so the names it would check are checked here, when the estimator is built.</summary>
    private void CheckColumnsAgainstGraph(OnnxModel source)
    {
        var graph = source.Graph;
        var outputs = graph.Output.Select(o => o.Name).ToList();
        foreach (string name in _options.OutputColumnNames)
            if (!outputs.Contains(name))
                throw new ArgumentOutOfRangeException(nameof(PruningOptions.OutputColumnNames), name,
                    $"'{name}' is not an output of the model. Model outputs: {string.Join(", ", outputs)}.");
        var inputs = graph.Input.Select(i => i.Name).Where(n => !source.HasInitializer(n)).ToList();
        foreach (string name in _options.InputColumnNames)
            if (!inputs.Contains(name))
                throw new ArgumentOutOfRangeException(nameof(PruningOptions.InputColumnNames), name,
                    $"'{name}' is not an input of the model. Model inputs: {string.Join(", ", inputs)}.");
    }

    private void CheckLayerNames(IReadOnlyList<PrunableWeight> prunable)
    {
        if (prunable.Count == 0)
            throw new InvalidOperationException(
                "The model has no prunable weights: no Gemm, MatMul or Conv node takes a FLOAT initializer as its weight.");
        var names = prunable.Select(w => w.Name).ToHashSet(StringComparer.Ordinal);
        string known = string.Join(", ", names.Order(StringComparer.Ordinal).Take(20));
        foreach (var (option, layer) in _options.NamedLayers)
            if (!names.Contains(layer))
                throw new ArgumentOutOfRangeException(option, layer,
                    $"Layer '{layer}' in {option} is not a prunable weight of the model. Prunable weights: {known}.");
    }
}
