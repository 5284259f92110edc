using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>calibrate → solve → write</em> stages of layer reconstruction (<c>CoordinateDescent</c>): per Gemm/MatMul
/// layer, G = XᵀX of its input from <see cref="CalibrationStage"/>, the Gram-form Lasso of <see cref="LayerLassoSolver"/>
/// for the layer's target, and the new weights written into the model; per Conv layer the same per group on im2col
/// patches (<see cref="ConvGramAccumulator"/>, <see cref="ConvReconstruction"/>). Sequential mode calibrates each layer on the model
/// with the earlier layers already replaced (one ONNX Runtime pass per layer); parallel mode calibrates all layers once
/// on the dense model.
/// </summary>
/// <remarks>
/// Extension point: structured mode needs a group-Lasso solve per layer; it plugs in at <see cref="SolveLayer"/>'s
/// inputs; the pipeline, masks, fine-tuning and report stay as they are.
/// </remarks>
internal static class ReconstructionStage
{
    /// <summary>What the stage did: the masks of the written weights (for fine-tuning) and one report row per solved layer.</summary>
    public sealed record Result(PruningMask[] Masks, IReadOnlyList<LayerReconstruction> Layers);

    /// <summary>Prunes <paramref name="layers"/> of <paramref name="model"/> in place; <paramref name="seed"/> draws the Conv positions sampled.</summary>
    /// <exception cref="System.IO.InvalidDataException">NaN/Inf in a layer's activations (the layer is named).</exception>
    public static Result Run(MLContextServices services, OnnxModel model, IReadOnlyList<PrunableWeight> layers, CoordinateDescentPruningOptions options,
        ModelInputBatches batches, IDataView data, Action<int> rowsRead, int seed)
    {
        var kept = KeptCounts(model, layers, options);
        var solver = new LassoSolverOptions { Tolerance = options.Tolerance, MaxEpochs = options.MaxIterations, RelativeDamping = options.Damping, AdaptivePower = options.AdaptivePower };
        var masks = new PruningMask[layers.Count];
        var report = new List<LayerReconstruction>();
        CalibrationStage.Result? dense = null;
        var patches = new ConvPositionSampler(options.MaxConvPositionsPerRow, seed);
        // Sequential mode fits each Gemm/MatMul layer's dense output from its input in the already-pruned model (C = XᵀX_d, D = X_dᵀX_d).
        var denseModel = options.Sequential ? model.Clone() : null;
        bool written = false; // until a layer is replaced, the model is the dense one
        // With ConsumerWeighting, the Gemm/MatMul layer reading each layer's units (through bias and element-wise activations).
        var consumers = options.ConsumerWeighting
            ? StructuredReconstructionStage.FindPairs(model, layers.Where(w => w.Role != PrunableWeightRole.ConvWeight).ToList(), strict: false).Pairs
                .ToDictionary(p => p.Producer.Name, p => p.Consumer, StringComparer.Ordinal)
            : [];
        for (int l = 0; l < layers.Count; l++)
        {
            var layer = layers[l];
            var values = OnnxTensor.ToFloatArray(model.GetInitializer(layer.Name));
            if (options.Lambda is null && kept[l] >= values.Length)
            {
                masks[l] = new PruningMask(layer.Name, Enumerable.Repeat(true, values.Length).ToArray(), 0);
                continue;
            }
            var watch = Stopwatch.StartNew();
            GramMatrix? gram;
            ConvGram? convGram;
            CrossGram? cross = null;
            if (options.Sequential)
            {
                var calibration = CalibrationStage.Run(model, [layer], CriterionNeeds.None, batches, data, options.CalibrationRows, gram: true, patches,
                    reference: written ? denseModel : null, paddingMaskInput: options.PaddingMaskInput);
                rowsRead(calibration.Rows);
                gram = calibration.Grams!.GetValueOrDefault(layer.Name);
                convGram = calibration.ConvGrams!.GetValueOrDefault(layer.Name);
                cross = calibration.Cross?.GetValueOrDefault(layer.Name);
            }
            else
            {
                if (dense is null)
                {
                    dense = CalibrationStage.Run(model, layers, CriterionNeeds.None, batches, data, options.CalibrationRows, gram: true, patches, paddingMaskInput: options.PaddingMaskInput);
                    rowsRead(dense.Rows);
                }
                gram = dense.Grams!.GetValueOrDefault(layer.Name);
                convGram = dense.ConvGrams!.GetValueOrDefault(layer.Name);
            }
            if (gram is null && convGram is null)
                throw new InvalidOperationException($"Layer '{layer.Name}': calibration saw no rows of its input; the data has no rows to calibrate on.");
            var (row, pruned) = convGram is not null
                ? ConvReconstruction.Solve(services, layer, values, convGram, kept[l], options, solver, watch)
                : SolveLayer(services, model, layer, values, gram!, cross, kept[l], options, solver, watch,
                    consumers.TryGetValue(layer.Name, out var consumer) ? ConsumerRowWeights(model, layer, consumer) : null);
            OnnxTensor.SetFloats(model.GetInitializer(layer.Name), pruned);
            written = true;
            var keep = new bool[pruned.Length];
            int zeros = 0;
            for (int i = 0; i < pruned.Length; i++)
            {
                keep[i] = pruned[i] != 0;
                zeros += keep[i] ? 0 : 1;
            }
            masks[l] = new PruningMask(layer.Name, keep, zeros);
            report.Add(row);
        }
        return new Result(masks, report);
    }

    /// <summary>
    /// Weights each layer keeps: per layer from <see cref="PruningOptions.Sparsity"/> / <see cref="PruningOptions.LayerSparsity"/>
    /// (the magnitude selector's rounding), or, for the global scope, the counts one global magnitude threshold leaves per layer.
    /// Unused with <see cref="CoordinateDescentPruningOptions.Lambda"/>.
    /// </summary>
    private static long[] KeptCounts(OnnxModel model, IReadOnlyList<PrunableWeight> layers, CoordinateDescentPruningOptions options)
    {
        if (options.Pattern is { } pattern) return [.. layers.Select(w => w.ParameterCount / pattern.M * pattern.N)];
        if (options.Scope == PruningScope.Global)
        {
            var selection = new MaskSelectionOptions { Sparsity = options.Sparsity, Scope = PruningScope.Global };
            foreach (var (name, sparsity) in options.LayerSparsity) selection.LayerSparsity[name] = sparsity;
            var values = layers.Select(w => new LayerValues(w.Name, OnnxTensor.ToFloatArray(model.GetInitializer(w.Name)))).ToList();
            return [.. MaskSelector.SelectByMagnitude(values, selection).Select(m => (long)m.KeptCount)];
        }
        return [.. layers.Select(w => w.ParameterCount - MaskSelector.TargetPrunedCount(w.ParameterCount,
            options.LayerSparsity.TryGetValue(w.Name, out double s) ? s : options.Sparsity))];
    }

    /// <summary>Solves one layer (weights in the model's layout) and returns its report row and new weights (same layout).</summary>
    private static (LayerReconstruction Row, float[] Weights) SolveLayer(MLContextServices services, OnnxModel model, PrunableWeight layer, float[] values, GramMatrix gram,
        CrossGram? cross, long kept, CoordinateDescentPruningOptions options, LassoSolverOptions solver, Stopwatch watch, double[]? rowWeights)
    {
        // The solver's W is [out, in]: Gemm with transB = 1 stores it so; Gemm (transB = 0) and MatMul store [in, out].
        int outputs = (int)layer.OutputUnits;
        int inputs = (int)(layer.ParameterCount / outputs);
        if (gram.Size != inputs)
            throw new InvalidOperationException($"Layer '{layer.Name}': its input has {gram.Size} features, its weight {inputs} inputs.");
        bool transposed = layer.OutputAxis == 1;
        float[] w = transposed ? Transpose(values, inputs, outputs) : values;
        // Row i's error weighted by s_i: solving for s_i·w_i (c and ‖y‖² scale by s_i, s_i²) makes row i's problem
        // s_i²·(½‖…‖² + (λ/s_i)‖ŵ‖₁), i.e. min Σ_i s_i·½‖X_d·w_i − X·ŵ_i‖² + λ‖Ŵ‖₁ up to the common scale; then divide back.
        float[] solved = w;
        if (rowWeights is not null)
        {
            solved = new float[w.Length];
            for (int i = 0; i < outputs; i++)
                for (int j = 0; j < inputs; j++) solved[(long)i * inputs + j] = (float)(w[(long)i * inputs + j] * rowWeights[i]);
        }
        int positions = gram.CalibrationRows ?? 0;
        var notes = new List<string>();
        if (RankDeficiency(services, layer.Name, gram, inputs, options, solver) is { } rankNote) notes.Add(rankNote);
        // With a bias on the layer (and FreeIntercept), the problem is solved on the centred inputs and the bias then takes
        // the mean of what the new weights no longer carry: b̂ = b + (s_dᵀw − sᵀŵ)/r.
        var bias = options.FreeIntercept && gram.ColumnSums is not null && (cross is null || cross.DenseColumnSums is not null)
            ? StructuredReconstructionStage.ConsumerBias(model, layer, outputs) : null;
        var problem = bias is null ? gram : gram.Centered();
        var problemCross = bias is null || cross is null ? cross : cross.Centered(gram.ColumnSums!, positions);
        // N:M: each row's support by |w_j|·√G_jj on the problem's G, then the least-squares refit of that support.
        bool[]? patternSupport = options.Pattern is { } pattern ? SupportChoice.ForPattern(problem, w, outputs, inputs, pattern.N, pattern.M) : null;
        var target = patternSupport is not null
            ? SparsityTarget.RefitOnSupport(patternSupport)
            : options.Lambda is double lambda
                ? SparsityTarget.FixedLambda(lambda * positions, options.Refit)
                : options.SameSparsityPerRow
                    ? SparsityTarget.PerRow(Array.ConvertAll(EvenCounts(kept, outputs), count => checked((int)count)), options.Refit)
                    : SparsityTarget.PerLayer(kept, options.Refit);
        if (options.Pattern is { } notedPattern) notes.Add($"N:M {notedPattern}: each row's support chosen by |w|·√G_jj and refit by least squares.");
        var solution = LayerLassoSolver.Solve(problem, solved, outputs, target, solver, problemCross);
        watch.Stop();

        if (gram.ZeroColumns.Count > 0) notes.Add($"{gram.ZeroColumns.Count} input(s) all zero on the calibration data (their weights are 0).");
        int damped = solution.RefitDamping.Count(d => d > 0);
        if (damped > 0) notes.Add($"{damped} row(s) refit with extra damping (singular G on the kept inputs).");
        int unconverged = solution.RowResults.Count(r => !r.Converged);
        if (unconverged > 0) notes.Add($"{unconverged} row(s) stopped at {nameof(CoordinateDescentPruningOptions.MaxIterations)} before the duality-gap tolerance.");
        if (bias is not null) notes.Add("The bias was refit with the weights (free intercept: centred G); the error is of the centred output.");
        double error = solution.RelativeReconstructionError;
        if (rowWeights is not null)
        {
            // The solution's layer error is of the weighted rows; the report's is of the layer's own output.
            double residual = 0, output = 0;
            var dense = new double[inputs];
            for (int i = 0; i < outputs; i++)
            {
                for (int j = 0; j < inputs; j++) dense[j] = w[(long)i * inputs + j];
                double norm = problemCross?.TargetSquaredNorm(dense) ?? problem.QuadraticForm(dense); // the output the row errors are relative to
                residual += solution.RowRelativeErrors[i] * solution.RowRelativeErrors[i] * norm;
                output += norm;
            }
            error = output > 0 ? Math.Sqrt(residual / output) : 0;
            notes.Add("Rows weighted by the squared norms of the consumer's columns (ConsumerWeighting).");
        }
        double scale = positions > 0 ? positions : 1; // λ on Lambda's per-position scale
        double? layerLambda = solution.LayerLambda ?? (solution.RowResults.Count > 0 ? solution.RowResults.Average(r => r.Lambda) : null);
        var row = new LayerReconstruction(layer.Name, layerLambda / scale, error,
            solution.RowResults.Count > 0 ? solution.RowResults.Max(r => r.RelativeGap) : null,
            solution.RowResults.Sum(r => (long)r.TotalEpochs), watch.Elapsed, positions, solution.Damping,
            notes.Count == 0 ? null : string.Join(" ", notes));
        services.Info($"Layer '{layer.Name}': kept {solution.NonZeros} of {values.Length}, relative reconstruction error {error:G4}, " +
            $"{row.Iterations} passes, {watch.Elapsed.TotalSeconds:F2} s.");
        var result = solution.Weights;
        if (rowWeights is not null)
            for (int i = 0; i < outputs; i++)
                for (int j = 0; j < inputs; j++) result[(long)i * inputs + j] = (float)(result[(long)i * inputs + j] / rowWeights[i]);
        if (patternSupport is not null) SupportChoice.KeepUnfitted(result, w, patternSupport);
        if (bias is not null)
        {
            var b = OnnxTensor.ToFloatArray(model.GetInitializer(bias.Name));
            var sums = gram.ColumnSums!;
            var denseSums = cross?.DenseColumnSums ?? sums;
            for (int k = 0; k < outputs; k++)
            {
                double shift = 0;
                for (int j = 0; j < inputs; j++) shift += ((double)w[(long)k * inputs + j] * denseSums[j]) - ((double)result[(long)k * inputs + j] * sums[j]);
                b[k] = (float)(b[k] + (shift / positions / bias.Scale));
            }
            OnnxTensor.SetFloats(model.GetInitializer(bias.Name), b);
        }
        return (row, transposed ? Transpose(result, outputs, inputs) : result);
    }

    /// <summary>
    /// s_i = ‖column i of the consumer's [out, in] weight‖², divided by its mean (so λ keeps its scale) and kept ≥ 1e-3: the
    /// diagonal of what an error in unit i costs the consumer's pre-activation. Null when the consumer does not read exactly
    /// this layer's units.
    /// </summary>
    private static double[]? ConsumerRowWeights(OnnxModel model, PrunableWeight layer, PrunableWeight consumer)
    {
        int units = (int)layer.OutputUnits;
        int consumerOutputs = (int)consumer.OutputUnits;
        if (consumer.ParameterCount != (long)units * consumerOutputs) return null;
        var values = OnnxTensor.ToFloatArray(model.GetInitializer(consumer.Name));
        float[] byRow = consumer.OutputAxis == 1 ? Transpose(values, units, consumerOutputs) : values;
        var weights = new double[units];
        for (int k = 0; k < consumerOutputs; k++)
            for (int i = 0; i < units; i++) weights[i] += (double)byRow[(long)k * units + i] * byRow[(long)k * units + i];
        double mean = weights.Average();
        if (!(mean > 0)) return null;
        for (int i = 0; i < units; i++) weights[i] = Math.Max(weights[i] / mean, 1e-3);
        return weights;
    }

    /// <summary>
    /// When G is singular (fewer calibration positions than inputs): warns naming the layer and returns the report's note
    /// (the damping the solver will use); null otherwise.
    /// </summary>
    internal static string? RankDeficiency(MLContextServices services, string layer, GramMatrix gram, int inputs, CoordinateDescentPruningOptions options, LassoSolverOptions solver)
    {
        if (!gram.IsRankDeficient) return null;
        double damping = options.Damping > 0 ? options.Damping : solver.RankDeficientDamping;
        string message = $"{gram.CalibrationRows ?? 0} calibration positions for {inputs} inputs: G = XᵀX is singular; solving with relative damping {damping.ToString("G3", CultureInfo.InvariantCulture)}.";
        services.Warning($"Layer '{layer}': {message}");
        return message;
    }

    /// <summary><paramref name="total"/> split over <paramref name="parts"/> (rows of a layer, groups of a Conv): the first parts keep one more when it does not divide.</summary>
    internal static long[] EvenCounts(long total, int parts)
    {
        var counts = new long[parts];
        for (int i = 0; i < parts; i++) counts[i] = (total / parts) + (i < total % parts ? 1 : 0);
        return counts;
    }

    /// <summary>[rows, columns] row-major to [columns, rows].</summary>
    internal static float[] Transpose(float[] values, int rows, int columns)
    {
        var result = new float[values.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                result[(long)c * rows + r] = values[(long)r * columns + c];
        return result;
    }
}
