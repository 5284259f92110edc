using System;
using System.Collections.Generic;
using System.Reflection;
using System.Text.Json.Serialization;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>The name a trial's method goes by in legends and tables: the search value when the sweep varied it, else the options' own.</summary>
internal static class TrialMethods
{
    // The "$method" discriminators of the option classes, read from PruningOptions' attributes so a new estimator needs no edit here.
    private static readonly Dictionary<Type, string> Discriminators = ReadDiscriminators();

    /// <summary>
    /// <see cref="SweepParameter.Method"/>'s value when the trial has one; else the criterion of <see cref="PruneOptions"/>, or the
    /// "$method" name of the options' type (magnitude, coordinate-descent, lasso, admm); "?" without options.
    /// </summary>
    public static string Of(SweepTrial trial)
    {
        if (trial.Parameters.TryGetValue(SweepParameter.Method, out string? method) && !string.IsNullOrEmpty(method)) return method;
        return Of(trial.Options);
    }

    /// <summary>The method name of <paramref name="options"/> as in <see cref="Of(SweepTrial)"/>.</summary>
    public static string Of(PruningOptions? options) => options switch
    {
        null => "?",
        PruneOptions prune => prune.Criterion,
        _ => Discriminators.TryGetValue(options.GetType(), out string? name) ? name : options.GetType().Name,
    };

    private static Dictionary<Type, string> ReadDiscriminators()
    {
        var map = new Dictionary<Type, string>();
        foreach (var attribute in typeof(PruningOptions).GetCustomAttributes<JsonDerivedTypeAttribute>())
            if (attribute.TypeDiscriminator is string name) map[attribute.DerivedType] = name;
        return map;
    }
}
