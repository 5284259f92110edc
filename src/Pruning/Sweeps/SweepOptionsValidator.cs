using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// The one place <see cref="SweepOptions"/> are checked, before the sweep writes anything: the budget, latency and strategy settings,
/// the metric and objective, each parameter's shape (name, range or choices), and then every value of every parameter applied to the
/// base options and validated (<see cref="SweepSearchSpace.ValidateEveryValue"/>). Messages name the option.
/// </summary>
internal static class SweepOptionsValidator
{
    private const string Name = nameof(SweepOptions);

    /// <summary>The file name of the in-memory base model's copy in the sweep's folder.</summary>
    public const string ModelFileName = "model.onnx";

    /// <summary>
    /// Checks <paramref name="options"/>; returns the search space, whose trials carry the base options' model path (full) or, for
    /// an in-memory base model, its copy <see cref="ModelFileName"/> in the sweep's folder.
    /// </summary>
    /// <exception cref="ArgumentException">An option is missing or invalid; the message names it (and the parameter value).</exception>
    public static SweepSearchSpace Validate(SweepOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.BaseOptions is null)
            throw new ArgumentException($"{Name}.{nameof(SweepOptions.BaseOptions)} must be set (the estimator options every trial starts from).", nameof(SweepOptions.BaseOptions));
        if (string.IsNullOrWhiteSpace(options.Directory))
            throw new ArgumentException($"{Name}.{nameof(SweepOptions.Directory)} must name the sweep's folder (trial log, data, trial models).", nameof(SweepOptions.Directory));
        var baseOptions = options.BaseOptions;
        if ((baseOptions.Model is null) == string.IsNullOrEmpty(baseOptions.ModelPath))
            throw new ArgumentException($"{Name}.{nameof(SweepOptions.BaseOptions)}: set exactly one of {nameof(PruningOptions.ModelPath)} and {nameof(PruningOptions.Model)}.",
                nameof(PruningOptions.ModelPath));
        string modelPath = baseOptions.Model is not null
            ? Path.Combine(Path.GetFullPath(options.Directory), ModelFileName)
            : Path.GetFullPath(baseOptions.ModelPath!);
        if (options.MaxTrials < 1)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaxTrials), options.MaxTrials, $"{Name}.{nameof(SweepOptions.MaxTrials)} must be at least 1; got {options.MaxTrials}.");
        if (options.MaxDuration is { } duration && duration <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.MaxDuration), duration, $"{Name}.{nameof(SweepOptions.MaxDuration)} must be positive (or null: no limit); got {duration}.");
        if (options.LatencyBatchSize < 1)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.LatencyBatchSize), options.LatencyBatchSize, $"{Name}.{nameof(SweepOptions.LatencyBatchSize)} must be at least 1; got {options.LatencyBatchSize}.");
        if (options.LatencyRepeats < 1)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.LatencyRepeats), options.LatencyRepeats, $"{Name}.{nameof(SweepOptions.LatencyRepeats)} must be at least 1; got {options.LatencyRepeats}.");
        if (options.LatencyWarmup < 0)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.LatencyWarmup), options.LatencyWarmup, $"{Name}.{nameof(SweepOptions.LatencyWarmup)} must not be negative; got {options.LatencyWarmup}.");
        if (options.LatencyIntraOpThreads is { } threads && threads < 1)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.LatencyIntraOpThreads), threads, $"{Name}.{nameof(SweepOptions.LatencyIntraOpThreads)} must be at least 1 (or null: one per core); got {threads}.");
        if (!Enum.IsDefined(options.Strategy))
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.Strategy), options.Strategy, $"{Name}.{nameof(SweepOptions.Strategy)} must be one of {string.Join(", ", Enum.GetNames<SweepStrategy>())}; got {options.Strategy}.");
        if (options.GridPointsPerRange < 2)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.GridPointsPerRange), options.GridPointsPerRange, $"{Name}.{nameof(SweepOptions.GridPointsPerRange)} must be at least 2; got {options.GridPointsPerRange}.");
        if (options.StartupTrials < 1)
            throw new ArgumentOutOfRangeException(nameof(SweepOptions.StartupTrials), options.StartupTrials, $"{Name}.{nameof(SweepOptions.StartupTrials)} must be at least 1; got {options.StartupTrials}.");
        if (options.Metric is null) throw new ArgumentNullException(nameof(SweepOptions.Metric), $"{Name}.{nameof(SweepOptions.Metric)} must be set.");
        options.Metric.Validate(options.BaseOptions);
        if (options.Objective is null) throw new ArgumentNullException(nameof(SweepOptions.Objective), $"{Name}.{nameof(SweepOptions.Objective)} must be set.");
        options.Objective.Validate();
        if (options.Parameters is null) throw new ArgumentNullException(nameof(SweepOptions.Parameters), $"{Name}.{nameof(SweepOptions.Parameters)} must be set.");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var parameter in options.Parameters) ValidateShape(parameter, names);
        var space = new SweepSearchSpace(options, modelPath);
        space.ValidateEveryValue();
        return space;
    }

    /// <summary>A parameter on its own: a name, a well-formed range or a non-empty list of choices.</summary>
    private static void ValidateShape(SweepParameter parameter, HashSet<string> names)
    {
        const string where = $"{Name}.{nameof(SweepOptions.Parameters)}";
        if (parameter is null) throw new ArgumentNullException(nameof(SweepOptions.Parameters), $"{where} holds a null parameter.");
        if (string.IsNullOrWhiteSpace(parameter.Name))
            throw new ArgumentException($"{where} holds a parameter without a name.", nameof(SweepOptions.Parameters));
        string name = parameter.Name;
        if (!names.Add(name))
            throw new ArgumentException($"{where} names '{name}' twice.", nameof(SweepOptions.Parameters));
        if (name is nameof(PruningOptions.Seed) or nameof(PruningOptions.ModelPath) or nameof(PruningOptions.Model) or "$method")
            throw new ArgumentException($"{where}: '{name}' cannot be searched (the sweep sets each trial's model path and seed; use '{SweepParameter.Method}' for the estimator).",
                nameof(SweepOptions.Parameters));
        if (parameter.Values is null) throw new ArgumentNullException(nameof(SweepOptions.Parameters), $"{where} '{name}': {nameof(SweepParameter.Values)} is null.");
        if (parameter.IsRange)
        {
            if (parameter.Values.Count > 0)
                throw new ArgumentException($"{where} '{name}' has both a range and a list of values; give one.", nameof(SweepOptions.Parameters));
            if (parameter.Minimum is not { } min || parameter.Maximum is not { } max || !double.IsFinite(min) || !double.IsFinite(max))
                throw new ArgumentOutOfRangeException(nameof(SweepOptions.Parameters), $"{where} '{name}': a range needs finite {nameof(SweepParameter.Minimum)} and {nameof(SweepParameter.Maximum)}; got [{parameter.Minimum}, {parameter.Maximum}].");
            if (min > max)
                throw new ArgumentOutOfRangeException(nameof(SweepOptions.Parameters), $"{where} '{name}': {nameof(SweepParameter.Minimum)} {min} is above {nameof(SweepParameter.Maximum)} {max}.");
            if (parameter.LogScale && min <= 0)
                throw new ArgumentOutOfRangeException(nameof(SweepOptions.Parameters), $"{where} '{name}': a log-scale range needs both ends positive; got [{min}, {max}].");
            if (parameter.IsInteger && (min != Math.Floor(min) || max != Math.Floor(max)))
                throw new ArgumentOutOfRangeException(nameof(SweepOptions.Parameters), $"{where} '{name}': an integer range needs whole-number ends; got [{min}, {max}].");
        }
        else
        {
            if (parameter.Values.Count == 0)
                throw new ArgumentException($"{where} '{name}' has no values: give a list of choices or a range.", nameof(SweepOptions.Parameters));
            for (int i = 0; i < parameter.Values.Count; i++)
                if (string.IsNullOrWhiteSpace(parameter.Values[i]))
                    throw new ArgumentException($"{where} '{name}': value {i} is empty.", nameof(SweepOptions.Parameters));
            if (parameter.Values.Distinct(StringComparer.Ordinal).Count() != parameter.Values.Count)
                throw new ArgumentException($"{where} '{name}' lists a value twice ({string.Join(", ", parameter.Values)}).", nameof(SweepOptions.Parameters));
        }
    }
}
