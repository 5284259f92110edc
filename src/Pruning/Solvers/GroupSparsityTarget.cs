using System;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// What a layer's group-Lasso solve aims at: exactly k kept input groups (λ found on the path and by bisection, then
/// rounded by rank), or a fixed λ; and whether the kept inputs are refit by least squares afterwards.
/// </summary>
internal sealed class GroupSparsityTarget
{
    private GroupSparsityTarget(int? keptGroups, double? lambda, bool refit)
    {
        KeptGroups = keptGroups;
        Lambda = lambda;
        Refit = refit;
    }

    /// <summary>The number of groups kept, when set.</summary>
    public int? KeptGroups { get; }

    /// <summary>One fixed λ, when set.</summary>
    public double? Lambda { get; }

    /// <summary>After the group Lasso chooses the groups, refit the kept inputs by least squares (He et al.'s second step).</summary>
    public bool Refit { get; }

    /// <summary>Keep exactly <paramref name="count"/> groups.</summary>
    public static GroupSparsityTarget Keep(int count, bool refit = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new GroupSparsityTarget(count, null, refit);
    }

    /// <summary>Solve at this λ; the kept groups are those the solution leaves non-zero.</summary>
    /// <exception cref="ArgumentOutOfRangeException">λ negative, NaN or infinite.</exception>
    public static GroupSparsityTarget FixedLambda(double lambda, bool refit = true)
    {
        if (!(lambda >= 0) || double.IsInfinity(lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must be a finite value ≥ 0.");
        }

        return new GroupSparsityTarget(null, lambda, refit);
    }
}
