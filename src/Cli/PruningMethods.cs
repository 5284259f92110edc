using System;
using System.IO;
using Microsoft.ML.Pruning.Sweeps;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>The <c>--method</c> names and the options class each makes; <c>--options file.json</c> gives every option of one.</summary>
internal static class PruningMethods
{
    public const string Magnitude = "magnitude";

    /// <summary>What <c>--method</c> takes, for help.</summary>
    public const string Help = "magnitude (default), coordinate-descent, lasso, admm, or a criterion of the prune estimator (wanda, activation, apoz, fpgm, taylor, fisher, gsap, magnitude-l2, random...).";

    /// <summary>Options of <paramref name="method"/> (lower case), or of <paramref name="optionsFile"/> when given.</summary>
    /// <exception cref="ArgumentException">The file's <c>$method</c> contradicts <paramref name="method"/>.</exception>
    /// <exception cref="InvalidDataException">The file is not pruning options.</exception>
    public static PruningOptions Create(string? method, string? optionsFile, string labelColumn)
    {
        if (optionsFile is not null)
        {
            if (!File.Exists(optionsFile)) throw new FileNotFoundException($"--options '{optionsFile}' does not exist.", optionsFile);
            PruningOptions options;
            try
            {
                options = SweepOptionsJson.ReadPruningOptions(File.ReadAllText(optionsFile));
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"--options '{optionsFile}': {ex.Message}", ex);
            }
            if (method is not null && !string.Equals(method, Name(options), StringComparison.OrdinalIgnoreCase))
                throw new ArgumentException($"--method {method} contradicts --options '{optionsFile}', which is {Name(options)}; give one of them.", "--method");
            return options;
        }
        return (method ?? Magnitude).ToLowerInvariant() switch
        {
            Magnitude => new MagnitudePruningOptions(),
            "coordinate-descent" => new CoordinateDescentPruningOptions(),
            "lasso" => new LassoPruningOptions { Training = new FineTuneOptions { LabelColumnName = labelColumn } },
            "admm" => new AdmmPruningOptions { Training = new FineTuneOptions { LabelColumnName = labelColumn } },
            string criterion => new PruneOptions { Criterion = criterion },
        };
    }

    /// <summary>The estimator <paramref name="options"/> describe, from <c>mlContext.Pruning()</c>.</summary>
    public static PruningEstimator Estimator(MLContext ml, PruningOptions options) => options switch
    {
        MagnitudePruningOptions magnitude => ml.Pruning().Magnitude(magnitude),
        CoordinateDescentPruningOptions descent => ml.Pruning().CoordinateDescent(descent),
        LassoPruningOptions lasso => ml.Pruning().Lasso(lasso),
        AdmmPruningOptions admm => ml.Pruning().Admm(admm),
        PruneOptions prune => ml.Pruning().Prune(prune),
        _ => throw new ArgumentException($"Unknown pruning options {options.GetType().Name}.", nameof(options)),
    };

    /// <summary>The method name of <paramref name="options"/>, as <c>--method</c> takes it.</summary>
    public static string Name(PruningOptions options) => options switch
    {
        MagnitudePruningOptions => Magnitude,
        CoordinateDescentPruningOptions => "coordinate-descent",
        LassoPruningOptions => "lasso",
        AdmmPruningOptions => "admm",
        PruneOptions prune => prune.Criterion,
        _ => options.GetType().Name,
    };
}
