namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Stable seeds derived from the sweep's seed (SplitMix64 finalizer; not <c>string.GetHashCode</c>, which changes per process):
/// the same sweep seed and trial number give the same estimator seed and the same strategy draws on every machine and run.
/// </summary>
internal static class SweepSeeds
{
    /// <summary>Salt of the estimator seeds.</summary>
    public const int EstimatorSalt = 0x5EED;

    /// <summary>Salt of the strategies' draws.</summary>
    public const int StrategySalt = 0x57A7;

    /// <summary>A non-negative seed from (<paramref name="seed"/>, <paramref name="trial"/>, <paramref name="salt"/>).</summary>
    public static int Derive(int seed, int trial, int salt)
    {
        ulong z = ((ulong)(uint)seed << 32 | (uint)trial) ^ ((ulong)(uint)salt * 0x9E3779B97F4A7C15UL);
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }

    /// <summary>Trial <paramref name="trial"/>'s estimator seed (<see cref="PruningOptions.Seed"/>).</summary>
    public static int ForTrial(int seed, int trial) => Derive(seed, trial, EstimatorSalt);
}
