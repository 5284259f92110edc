using System;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Solvers;

[TestClass]
public sealed class LambdaSearchTests
{
    /// <summary>A solve whose count is a step function of λ: one weight per decade below λ_max, as when one outlier sets λ_max.</summary>
    private sealed class DecadeCounts(double lambdaMax) : ICountedLassoSolve
    {
        public int Solves { get; private set; }

        public long SolveAt(double lambda)
        {
            Solves++;
            return lambda >= lambdaMax ? 0 : (long)Math.Floor(Math.Log10(lambdaMax / lambda)) + 1;
        }

        public void KeepOverTarget()
        {
        }

        public void RestoreOverTarget()
        {
        }
    }

    [TestMethod]
    public void ForCount_TargetBelowThePathsSmallestLambda_GoesOnDownThePath()
    {
        // The default path ends at 1e-4·λ_max, where the count is 5; 7 weights need λ < 1e-6·λ_max.
        var solve = new DecadeCounts(1000);

        LambdaSearch.Outcome found = LambdaSearch.ForCount(solve, 1000, 7, new LassoSolverOptions());

        Assert.IsTrue(found.Exact, $"λ {found.Lambda}, count {found.NonZeros}");
        Assert.AreEqual(7, found.NonZeros);
        Assert.IsLessThanOrEqualTo(1000 * 1e-6, found.Lambda);
        Assert.IsGreaterThan(1000 * 1e-7, found.Lambda);
    }

    [TestMethod]
    public void ForCount_TargetOutOfReach_StopsAtTheExtendedPathsEnd()
    {
        var solve = new DecadeCounts(1);
        var options = new LassoSolverOptions();

        LambdaSearch.Outcome found = LambdaSearch.ForCount(solve, 1, 1_000, options);

        Assert.IsFalse(found.Exact);
        Assert.AreEqual(LambdaSearch.ExtensionFactor * options.PathLength, solve.Solves);
        Assert.AreEqual(Math.Pow(options.PathMinRatio, ((LambdaSearch.ExtensionFactor * options.PathLength) - 1) / (double)(options.PathLength - 1)), found.Lambda, 1e-6 * found.Lambda);
    }
}
