using System;
using System.Numerics.Tensors;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// One output row's Lasso problem in Gram form, min_β ½βᵀGβ − cᵀβ + ½‖y‖² + λ·Σ_j p_j|β_j| (= ½‖y − Xβ‖² + λ‖β‖₁ when
/// every penalty factor p_j is 1, the default), and the solver's state for it: the current β (kept between calls, so
/// each λ warm-starts from the last) and q = G·β.
/// </summary>
/// <remarks>
/// For pruning, y = Xw, so c = G·w and ‖y‖² = wᵀGw: <see cref="ForWeights(GramMatrix, ReadOnlySpan{float})"/> computes both once per row. A plain
/// regression (the future ML.NET trainer) passes c = Xᵀy and ‖y‖² itself.
/// </remarks>
internal sealed class LassoRowState
{
    /// <summary>A problem with right-hand side c = Xᵀy and ‖y‖² = <paramref name="targetSquaredNorm"/>; β starts at 0.</summary>
    public LassoRowState(GramMatrix gram, double[] rightHandSide, double targetSquaredNorm)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(rightHandSide);
        if (rightHandSide.Length != gram.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(rightHandSide), $"The right-hand side has {rightHandSide.Length} values; G is {gram.Size} × {gram.Size}.");
        }

        Gram = gram;
        RightHandSide = rightHandSide;
        TargetSquaredNorm = targetSquaredNorm;
        Beta = new double[gram.Size];
        Q = new double[gram.Size];
        Excluded = new bool[gram.Size];
    }

    /// <summary>G, shared by all rows.</summary>
    public GramMatrix Gram { get; }

    /// <summary>c = Xᵀy (= G·w for pruning).</summary>
    public double[] RightHandSide { get; }

    /// <summary>‖y‖² (= wᵀGw for pruning).</summary>
    public double TargetSquaredNorm { get; }

    /// <summary>The current solution β.</summary>
    public double[] Beta { get; }

    /// <summary>q = G·β, kept up to date by every coordinate change.</summary>
    public double[] Q { get; }

    /// <summary>Coordinates fixed at zero (a chosen support's complement, or a trimmed set).</summary>
    public bool[] Excluded { get; }

    /// <summary>
    /// The ℓ1 penalty factor p_j of each coordinate (glmnet's <c>penalty.factor</c>): the penalty is λ·Σ_j p_j|β_j|. Null
    /// (default) is the plain Lasso, every p_j = 1. Set by <see cref="SetAdaptivePenalty"/>.
    /// </summary>
    public double[]? PenaltyFactors { get; private set; }

    /// <summary>p_j, 1 without penalty factors.</summary>
    public double Penalty(int j) => PenaltyFactors is { } p ? p[j] : 1;

    /// <summary>
    /// The adaptive Lasso's penalty (Zou 2006): p_j = (mean_k |w_k| / |w_j|)^γ for the dense weights w of the row, so a
    /// weight the trained network made small costs more to keep than a large one, and an average one costs λ as in the
    /// plain Lasso. A weight that is exactly 0 stays 0 (its coordinate is excluded). γ = 0 leaves the plain Lasso.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="gamma"/> negative, NaN or infinite; a weight count that does not match.</exception>
    public void SetAdaptivePenalty(ReadOnlySpan<float> weights, double gamma)
    {
        if (!(gamma >= 0) || double.IsInfinity(gamma))
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "The adaptive Lasso's power γ must be a finite value ≥ 0.");
        }

        if (weights.Length != Gram.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), $"The weight row has {weights.Length} values; G is {Gram.Size} × {Gram.Size}.");
        }

        if (gamma == 0)
        {
            PenaltyFactors = null;
            return;
        }

        double mean = 0;
        foreach (float w in weights)
        {
            mean += Math.Abs((double)w);
        }

        mean /= weights.Length;
        if (!(mean > 0))
        {
            PenaltyFactors = null;
            return;
        }

        var factors = new double[weights.Length];
        for (int j = 0; j < weights.Length; j++)
        {
            double magnitude = Math.Abs((double)weights[j]);
            if (magnitude == 0)
            {
                Excluded[j] = true;
                factors[j] = 1;
            }
            else
            {
                factors[j] = Math.Pow(mean / magnitude, gamma);
            }
        }

        PenaltyFactors = factors;
    }

    /// <summary>Σ_j p_j|β_j| of <paramref name="beta"/>: ‖β‖₁ without penalty factors.</summary>
    public double PenaltyNorm(ReadOnlySpan<double> beta)
    {
        if (PenaltyFactors is not { } p)
        {
            return TensorPrimitives.SumOfMagnitudes(beta);
        }

        double sum = 0;
        for (int j = 0; j < beta.Length; j++)
        {
            sum += p[j] * Math.Abs(beta[j]);
        }

        return sum;
    }

    /// <summary>
    /// The problem of pruning weights w (given in floats): c = G·w, ‖y‖² = wᵀGw, in doubles.
    /// </summary>
    public static LassoRowState ForWeights(GramMatrix gram, ReadOnlySpan<float> weights)
    {
        ArgumentNullException.ThrowIfNull(gram);
        if (weights.Length != gram.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), $"The weight row has {weights.Length} values; G is {gram.Size} × {gram.Size}.");
        }

        var w = new double[weights.Length];
        for (int j = 0; j < w.Length; j++)
        {
            w[j] = weights[j];
        }

        var c = new double[w.Length];
        gram.Multiply(w, c);
        double yy = Math.Max(TensorPrimitives.Dot<double>(w, c), 0);
        return new LassoRowState(gram, c, yy);
    }

    /// <summary>
    /// The problem of fitting the dense output X_d·w from the pruned model's input X (sequential reconstruction):
    /// c = C·w + δ·w and ‖y‖² = wᵀDw + δ‖w‖², with δ the damping already on <paramref name="gram"/> (G + δI is the
    /// Gram matrix of X stacked on √δ·I, whose target rows are √δ·w: the ridge pulls towards w).
    /// </summary>
    public static LassoRowState ForWeights(GramMatrix gram, CrossGram cross, ReadOnlySpan<float> weights)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(cross);
        if (weights.Length != gram.Size || cross.Size != gram.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), $"The weight row has {weights.Length} values, C is {cross.Size} × {cross.Size}; G is {gram.Size} × {gram.Size}.");
        }

        var w = new double[weights.Length];
        for (int j = 0; j < w.Length; j++)
        {
            w[j] = weights[j];
        }

        var c = new double[w.Length];
        cross.RightHandSide(w, c);
        double yy = cross.TargetSquaredNorm(w);
        if (gram.Damping > 0)
        {
            TensorPrimitives.MultiplyAdd<double>(w, gram.Damping, c, c);
            yy += gram.Damping * TensorPrimitives.Dot<double>(w, w);
        }

        return new LassoRowState(gram, c, yy);
    }

    /// <summary>λ_max = max_j |c_j| / p_j over the free coordinates (‖c‖∞ for the plain Lasso): the smallest λ whose solution is β = 0.</summary>
    public double LambdaMax()
    {
        double max = 0;
        for (int j = 0; j < RightHandSide.Length; j++)
        {
            if (!Excluded[j])
            {
                max = Math.Max(max, Math.Abs(RightHandSide[j]) / Penalty(j));
            }
        }

        return max;
    }

    /// <summary>Weights of β that are not zero.</summary>
    public int NonZeros()
    {
        int count = 0;
        foreach (double b in Beta)
        {
            if (b != 0)
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>Sets β_j (keeping q = G·β).</summary>
    public void SetCoordinate(int j, double value)
    {
        double delta = value - Beta[j];
        if (delta != 0)
        {
            TensorPrimitives.MultiplyAdd(Gram.Column(j), delta, Q, Q);
            Beta[j] = value;
        }
    }

    /// <summary>Replaces β (keeping q = G·β).</summary>
    public void SetBeta(ReadOnlySpan<double> beta)
    {
        beta.CopyTo(Beta);
        RecomputeQ();
    }

    /// <summary>q = G·β from scratch, clearing the rounding the incremental updates accumulated.</summary>
    public void RecomputeQ()
    {
        Array.Clear(Q);
        for (int j = 0; j < Beta.Length; j++)
        {
            if (Beta[j] != 0)
            {
                TensorPrimitives.MultiplyAdd(Gram.Column(j), Beta[j], Q, Q);
            }
        }
    }

    /// <summary>
    /// (w − β)ᵀG(w − β) = ‖y − Xβ‖², from c and q: ‖y‖² − 2cᵀβ + βᵀq (clamped at 0 against rounding).
    /// </summary>
    public double ResidualSquaredNorm()
    {
        double cb = TensorPrimitives.Dot<double>(RightHandSide, Beta);
        double bq = TensorPrimitives.Dot<double>(Beta, Q);
        return Math.Max(TargetSquaredNorm - (2 * cb) + bq, 0);
    }
}
