using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Independent draws for each parameter: a uniform choice, a uniform value of a range (log-uniform on a log scale, whole numbers
/// equally likely in an integer range). Trial i draws from its own generator seeded by (sweep seed, i).
/// </summary>
internal sealed class RandomStrategy : ISweepStrategy
{
    private readonly IReadOnlyList<SearchDimension> _dimensions;
    private readonly int _seed;

    public RandomStrategy(IReadOnlyList<SearchDimension> dimensions, int seed)
    {
        _dimensions = dimensions;
        _seed = seed;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string>? Propose(int trialId, IReadOnlyList<SweepTrial> finished) => Draw(_dimensions, TrialRandom(_seed, trialId));

    /// <summary>The generator of trial <paramref name="trialId"/>'s draws.</summary>
    public static Random TrialRandom(int seed, int trialId) => new(SweepSeeds.Derive(seed, trialId, SweepSeeds.StrategySalt));

    /// <summary>One uniform draw of every parameter.</summary>
    public static Dictionary<string, string> Draw(IReadOnlyList<SearchDimension> dimensions, Random random)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dimension in dimensions) result[dimension.Name] = Draw(dimension, random);
        return result;
    }

    /// <summary>One uniform draw of <paramref name="dimension"/>.</summary>
    public static string Draw(SearchDimension dimension, Random random)
    {
        if (dimension.IsCategorical) return dimension.Choices[random.Next(dimension.Choices.Count)];
        double low = dimension.SearchMinimum, high = dimension.SearchMaximum;
        return dimension.Format(dimension.FromSearchSpace(low + (high - low) * random.NextDouble()));
    }
}
