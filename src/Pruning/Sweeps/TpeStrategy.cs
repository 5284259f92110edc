using System;
using System.Collections.Generic;
using System.Linq;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio, Kégl 2011), the independent form Optuna uses by default: the first
/// <see cref="SweepOptions.StartupTrials"/> trials are random draws; after that the finished trials are split by
/// <see cref="SweepRanking"/> (feasible by objective, then infeasible by violation, failed last) into the best quarter (good) and the
/// rest (bad), and each parameter is chosen on its own: 24 candidates drawn from the good density l(x), the one with the largest
/// l(x)/g(x) kept. Choices use smoothed counts ((count + 1) / (n + choices)); ranges use <see cref="ParzenEstimator"/>, in log
/// coordinates for log ranges, rounded for integer ranges.
/// </summary>
/// <remarks>
/// Why TPE rather than a Gaussian-process search or successive halving: a pruning search space is mixed (the method is a choice,
/// the sparsity a range, the fine-tune epochs whole numbers) and TPE models each kind natively, where a Gaussian process needs a
/// kernel for categories; budgets are small (tens of trials), where TPE's densities are cheap and robust; and successive halving or
/// Hyperband need a resource along which a trial can be stopped early and resumed, which one-shot pruning methods do not have
/// (magnitude or coordinate-descent trials have no epochs; fine-tune epochs are themselves searched). Constraints enter through the
/// ranking: an infeasible trial is never "good" while a feasible one is worse.
/// Every draw comes from a generator seeded by (sweep seed, trial number), and the model from the finished trials alone, so the
/// proposal of a trial is the same whether the sweep ran straight through or was resumed from its log.
/// </remarks>
internal sealed class TpeStrategy : ISweepStrategy
{
    /// <summary>Candidates drawn from l(x) per parameter (Optuna's and Hyperopt's default).</summary>
    public const int Candidates = 24;

    /// <summary>The share of finished trials in the good group.</summary>
    public const double GoodFraction = 0.25;

    private readonly IReadOnlyList<SearchDimension> _dimensions;
    private readonly int _seed;
    private readonly int _startupTrials;
    private readonly IComparer<SweepTrial> _ranking;

    public TpeStrategy(IReadOnlyList<SearchDimension> dimensions, int seed, int startupTrials, IComparer<SweepTrial> ranking)
    {
        _dimensions = dimensions;
        _seed = seed;
        _startupTrials = startupTrials;
        _ranking = ranking;
    }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string>? Propose(int trialId, IReadOnlyList<SweepTrial> finished)
    {
        var random = RandomStrategy.TrialRandom(_seed, trialId);
        if (trialId <= _startupTrials || finished.Count < 2) return RandomStrategy.Draw(_dimensions, random);
        var ranked = finished.Order(_ranking).ToArray();
        int goodCount = Math.Max(1, (int)Math.Ceiling(GoodFraction * ranked.Length));
        var good = ranked[..goodCount];
        var bad = ranked[goodCount..];
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var dimension in _dimensions)
            result[dimension.Name] = dimension.IsCategorical ? ProposeChoice(dimension, good, bad, random) : ProposeRange(dimension, good, bad, random);
        return result;
    }

    private static string ProposeChoice(SearchDimension dimension, SweepTrial[] good, SweepTrial[] bad, Random random)
    {
        double[] l = ChoiceDensity(dimension, good), g = ChoiceDensity(dimension, bad);
        int best = -1;
        double bestScore = double.NegativeInfinity;
        for (int c = 0; c < Candidates; c++)
        {
            int k = DrawIndex(l, random);
            double score = Math.Log(l[k]) - Math.Log(g[k]);
            if (score > bestScore) (best, bestScore) = (k, score);
        }
        return dimension.Choices[best];
    }

    /// <summary>(count + 1) / (n + choices) for each choice.</summary>
    private static double[] ChoiceDensity(SearchDimension dimension, SweepTrial[] trials)
    {
        var density = new double[dimension.Choices.Count];
        int n = 0;
        foreach (var trial in trials)
        {
            if (!trial.Parameters.TryGetValue(dimension.Name, out string? value)) continue;
            int k = IndexOf(dimension.Choices, value);
            if (k < 0) continue;
            density[k]++;
            n++;
        }
        for (int k = 0; k < density.Length; k++) density[k] = (density[k] + 1) / (n + density.Length);
        return density;
    }

    private static int IndexOf(IReadOnlyList<string> choices, string value)
    {
        for (int i = 0; i < choices.Count; i++) if (choices[i] == value) return i;
        return -1;
    }

    private static int DrawIndex(double[] probabilities, Random random)
    {
        double u = random.NextDouble(), cumulative = 0;
        for (int k = 0; k < probabilities.Length; k++)
        {
            cumulative += probabilities[k];
            if (u < cumulative) return k;
        }
        return probabilities.Length - 1;
    }

    private static string ProposeRange(SearchDimension dimension, SweepTrial[] good, SweepTrial[] bad, Random random)
    {
        double low = dimension.SearchMinimum, high = dimension.SearchMaximum;
        var l = new ParzenEstimator(Coordinates(dimension, good), low, high);
        var g = new ParzenEstimator(Coordinates(dimension, bad), low, high);
        double best = double.NaN, bestScore = double.NegativeInfinity;
        for (int c = 0; c < Candidates; c++)
        {
            // Rounded (integers) and clipped before scoring, so the score is that of the value the trial will run.
            double value = dimension.FromSearchSpace(l.Sample(random));
            double x = dimension.ToSearchSpace(value);
            double score = l.LogDensity(x) - g.LogDensity(x);
            if (score > bestScore) (best, bestScore) = (value, score);
        }
        return dimension.Format(best);
    }

    private static List<double> Coordinates(SearchDimension dimension, SweepTrial[] trials)
    {
        var result = new List<double>(trials.Length);
        foreach (var trial in trials)
            if (trial.Parameters.TryGetValue(dimension.Name, out string? text) && SearchDimension.TryParse(text, out double value)
                && value >= dimension.Minimum && value <= dimension.Maximum)
                result.Add(dimension.ToSearchSpace(value));
        return result;
    }
}
