using System;
using System.Collections.Generic;
using System.Linq;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// A one-dimensional Parzen density on [low, high] for the TPE strategy: one Gaussian kernel per observation, its bandwidth the
/// larger distance to its neighbours (the range's ends count as neighbours), clipped to [(high − low) / min(100, n + 1), high − low],
/// plus a prior kernel over the whole range (centre, width high − low) so that no region is ever ruled out; all kernels equally
/// weighted and truncated to the range (each renormalized by its mass inside it).
/// </summary>
internal sealed class ParzenEstimator
{
    private readonly double[] _means;
    private readonly double[] _sigmas;
    private readonly double[] _logMass;
    private readonly double _low;
    private readonly double _high;

    public ParzenEstimator(IReadOnlyList<double> observations, double low, double high)
    {
        _low = low;
        _high = high;
        double width = Math.Max(high - low, 1e-12);
        var sorted = observations.Select(o => Math.Clamp(o, low, high)).Order().ToArray();
        int n = sorted.Length;
        _means = new double[n + 1];
        _sigmas = new double[n + 1];
        double minimumSigma = width / Math.Min(100, n + 1);
        for (int i = 0; i < n; i++)
        {
            double left = sorted[i] - (i == 0 ? low : sorted[i - 1]);
            double right = (i == n - 1 ? high : sorted[i + 1]) - sorted[i];
            _means[i] = sorted[i];
            _sigmas[i] = Math.Clamp(Math.Max(left, right), minimumSigma, width);
        }
        _means[n] = (low + high) / 2;
        _sigmas[n] = width;
        _logMass = new double[n + 1];
        for (int k = 0; k <= n; k++)
            _logMass[k] = Math.Log(Math.Max(NormalCdf((high - _means[k]) / _sigmas[k]) - NormalCdf((low - _means[k]) / _sigmas[k]), 1e-300));
    }

    /// <summary>A draw: a kernel chosen uniformly, then a Gaussian draw inside the range (redrawn when outside, clipped at last).</summary>
    public double Sample(Random random)
    {
        int k = random.Next(_means.Length);
        double x = 0;
        for (int attempt = 0; attempt < 32; attempt++)
        {
            x = _means[k] + _sigmas[k] * StandardNormal(random);
            if (x >= _low && x <= _high) return x;
        }
        return Math.Clamp(x, _low, _high);
    }

    /// <summary>The log of the density at <paramref name="x"/>.</summary>
    public double LogDensity(double x)
    {
        // log Σ_k exp(log w + log φ_k(x) − log mass_k), computed stably.
        var terms = new double[_means.Length];
        double max = double.NegativeInfinity;
        for (int k = 0; k < _means.Length; k++)
        {
            double z = (x - _means[k]) / _sigmas[k];
            terms[k] = -0.5 * z * z - Math.Log(_sigmas[k]) - 0.5 * Math.Log(2 * Math.PI) - _logMass[k];
            max = Math.Max(max, terms[k]);
        }
        double sum = 0;
        foreach (double t in terms) sum += Math.Exp(t - max);
        return max + Math.Log(sum) - Math.Log(_means.Length);
    }

    /// <summary>Box–Muller.</summary>
    private static double StandardNormal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Φ(z) through erfc (Numerical Recipes' Chebyshev fit, relative error below 1.2e-7).</summary>
    private static double NormalCdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    private static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }
}
