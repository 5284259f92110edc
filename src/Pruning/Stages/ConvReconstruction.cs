using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>solve</em> step for a Conv layer: its weight [M, C/group, kernel…] is, per group, the row-major matrix
/// [M/group, (C/group)·Π kernel] (a contiguous block of the weight, no reordering), solved by
/// <see cref="LayerLassoSolver"/> on that group's G of patch rows exactly like a Gemm layer. The layer's kept count is
/// split evenly over the groups (one λ per group); a fixed λ applies to every group.
/// </summary>
internal static class ConvReconstruction
{
    /// <summary>Solves every group of one Conv layer; returns its report row and new weights (the model's layout).</summary>
    public static (LayerReconstruction Row, float[] Weights) Solve(MLContextServices services, PrunableWeight layer, float[] values, ConvGram gram,
        long kept, CoordinateDescentPruningOptions options, LassoSolverOptions solver, Stopwatch watch)
    {
        int groups = gram.Groups.Count;
        int rows = (int)(layer.OutputUnits / groups);
        int inputs = gram.Groups[0].Size;
        if ((long)rows * inputs * groups != values.Length)
            throw new InvalidOperationException($"Layer '{layer.Name}': its weight has {values.Length} values; {groups} group(s) of {rows} rows × {inputs} patch values need {(long)rows * inputs * groups}.");
        int positions = gram.Groups[0].CalibrationRows ?? 0;
        var notes = new List<string>();
        if (gram.SamplingNote is { } sampling) notes.Add(sampling);
        if (gram.Groups.Any(g => g.IsRankDeficient))
        {
            double damping = options.Damping > 0 ? options.Damping : solver.RankDeficientDamping;
            string message = $"{positions} patch rows for {inputs} inputs{(groups > 1 ? " per group" : "")}: G = XᵀX is singular; solving with relative damping {damping.ToString("G3", CultureInfo.InvariantCulture)}.";
            services.Warning($"Layer '{layer.Name}': {message}");
            notes.Add(message);
        }

        long block = (long)rows * inputs;
        var pruned = new float[values.Length];
        var solutions = new LayerLassoSolution?[groups];
        double residual = 0, output = 0;
        long[] keptPerGroup = ReconstructionStage.EvenCounts(kept, groups);
        for (int g = 0; g < groups; g++)
        {
            float[] w = values.AsSpan((int)(g * block), (int)block).ToArray();
            long groupKept = keptPerGroup[g];
            // The layer's error over all groups: each group's ‖XWᵀ‖² weighs its relative error.
            double norm = groups > 1 ? OutputNormSquared(gram.Groups[g], w, rows, inputs) : 0;
            output += norm;
            if (options.Lambda is null && groupKept >= block)
            {
                w.CopyTo(pruned, g * block);
                continue;
            }
            // N:M: groups along the input channels of each filter at each kernel position ([C/group, kernel] per row).
            bool[]? patternSupport = options.Pattern is { } pattern ? SupportChoice.ForPattern(gram.Groups[g], w, rows, (int)layer.Shape[1], pattern.N, pattern.M) : null;
            var target = patternSupport is not null
                ? SparsityTarget.RefitOnSupport(patternSupport)
                : options.Lambda is double lambda
                    ? SparsityTarget.FixedLambda(lambda * positions, options.Refit)
                    : SparsityTarget.PerLayer(groupKept, options.Refit);
            var solution = LayerLassoSolver.Solve(gram.Groups[g], w, rows, target, solver);
            if (patternSupport is not null) SupportChoice.KeepUnfitted(solution.Weights, w, patternSupport);
            solution.Weights.CopyTo(pruned, g * block);
            solutions[g] = solution;
            residual += solution.RelativeReconstructionError * solution.RelativeReconstructionError * norm;
        }
        watch.Stop();

        var solved = solutions.OfType<LayerLassoSolution>().ToList();
        int zeroInputs = gram.Groups.Sum(g => g.ZeroColumns.Count);
        if (zeroInputs > 0) notes.Add($"{zeroInputs} patch input(s){(groups > 1 ? " over all groups" : "")} all zero on the calibration data (their weights are 0).");
        int damped = solved.Sum(s => s.RefitDamping.Count(d => d > 0));
        if (damped > 0) notes.Add($"{damped} row(s) refit with extra damping (singular G on the kept inputs).");
        int unconverged = solved.Sum(s => s.RowResults.Count(r => !r.Converged));
        if (unconverged > 0) notes.Add($"{unconverged} row(s) stopped at {nameof(CoordinateDescentPruningOptions.MaxIterations)} before the duality-gap tolerance.");
        if (options.Pattern is { } notedPattern) notes.Add($"N:M {notedPattern} along the input channels: each row's support chosen by |w|·√G_jj and refit by least squares.");
        if (groups > 1 && options.Pattern is null) notes.Add($"{groups} groups solved separately{(options.Lambda is null ? $", {kept / groups}{(kept % groups != 0 ? "–" + (kept / groups + 1) : "")} weights kept in each" : "")}.");

        var rowResults = solved.SelectMany(s => s.RowResults).ToList();
        double error = groups == 1 && solved.Count == 1 ? solved[0].RelativeReconstructionError : output > 0 ? Math.Sqrt(residual / output) : 0;
        double scale = positions > 0 ? positions : 1; // λ on Lambda's per-position scale
        var lambdas = solved.Select(s => s.LayerLambda ?? (s.RowResults.Count > 0 ? s.RowResults.Average(r => r.Lambda) : 0)).ToList();
        double? layerLambda = lambdas.Count > 0 ? lambdas.Average() / scale : null;
        var row = new LayerReconstruction(layer.Name, layerLambda, error,
            rowResults.Count > 0 ? rowResults.Max(r => r.RelativeGap) : null,
            rowResults.Sum(r => (long)r.TotalEpochs), watch.Elapsed, gram.PatchRows, solved.Count > 0 ? solved.Max(s => s.Damping) : 0,
            notes.Count == 0 ? null : string.Join(" ", notes));
        long nonZeros = 0;
        foreach (float v in pruned) nonZeros += v != 0 ? 1 : 0;
        services.Info($"Layer '{layer.Name}': kept {nonZeros} of {values.Length}, relative reconstruction error {error:G4}, {row.Iterations} passes, " +
            $"{gram.PatchRows} patch rows, {watch.Elapsed.TotalSeconds:F2} s.");
        return (row, pruned);
    }

    /// <summary>Σ over the group's rows of wᵀGw = ‖XWᵀ‖²_F.</summary>
    private static double OutputNormSquared(GramMatrix gram, float[] w, int rows, int inputs)
    {
        var norms = new double[rows];
        Parallel.For(0, rows, r =>
        {
            var v = new double[inputs];
            for (int j = 0; j < inputs; j++) v[j] = w[(r * inputs) + j];
            norms[r] = gram.QuadraticForm(v);
        });
        return norms.Sum();
    }
}
