using System;
using System.IO;
using System.Threading.Tasks;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// Prunes one layer W (rows × n) so that it still computes what it computed on the calibration inputs: per output
/// row w, min_ŵ ½(ŵ − w)ᵀG(ŵ − w) + λ‖ŵ‖₁ (= ½‖X(w − ŵ)‖² + λ‖ŵ‖₁) with G = XᵀX shared by all rows, solved by
/// <see cref="CoordinateDescentLasso"/> in parallel over rows.
/// </summary>
/// <example>
/// <code>
/// var gram = GramMatrix.FromCalibrationRows(x, calibrationRows, inputs);
/// var half = LayerLassoSolver.Solve(gram, weights, outputs, SparsityTarget.PerRow(inputs / 2, outputs, refit: true), new LassoSolverOptions());
/// Console.WriteLine($"{half.NonZeros} kept, relative error {half.RelativeReconstructionError:F4}");
/// </code>
/// </example>
internal static class LayerLassoSolver
{
    /// <summary>Solves every row of the layer for <paramref name="target"/>.</summary>
    /// <param name="gram">G = XᵀX (undamped; damping comes from <paramref name="options"/>).</param>
    /// <param name="weights">W, rows × n row-major.</param>
    /// <param name="rows">Output rows m.</param>
    /// <param name="target">Fixed λ, counts per row or per layer, or a given support; refit or not.</param>
    /// <param name="options">Tolerance, screening, path, damping, threads.</param>
    /// <param name="cross">
    /// With the dense model's input X_d on the same rows: fit X_d·w instead of X·w (sequential reconstruction, where
    /// <paramref name="gram"/> is the pruned model's XᵀX); null when the input is the same in both.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">Sizes that do not match, counts above what the layer has, bad options.</exception>
    /// <exception cref="InvalidDataException">A NaN or infinite weight.</exception>
    public static LayerLassoSolution Solve(GramMatrix gram, float[] weights, int rows, SparsityTarget target, LassoSolverOptions options, CrossGram? cross = null)
    {
        ArgumentNullException.ThrowIfNull(gram);
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = gram.Size;
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if ((long)rows * n != weights.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), $"W has {weights.Length} values; {rows} rows of G's {n} inputs need {(long)rows * n}.");
        }

        for (long i = 0; i < weights.Length; i++)
        {
            if (!float.IsFinite(weights[i]))
            {
                throw new InvalidDataException($"The weights W have a {weights[i]} value at row {i / n}, column {i % n}.");
            }
        }

        CheckTarget(target, rows, n);
        double relativeDamping = options.RelativeDamping > 0 ? options.RelativeDamping : gram.IsRankDeficient ? options.RankDeficientDamping : 0;
        double meanDiagonal = gram.MeanUndampedDiagonal();
        GramMatrix solveGram = relativeDamping > 0 && meanDiagonal > 0 ? gram.WithDamping(relativeDamping * meanDiagonal) : gram;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };

        var states = new LassoRowState[rows];
        if (cross is not null && cross.Size != n)
        {
            throw new ArgumentOutOfRangeException(nameof(cross), $"C is {cross.Size} × {cross.Size}; G is {n} × {n}.");
        }

        Parallel.For(0, rows, parallel, i =>
        {
            states[i] = cross is null
                ? LassoRowState.ForWeights(solveGram, weights.AsSpan(i * n, n))
                : LassoRowState.ForWeights(solveGram, cross, weights.AsSpan(i * n, n));
            if (options.AdaptivePower > 0)
            {
                states[i].SetAdaptivePenalty(weights.AsSpan(i * n, n), options.AdaptivePower);
            }
        });
        var results = new LassoRowResult[rows];
        var refitDamping = new double[rows];
        double? layerLambda = null;

        if (target.Support is bool[] given)
        {
            Parallel.For(0, rows, parallel, i =>
            {
                var support = new System.Collections.Generic.List<int>();
                for (int j = 0; j < n; j++)
                {
                    if (given[(i * n) + j] && gram.Diagonal(j) > 0)
                    {
                        support.Add(j);
                    }
                }

                results[i] = Refit(states[i], weights, i, support.ToArray(), default, out refitDamping[i]);
            });
        }
        else if (target.Lambda is double lambda)
        {
            layerLambda = lambda;
            Parallel.For(0, rows, parallel, i =>
            {
                results[i] = SolveAlongPath(states[i], lambda, options);
                if (target.Refit)
                {
                    int[] support = SupportChoice.ForRow(solveGram, states[i].Beta, states[i].Beta, results[i].NonZeros);
                    results[i] = Refit(states[i], weights, i, support, results[i], out refitDamping[i]);
                }
            });
        }
        else if (target.NonZerosPerRow is int[] counts)
        {
            Parallel.For(0, rows, parallel, i =>
            {
                LassoRowState state = states[i];
                var solve = new RowCountedSolve(state, options);
                LambdaSearch.Outcome found = LambdaSearch.ForCount(solve, state.LambdaMax(), counts[i], options);
                LassoRowResult result = solve.Last with { Lambda = found.Lambda };
                if (target.Refit)
                {
                    int[] support = SupportChoice.ForRow(solveGram, state.Beta, WeightsAsDoubles(weights, i, n), counts[i]);
                    result = Refit(state, weights, i, support, result, out refitDamping[i]);
                }
                else if (!found.Exact && found.NonZeros > counts[i])
                {
                    int[] support = SupportChoice.ForRow(solveGram, state.Beta, WeightsAsDoubles(weights, i, n), counts[i]);
                    ExcludeAllBut(state, support);
                    result = CoordinateDescentLasso.Solve(state, found.Lambda, options);
                    solve.Epochs += result.Epochs;
                }

                results[i] = result with { TotalEpochs = solve.Epochs };
            });
        }
        else
        {
            long total = target.NonZerosInLayer!.Value;
            var solve = new LayerCountedSolve(states, options, parallel);
            double lambdaMax = 0;
            foreach (LassoRowState state in states)
            {
                lambdaMax = Math.Max(lambdaMax, state.LambdaMax());
            }

            LambdaSearch.Outcome found = LambdaSearch.ForCount(solve, lambdaMax, total, options);
            layerLambda = found.Lambda;
            if (target.Refit || (!found.Exact && found.NonZeros > total))
            {
                bool[] kept = SupportChoice.ForLayer(solveGram, Array.ConvertAll(states, s => s.Beta), weights, total);
                Parallel.For(0, rows, parallel, i =>
                {
                    var support = new System.Collections.Generic.List<int>();
                    for (int j = 0; j < n; j++)
                    {
                        if (kept[(i * n) + j])
                        {
                            support.Add(j);
                        }
                    }

                    if (target.Refit)
                    {
                        solve.Results[i] = Refit(states[i], weights, i, support.ToArray(), solve.Results[i], out refitDamping[i]);
                    }
                    else
                    {
                        ExcludeAllBut(states[i], support.ToArray());
                        LassoRowResult result = CoordinateDescentLasso.Solve(states[i], found.Lambda, options);
                        solve.Epochs[i] += result.Epochs;
                        solve.Results[i] = result;
                    }
                });
            }

            for (int i = 0; i < rows; i++)
            {
                results[i] = solve.Results[i] with { Lambda = found.Lambda, TotalEpochs = solve.Epochs[i] };
            }
        }

        return Assemble(gram, solveGram, weights, rows, states, results, refitDamping, layerLambda, cross is not null);
    }

    /// <summary>The relative duality gap at which a warm-start point of the path is good enough.</summary>
    internal const double PathPointTolerance = 1e-3;

    /// <summary>
    /// Solves one row at <paramref name="lambda"/> by warm starts down the geometric path from its λ_max (steps no
    /// coarser than the options' path). The points before <paramref name="lambda"/> only give the next a start, so they
    /// stop at a looser gap (<see cref="PathPointTolerance"/>, or the options' if looser); the last is solved to the
    /// options' tolerance.
    /// </summary>
    public static LassoRowResult SolveAlongPath(LassoRowState state, double lambda, LassoSolverOptions options)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(options);
        double lambdaMax = state.LambdaMax();
        int epochs = 0;
        if (lambda > 0 && lambda < lambdaMax)
        {
            double stepRatio = Math.Pow(options.PathMinRatio, 1.0 / (options.PathLength - 1));
            int steps = (int)Math.Ceiling(Math.Log(lambda / lambdaMax) / Math.Log(stepRatio));
            for (int t = 1; t < steps; t++)
            {
                epochs += CoordinateDescentLasso.Solve(state, lambdaMax * Math.Pow(lambda / lambdaMax, t / (double)steps), options,
                    Math.Max(options.Tolerance, PathPointTolerance)).Epochs;
            }
        }

        LassoRowResult result = CoordinateDescentLasso.Solve(state, lambda, options);
        return result with { TotalEpochs = epochs + result.Epochs };
    }

    private static void CheckTarget(SparsityTarget target, int rows, int n)
    {
        if (target.Support is bool[] support && support.Length != (long)rows * n)
        {
            throw new ArgumentOutOfRangeException(nameof(target), $"The given support has {support.Length} values; the layer has {rows} × {n}.");
        }

        if (target.NonZerosPerRow is int[] counts)
        {
            if (counts.Length != rows)
            {
                throw new ArgumentOutOfRangeException(nameof(target), $"{counts.Length} per-row counts were given for a layer of {rows} rows.");
            }

            for (int i = 0; i < rows; i++)
            {
                if (counts[i] > n)
                {
                    throw new ArgumentOutOfRangeException(nameof(target), $"Row {i} is asked to keep {counts[i]} weights; it has {n}.");
                }
            }
        }

        if (target.NonZerosInLayer is long total && total > (long)rows * n)
        {
            throw new ArgumentOutOfRangeException(nameof(target), $"The layer is asked to keep {total} weights; it has {(long)rows * n}.");
        }
    }

    private static double[] WeightsAsDoubles(float[] weights, int row, int n)
    {
        var w = new double[n];
        for (int j = 0; j < n; j++)
        {
            w[j] = weights[(row * n) + j];
        }

        return w;
    }

    private static void ExcludeAllBut(LassoRowState state, int[] support)
    {
        Array.Fill(state.Excluded, true);
        foreach (int j in support)
        {
            state.Excluded[j] = false;
        }
    }

    /// <summary>Least squares on the support; the row's result keeps the Lasso's λ, passes and gap, with the refit's non-zeros and objective.</summary>
    private static LassoRowResult Refit(LassoRowState state, float[] weights, int row, int[] support, LassoRowResult lasso, out double damping)
    {
        int n = state.Gram.Size;
        var refit = new double[n];
        damping = SupportRefit.Refit(state.Gram, state.RightHandSide, WeightsAsDoubles(weights, row, n), support, refit);
        state.SetBeta(refit);
        double objective = 0.5 * state.ResidualSquaredNorm();
        return lasso with { NonZeros = state.NonZeros(), Objective = objective };
    }

    private static LayerLassoSolution Assemble(GramMatrix gram, GramMatrix solveGram, float[] weights, int rows, LassoRowState[] states, LassoRowResult[] results, double[] refitDamping, double? layerLambda, bool crossTerms)
    {
        int n = gram.Size;
        var pruned = new float[weights.Length];
        var rowErrors = new double[rows];
        double residualSum = 0;
        double outputSum = 0;
        double damping = solveGram.Damping - gram.Damping;
        for (int i = 0; i < rows; i++)
        {
            LassoRowState state = states[i];
            var difference = new double[n];
            double differenceNorm = 0;
            double weightNorm = 0;
            for (int j = 0; j < n; j++)
            {
                pruned[(i * n) + j] = (float)state.Beta[j];
                double w = weights[(i * n) + j];
                difference[j] = w - pruned[(i * n) + j];
                differenceNorm += difference[j] * difference[j];
                weightNorm += w * w;
            }

            // The report measures against the undamped G: (w−ŵ)ᵀ(G+δI)(w−ŵ) − δ‖w−ŵ‖². With cross terms the target is the
            // dense output: ‖X_d·w − X·ŵ‖² = ‖y‖² − 2cᵀŵ + ŵᵀGŵ, from the state's (damped) c and ‖y‖², less the same δ‖w−ŵ‖².
            double residual;
            if (crossTerms)
            {
                var written = new double[n];
                for (int j = 0; j < n; j++)
                {
                    written[j] = pruned[(i * n) + j];
                }

                residual = state.TargetSquaredNorm - (2 * System.Numerics.Tensors.TensorPrimitives.Dot<double>(state.RightHandSide, written)) + solveGram.QuadraticForm(written);
                residual = Math.Max(residual - (damping * differenceNorm), 0);
            }
            else
            {
                residual = Math.Max(solveGram.QuadraticForm(difference) - (damping * differenceNorm), 0);
            }

            double output = Math.Max(state.TargetSquaredNorm - (damping * weightNorm), 0);
            rowErrors[i] = output > 0 ? Math.Sqrt(residual / output) : 0;
            residualSum += residual;
            outputSum += output;
        }

        double layerError = outputSum > 0 ? Math.Sqrt(residualSum / outputSum) : 0;
        return new LayerLassoSolution(pruned, rows, n, results, rowErrors, layerError, solveGram.Damping, gram.IsRankDeficient, gram.ZeroColumns, refitDamping, layerLambda);
    }

    /// <summary>One row's solve for <see cref="LambdaSearch"/>.</summary>
    private sealed class RowCountedSolve(LassoRowState state, LassoSolverOptions options) : ICountedLassoSolve
    {
        private readonly double[] _overTarget = new double[state.Gram.Size];

        public LassoRowResult Last { get; private set; }

        public int Epochs { get; set; }

        public long SolveAt(double lambda)
        {
            Last = CoordinateDescentLasso.Solve(state, lambda, options);
            Epochs += Last.Epochs;
            return Last.NonZeros;
        }

        public void KeepOverTarget() => state.Beta.CopyTo(_overTarget, 0);

        public void RestoreOverTarget() => state.SetBeta(_overTarget);
    }

    /// <summary>All rows at one λ for <see cref="LambdaSearch"/>.</summary>
    private sealed class LayerCountedSolve : ICountedLassoSolve
    {
        private readonly LassoRowState[] _states;
        private readonly LassoSolverOptions _options;
        private readonly ParallelOptions _parallel;
        private readonly double[][] _overTarget;
        private LassoRowResult[] _overTargetResults;

        public LayerCountedSolve(LassoRowState[] states, LassoSolverOptions options, ParallelOptions parallel)
        {
            _states = states;
            _options = options;
            _parallel = parallel;
            _overTarget = Array.ConvertAll(states, s => new double[s.Gram.Size]);
            Results = new LassoRowResult[states.Length];
            _overTargetResults = new LassoRowResult[states.Length];
            Epochs = new int[states.Length];
        }

        public LassoRowResult[] Results { get; }

        public int[] Epochs { get; }

        public long SolveAt(double lambda)
        {
            Parallel.For(0, _states.Length, _parallel, i =>
            {
                Results[i] = CoordinateDescentLasso.Solve(_states[i], lambda, _options);
                Epochs[i] += Results[i].Epochs;
            });

            long count = 0;
            foreach (LassoRowResult result in Results)
            {
                count += result.NonZeros;
            }

            return count;
        }

        public void KeepOverTarget()
        {
            for (int i = 0; i < _states.Length; i++)
            {
                _states[i].Beta.CopyTo(_overTarget[i], 0);
            }

            _overTargetResults = (LassoRowResult[])Results.Clone();
        }

        public void RestoreOverTarget()
        {
            for (int i = 0; i < _states.Length; i++)
            {
                _states[i].SetBeta(_overTarget[i]);
            }

            _overTargetResults.CopyTo(Results, 0);
        }
    }
}
