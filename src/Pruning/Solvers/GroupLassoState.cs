using System;
using System.Numerics.Tensors;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// One layer's group-Lasso problem in Gram form and the solver's state for it. With B = Ŵᵀ (n × m: row j holds input
/// j's weights in every output), C = Xᵀ·Y (= G·Wᵀ for pruning, Y = XWᵀ) and ‖Y‖²_F, the problem is
/// min_B ½ tr(BᵀGB) − tr(CᵀB) + ½‖Y‖² + λ Σ_g ω_g ‖B_g‖_F (= ½‖Y − XB‖²_F + λ Σ_g ω_g‖B_g‖_F), B_g the rows of group g.
/// The current B is kept between calls (warm starts along a λ path) together with Q = G·B.
/// </summary>
/// <remarks>
/// All matrices are n × m row-major, so a group's block is contiguous and the update Q += G[:, j]·Δ_jᵀ is one axpy of
/// length m per row of Q. A plain multi-output regression passes C = XᵀY and ‖Y‖² itself; a cross-Gram variant
/// (inputs of a pruned model against a dense target) would do the same.
/// </remarks>
internal sealed class GroupLassoState
{
    /// <summary>Below this many multiply-adds an update of Q runs on one thread.</summary>
    private const long ParallelUpdateWork = 1 << 18;

    /// <summary>A problem with right-hand side C = XᵀY (n × m) and ‖Y‖² = <paramref name="targetSquaredNorm"/>; B starts at 0.</summary>
    public GroupLassoState(GramMatrix gram, InputGroups groups, int outputs, double[] rightHandSide, double targetSquaredNorm, GroupPenaltyWeighting weighting)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(groups);
        ArgumentNullException.ThrowIfNull(rightHandSide);
        ArgumentOutOfRangeException.ThrowIfLessThan(outputs, 1);
        if (groups.Inputs != gram.Size)
        {
            throw new ArgumentOutOfRangeException(nameof(groups), $"The groups partition {groups.Inputs} inputs; G is {gram.Size} × {gram.Size}.");
        }

        if (rightHandSide.Length != (long)gram.Size * outputs)
        {
            throw new ArgumentOutOfRangeException(nameof(rightHandSide), $"C has {rightHandSide.Length} values; {gram.Size} inputs × {outputs} outputs need {(long)gram.Size * outputs}.");
        }

        Gram = gram;
        Groups = groups;
        Outputs = outputs;
        RightHandSide = rightHandSide;
        TargetSquaredNorm = targetSquaredNorm;
        Beta = new double[rightHandSide.Length];
        Q = new double[rightHandSide.Length];
        Excluded = new bool[groups.Count];
        PenaltyWeights = new double[groups.Count];
        Lipschitz = new double[groups.Count];
        for (int g = 0; g < groups.Count; g++)
        {
            ReadOnlySpan<int> members = groups.Members(g);
            PenaltyWeights[g] = weighting == GroupPenaltyWeighting.SquareRootOfSize ? Math.Sqrt(members.Length) : 1;
            var block = new double[members.Length * members.Length];
            for (int a = 0; a < members.Length; a++)
            {
                for (int b = 0; b < members.Length; b++)
                {
                    block[(a * members.Length) + b] = gram[members[a], members[b]];
                }
            }

            Lipschitz[g] = SymmetricEigenvalues.Largest(block, members.Length);
        }
    }

    /// <summary>G (damped or not), shared by all outputs.</summary>
    public GramMatrix Gram { get; }

    /// <summary>The input groups.</summary>
    public InputGroups Groups { get; }

    /// <summary>m, the outputs (rows of W).</summary>
    public int Outputs { get; }

    /// <summary>C = XᵀY, n × m row-major (= G·Wᵀ for pruning).</summary>
    public double[] RightHandSide { get; }

    /// <summary>‖Y‖²_F (= Σ_rows wᵀGw for pruning).</summary>
    public double TargetSquaredNorm { get; }

    /// <summary>The current solution B = Ŵᵀ, n × m row-major.</summary>
    public double[] Beta { get; }

    /// <summary>Q = G·B, kept up to date by every group change.</summary>
    public double[] Q { get; }

    /// <summary>Groups fixed at zero (the complement of a chosen set).</summary>
    public bool[] Excluded { get; }

    /// <summary>ω_g per group.</summary>
    public double[] PenaltyWeights { get; }

    /// <summary>L_g per group: the largest eigenvalue of G_gg (G_jj for a group of one), the block's step is 1/L_g.</summary>
    public double[] Lipschitz { get; }

    /// <summary>
    /// The problem of pruning a layer's weights W (<paramref name="outputs"/> × n row-major, floats): C = G·Wᵀ and
    /// ‖Y‖² = Σ_rows wᵀGw, in doubles.
    /// </summary>
    public static GroupLassoState ForWeights(GramMatrix gram, InputGroups groups, ReadOnlySpan<float> weights, int outputs, GroupPenaltyWeighting weighting,
        int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(gram);
        int n = gram.Size;
        if (weights.Length != (long)n * outputs)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), $"W has {weights.Length} values; {outputs} outputs × {n} inputs need {(long)n * outputs}.");
        }

        // Wᵀ in doubles, n × m, so C's row j is Σ_i G[j, i]·Wᵀ[i, :].
        var transposed = new double[weights.Length];
        for (int k = 0; k < outputs; k++)
        {
            for (int j = 0; j < n; j++)
            {
                transposed[((long)j * outputs) + k] = weights[(k * n) + j];
            }
        }

        var c = new double[weights.Length];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.For(0, n, options, j =>
        {
            Span<double> row = c.AsSpan(j * outputs, outputs);
            ReadOnlySpan<double> gj = gram.Column(j);
            for (int i = 0; i < n; i++)
            {
                if (gj[i] != 0)
                {
                    TensorPrimitives.MultiplyAdd(transposed.AsSpan(i * outputs, outputs), gj[i], row, row);
                }
            }
        });
        double yy = Math.Max(TensorPrimitives.Dot<double>(transposed, c), 0);
        return new GroupLassoState(gram, groups, outputs, c, yy, weighting);
    }

    /// <summary>The block of group g's input j (its m weights): row j of B.</summary>
    public Span<double> Row(int input) => Beta.AsSpan(input * Outputs, Outputs);

    /// <summary>‖B_g‖_F.</summary>
    public double GroupNorm(int group)
    {
        double sum = 0;
        foreach (int j in Groups.Members(group))
        {
            sum += TensorPrimitives.SumOfSquares<double>(Row(j));
        }

        return Math.Sqrt(sum);
    }

    /// <summary>‖C_g − Q_g‖_F = ‖X_gᵀ(Y − XB)‖_F, the group's correlation with the residual.</summary>
    public double ResidualCorrelation(int group)
    {
        double sum = 0;
        foreach (int j in Groups.Members(group))
        {
            ReadOnlySpan<double> c = RightHandSide.AsSpan(j * Outputs, Outputs);
            ReadOnlySpan<double> q = Q.AsSpan(j * Outputs, Outputs);
            for (int k = 0; k < Outputs; k++)
            {
                double d = c[k] - q[k];
                sum += d * d;
            }
        }

        return Math.Sqrt(sum);
    }

    /// <summary>
    /// ‖X_g·B_g‖_F = √tr(B_gᵀG_ggB_g): how much of the output the group's kept weights carry (of <paramref name="values"/>,
    /// n × m; the current B when null).
    /// </summary>
    public double Contribution(int group, double[]? values = null)
    {
        double[] b = values ?? Beta;
        ReadOnlySpan<int> members = Groups.Members(group);
        double sum = 0;
        foreach (int a in members)
        {
            foreach (int c in members)
            {
                double g = Gram[a, c];
                if (g != 0)
                {
                    sum += g * TensorPrimitives.Dot<double>(b.AsSpan(a * Outputs, Outputs), b.AsSpan(c * Outputs, Outputs));
                }
            }
        }

        return Math.Sqrt(Math.Max(sum, 0));
    }

    /// <summary>λ_max = max_g ‖C_g‖_F / ω_g over the free groups: the smallest λ whose solution is B = 0.</summary>
    public double LambdaMax()
    {
        double max = 0;
        for (int g = 0; g < Groups.Count; g++)
        {
            if (Excluded[g])
            {
                continue;
            }

            double sum = 0;
            foreach (int j in Groups.Members(g))
            {
                sum += TensorPrimitives.SumOfSquares<double>(RightHandSide.AsSpan(j * Outputs, Outputs));
            }

            max = Math.Max(max, Math.Sqrt(sum) / PenaltyWeights[g]);
        }

        return max;
    }

    /// <summary>Groups whose block of B is not all zero.</summary>
    public int NonZeroGroups()
    {
        int count = 0;
        for (int g = 0; g < Groups.Count; g++)
        {
            count += IsNonZero(g) ? 1 : 0;
        }

        return count;
    }

    /// <summary>Whether group g's block of B has a non-zero value.</summary>
    public bool IsNonZero(int group)
    {
        foreach (int j in Groups.Members(group))
        {
            if (TensorPrimitives.MaxMagnitude<double>(Row(j)) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds Δ to input j's row of B, keeping Q = G·B (Q += G[:, j]·Δᵀ).</summary>
    public void AddToRow(int input, ReadOnlySpan<double> delta)
    {
        int n = Gram.Size;
        int m = Outputs;
        Span<double> row = Row(input);
        TensorPrimitives.Add(row, delta, row);
        double[] deltaCopy = delta.ToArray();
        ReadOnlySpan<double> gj = Gram.Column(input);
        if ((long)n * m < ParallelUpdateWork)
        {
            for (int i = 0; i < n; i++)
            {
                if (gj[i] != 0)
                {
                    TensorPrimitives.MultiplyAdd(deltaCopy, gj[i], Q.AsSpan(i * m, m), Q.AsSpan(i * m, m));
                }
            }

            return;
        }

        GramMatrix gram = Gram;
        double[] q = Q;
        int chunks = Math.Min(Environment.ProcessorCount * 4, n);
        Parallel.For(0, chunks, chunk =>
        {
            ReadOnlySpan<double> column = gram.Column(input);
            for (int i = chunk * n / chunks; i < (chunk + 1) * n / chunks; i++)
            {
                if (column[i] != 0)
                {
                    TensorPrimitives.MultiplyAdd(deltaCopy, column[i], q.AsSpan(i * m, m), q.AsSpan(i * m, m));
                }
            }
        });
    }

    /// <summary>Sets group g's block to zero (keeping Q).</summary>
    public void ZeroGroup(int group)
    {
        var delta = new double[Outputs];
        foreach (int j in Groups.Members(group))
        {
            Span<double> row = Row(j);
            if (TensorPrimitives.MaxMagnitude<double>(row) == 0)
            {
                continue;
            }

            TensorPrimitives.Negate<double>(row, delta);
            AddToRow(j, delta);
            row.Clear(); // exactly zero, whatever the rounding of the addition
        }
    }

    /// <summary>Replaces B (keeping Q = G·B).</summary>
    public void SetBeta(ReadOnlySpan<double> beta)
    {
        beta.CopyTo(Beta);
        RecomputeQ();
    }

    /// <summary>Q = G·B from scratch, clearing the rounding the incremental updates accumulated.</summary>
    public void RecomputeQ()
    {
        int n = Gram.Size;
        int m = Outputs;
        var nonZero = new bool[n];
        for (int j = 0; j < n; j++)
        {
            nonZero[j] = TensorPrimitives.MaxMagnitude<double>(Beta.AsSpan(j * m, m)) != 0;
        }

        Parallel.For(0, n, i =>
        {
            Span<double> qi = Q.AsSpan(i * m, m);
            qi.Clear();
            ReadOnlySpan<double> gi = Gram.Column(i);
            for (int j = 0; j < n; j++)
            {
                if (nonZero[j] && gi[j] != 0)
                {
                    TensorPrimitives.MultiplyAdd(Beta.AsSpan(j * m, m), gi[j], qi, qi);
                }
            }
        });
    }

    /// <summary>‖Y − XB‖²_F from C and Q: ‖Y‖² − 2⟨C, B⟩ + ⟨B, Q⟩ (clamped at 0 against rounding).</summary>
    public double ResidualSquaredNorm()
    {
        double cb = TensorPrimitives.Dot<double>(RightHandSide, Beta);
        double bq = TensorPrimitives.Dot<double>(Beta, Q);
        return Math.Max(TargetSquaredNorm - (2 * cb) + bq, 0);
    }

    /// <summary>Σ_g ω_g‖B_g‖_F.</summary>
    public double Penalty()
    {
        double sum = 0;
        for (int g = 0; g < Groups.Count; g++)
        {
            sum += PenaltyWeights[g] * GroupNorm(g);
        }

        return sum;
    }
}
