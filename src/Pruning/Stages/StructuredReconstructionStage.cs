using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Structured <c>CoordinateDescent</c> (<see cref="PruningGranularity.Neuron"/>): removes hidden neurons so that the next
/// layer still computes what it computed (He et al. 2017, "Channel pruning"). For each producer P whose neurons feed one
/// consumer C (P → bias Add / element-wise activations → C, both Gemm or MatMul), C's input X (P's activations) is
/// calibrated, the group Lasso of <see cref="LayerGroupLassoSolver"/> on C's problem (one group per neuron: C's column)
/// chooses the kept neurons, P's rows and bias entries of the removed neurons are zeroed, C's columns for them are zeroed
/// and C's kept columns are refit by least squares on G. A bias of C is a free intercept: the solve runs on the centred
/// Gram matrix and the bias takes b + (W − Ŵ)·mean(X).
/// </summary>
/// <remarks>
/// The result is masks of whole units (P's rows, C's columns) and reconstructed consumer weights; the model keeps its
/// shapes. Physical removal (issue 11) can take the zero rows/columns out of the graph afterwards: the removed neurons'
/// weights, biases and consumer columns are all exactly zero, so nothing they computed reaches the output.
/// Pairs are solved in graph order; sequential mode calibrates each consumer on the model with the earlier pairs applied,
/// parallel mode calibrates every consumer once on the dense model.
/// </remarks>
internal static class StructuredReconstructionStage
{
    /// <summary>Ops between a producer's output and its consumer that keep the neuron axis and act per neuron.</summary>
    private static readonly HashSet<string> NeuronWise = new(StringComparer.Ordinal)
    {
        "Relu", "LeakyRelu", "PRelu", "Sigmoid", "Tanh", "Elu", "Selu", "Celu", "Gelu", "Softplus", "Softsign",
        "HardSigmoid", "HardSwish", "Clip", "Mish", "ThresholdedRelu", "BatchNormalization",
    };

    /// <summary>A producer whose neurons feed exactly one consumer's input features.</summary>
    /// <param name="Producer">P: its output units are the neurons.</param>
    /// <param name="Consumer">C: its input features are P's neurons.</param>
    /// <param name="Biases">Initializers holding P's per-neuron biases on the way (Gemm's C, a bias Add's operand).</param>
    internal sealed record NeuronPair(PrunableWeight Producer, PrunableWeight Consumer, IReadOnlyList<string> Biases);

    /// <summary>A producer left dense, and why.</summary>
    internal sealed record SkippedLayer(string Name, string Reason);

    /// <summary>
    /// The producer → consumer pairs among <paramref name="producers"/>, in graph order, and the producers left dense
    /// (the last layer, whose outputs are the model's, and any whose neurons do not feed exactly one Gemm/MatMul).
    /// </summary>
    /// <param name="model">The graph.</param>
    /// <param name="producers">The layers whose neurons are followed.</param>
    /// <param name="strict">
    /// True (structured pruning): a Conv consumer and a result without pairs are errors. False (looking up consumers for
    /// other uses): a Conv consumer is one more skipped layer, and no pair is an empty list.
    /// </param>
    /// <exception cref="NotSupportedException">Strict: a producer's neurons feed a Conv (group-Lasso reconstruction of Conv consumers is not built).</exception>
    /// <exception cref="InvalidOperationException">Strict: no pair at all.</exception>
    public static (IReadOnlyList<NeuronPair> Pairs, IReadOnlyList<SkippedLayer> Skipped) FindPairs(OnnxModel model, IReadOnlyList<PrunableWeight> producers, bool strict = true)
    {
        var all = model.GetPrunableWeights();
        ChannelDependencyGraph? graph = null;
        var pairs = new List<NeuronPair>();
        var skipped = new List<SkippedLayer>();
        foreach (var producer in producers)
        {
            if (producer.Role == PrunableWeightRole.ConvWeight)
            {
                skipped.Add(new SkippedLayer(producer.Name, "it is a Conv weight (Neuron granularity removes Gemm/MatMul neurons)"));
                continue;
            }
            var node = model.Graph.Node[producer.NodeIndex];
            var biases = new List<string>();
            if (producer.Role == PrunableWeightRole.GemmWeight && node.Input.Count > 2 && node.Input[2].Length > 0 && model.HasInitializer(node.Input[2]))
                biases.Add(node.Input[2]);
            string current = node.Output[0];
            string? reason = null;
            NeuronPair? pair = null;
            for (int guard = 0; guard < 16 && reason is null && pair is null; guard++)
            {
                if (model.IsGraphOutput(current))
                {
                    reason = $"its output '{current}' is a model output (the last layer's outputs are never removed)";
                    break;
                }
                var consumers = model.FindConsumers(current);
                if (consumers.Count != 1)
                {
                    reason = consumers.Count == 0
                        ? $"nothing reads its output '{current}'"
                        : $"its output '{current}' is read by {consumers.Count} nodes ({string.Join(", ", consumers.Select(model.GetNodeDisplayName))}); removing neurons needs one consumer";
                    break;
                }
                var next = consumers[0];
                string nextName = model.GetNodeDisplayName(next);
                if (next.OpType is "Gemm" or "MatMul" or "Conv")
                {
                    int index = model.Graph.Node.IndexOf(next);
                    var weight = all.FirstOrDefault(w => w.NodeIndex == index);
                    if (next.OpType == "Conv" && !strict)
                        reason = $"its neurons feed Conv node '{nextName}'";
                    else if (next.OpType == "Conv")
                        throw new NotSupportedException(
                            $"CoordinateDescent (Granularity Neuron) cannot remove the neurons of '{producer.Name}': they feed Conv node '{nextName}'" +
                            $"{(weight is null ? "" : $" (weight '{weight.Name}')")}, and group-Lasso reconstruction of Conv consumers is not supported yet. " +
                            $"Add '{producer.Name}' to {nameof(PruningOptions.ExcludedLayers)}.");
                    else if (weight is null || next.Input.Count == 0 || next.Input[0] != current)
                        reason = $"its neurons reach {next.OpType} node '{nextName}' other than as the input features of a weight initializer";
                    else if (next.OpType == "Gemm" && next.Attribute.Any(a => a.Name == "transA" && a.I != 0))
                        reason = $"its neurons feed Gemm node '{nextName}' with transA = 1";
                    else if (weight.ParameterCount / weight.OutputUnits != producer.OutputUnits)
                        reason = $"'{weight.Name}' has {weight.ParameterCount / weight.OutputUnits} inputs, not the {producer.OutputUnits} neurons of '{producer.Name}'";
                    else
                        pair = new NeuronPair(producer, weight, biases);
                    break;
                }
                if (next.OpType == "Add" && next.Input.Count == 2 && next.Input.Contains(current))
                {
                    string other = next.Input[0] == current ? next.Input[1] : next.Input[0];
                    if (!model.HasInitializer(other))
                    {
                        reason = $"its output is added to '{other}' (node '{nextName}'), which is not a bias";
                        break;
                    }
                    biases.Add(other);
                }
                else if (!(NeuronWise.Contains(next.OpType) && next.Input.Count > 0 && next.Input[0] == current))
                {
                    reason = $"its output feeds {next.OpType} node '{nextName}', which structured CoordinateDescent does not follow";
                    break;
                }
                if (next.Output.Count == 0) { reason = $"node '{nextName}' has no output"; break; }
                current = next.Output[0];
            }
            // A path the walk above does not follow (an activation written as several nodes, e.g. GELU as x·½(1 + erf(x/√2))) may still
            // be one dependency group with this layer as its only producer and one Gemm/MatMul consumer reading all of its units.
            if (pair is null && !model.IsGraphOutput(current) && model.FindConsumers(current).Count > 0) pair = PairFromGroup(model, producer, all, ref graph);
            if (pair is not null) pairs.Add(pair);
            else skipped.Add(new SkippedLayer(producer.Name, reason ?? "its output passes through too many nodes before a layer"));
        }
        if (pairs.Count == 0 && strict)
            throw new InvalidOperationException(
                "CoordinateDescent with Granularity Neuron removes neurons of a Gemm/MatMul layer whose output feeds (through bias and element-wise " +
                $"activations) the next Gemm/MatMul layer; no layer does: {string.Join("; ", skipped.Select(s => $"'{s.Name}': {s.Reason}"))}.");
        return (pairs, skipped);
    }

    /// <summary>
    /// The pair the dependency analysis proves for <paramref name="producer"/>: a Neuron group whose only producer it is and whose
    /// only consumer is a Gemm/MatMul weight reading all of its units one to one; the group's per-neuron parameters are the biases
    /// zeroed with a removed neuron. Null when there is none.
    /// </summary>
    private static NeuronPair? PairFromGroup(OnnxModel model, PrunableWeight producer, IReadOnlyList<PrunableWeight> all, ref ChannelDependencyGraph? graph)
    {
        try
        {
            graph ??= ChannelDependencies.Analyze(model, ValueShapes.Infer(model));
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or ArgumentException or System.IO.InvalidDataException)
        {
            graph = new ChannelDependencyGraph([], []); // ONNX Runtime cannot run the model on zeros: no group proves a pair
        }
        var group = graph.Groups.FirstOrDefault(g => g.Kind == ChannelGroupKind.Neuron && g.Slices.Any(s => s.Role == ChannelRole.Producer && s.Tensor == producer.Name));
        if (group is null || group.Slices.Count(s => s.Role == ChannelRole.Producer) != 1 || group.Width != producer.OutputUnits) return null;
        var consumers = group.Slices.Where(s => s.Role == ChannelRole.Consumer).ToList();
        if (consumers is not [{ Block: 1, Offset: 0, First: 0 } slice] || slice.Count != group.Width) return null;
        var consumer = all.FirstOrDefault(w => w.Name == slice.Tensor);
        if (consumer is null || consumer.Role == PrunableWeightRole.ConvWeight || consumer.ParameterCount / consumer.OutputUnits != producer.OutputUnits) return null;
        var node = model.Graph.Node[consumer.NodeIndex];
        if (node.OpType == "Gemm" && node.Attribute.Any(a => a.Name == "transA" && a.I != 0)) return null;
        var biases = group.Slices.Where(s => s.Role == ChannelRole.Parameter && s.Block == 1 && model.TryGetInitializer(s.Tensor, out var t) && t.Dims.Count == 1).Select(s => s.Tensor).Distinct().ToList();
        return new NeuronPair(producer, consumer, biases);
    }

    /// <summary>Removes neurons of <paramref name="candidates"/> in <paramref name="model"/>, in place.</summary>
    /// <exception cref="System.IO.InvalidDataException">NaN/Inf in a consumer's input (the layer is named).</exception>
    public static ReconstructionStage.Result Run(MLContextServices services, OnnxModel model, IReadOnlyList<PrunableWeight> candidates, CoordinateDescentPruningOptions options,
        ModelInputBatches batches, IDataView data, Action<int> rowsRead)
    {
        // Node indices as this model has them (a compact input was densified since the candidates were found).
        var current = model.GetPrunableWeights().ToDictionary(w => w.Name, StringComparer.Ordinal);
        candidates = [.. candidates.Select(c => current.GetValueOrDefault(c.Name) ?? c)];
        var (pairs, skipped) = FindPairs(model, candidates);
        foreach (var layer in skipped) services.Info($"Layer '{layer.Name}' keeps its neurons: {layer.Reason}.");
        var keptCounts = KeptCounts(model, pairs, options, out var clamped);
        var solver = new LassoSolverOptions { Tolerance = options.Tolerance, MaxEpochs = options.MaxIterations, RelativeDamping = options.Damping };
        var keep = new Dictionary<string, bool[]>(StringComparer.Ordinal);
        bool[] Keep(PrunableWeight w) => keep.TryGetValue(w.Name, out var k) ? k : keep[w.Name] = Enumerable.Repeat(true, (int)w.ParameterCount).ToArray();
        var report = new List<LayerReconstruction>();
        IReadOnlyDictionary<string, GramMatrix>? dense = null;
        for (int p = 0; p < pairs.Count; p++)
        {
            var (producer, consumer, biases) = pairs[p];
            int neurons = (int)producer.OutputUnits;
            if (options.Lambda is null && keptCounts[p] >= neurons) continue;
            var watch = Stopwatch.StartNew();
            GramMatrix? gram;
            if (options.Sequential)
            {
                var calibration = CalibrationStage.Run(model, [consumer], CriterionNeeds.None, batches, data, options.CalibrationRows, gram: true, paddingMaskInput: options.PaddingMaskInput);
                rowsRead(calibration.Rows);
                gram = calibration.Grams!.GetValueOrDefault(consumer.Name);
            }
            else
            {
                if (dense is null)
                {
                    var consumers = pairs.Select(q => q.Consumer).DistinctBy(w => w.Name).ToList();
                    var calibration = CalibrationStage.Run(model, consumers, CriterionNeeds.None, batches, data, options.CalibrationRows, gram: true, paddingMaskInput: options.PaddingMaskInput);
                    rowsRead(calibration.Rows);
                    dense = calibration.Grams!;
                }
                gram = dense.GetValueOrDefault(consumer.Name);
            }
            if (gram is null)
                throw new InvalidOperationException($"Layer '{consumer.Name}': calibration saw no rows of its input; the data has no rows to calibrate on.");
            if (gram.Size != neurons)
                throw new InvalidOperationException($"Layer '{consumer.Name}': its input has {gram.Size} features, '{producer.Name}' {neurons} neurons.");

            // The consumer as [out, in]: Gemm with transB = 1 stores it so; Gemm (transB = 0) and MatMul store [in, out].
            int outputs = (int)consumer.OutputUnits;
            var values = OnnxTensor.ToFloatArray(model.GetInitializer(consumer.Name));
            bool transposed = consumer.OutputAxis == 1;
            float[] w = transposed ? ReconstructionStage.Transpose(values, neurons, outputs) : values;
            int positions = gram.CalibrationRows ?? 0;
            var notes = new List<string>();
            if (ReconstructionStage.RankDeficiency(services, consumer.Name, gram, neurons, options, solver) is { } rankNote) notes.Add(rankNote);
            var target = options.Lambda is double lambda
                ? GroupSparsityTarget.FixedLambda(lambda * positions, options.Refit)
                : GroupSparsityTarget.Keep(keptCounts[p], options.Refit);
            // With a bias on the consumer, the problem is solved with a free intercept: on the centred Gram matrix, and the
            // bias takes the mean of what the removed neurons and the refit changed.
            var bias = ConsumerBias(model, consumer, outputs);
            GramMatrix problem = bias is not null && gram.ColumnSums is not null ? gram.Centered() : gram;
            var solution = LayerGroupLassoSolver.Solve(problem, w, outputs, InputGroups.Singletons(neurons), target, solver);
            if (solution.KeptCount == 0)
            {
                // λ removed every neuron, which would cut the model in two: the best-ranked one stays.
                solution = LayerGroupLassoSolver.Solve(problem, w, outputs, InputGroups.Singletons(neurons), GroupSparsityTarget.Keep(1, options.Refit), solver);
                clamped.Add(producer.Name);
            }
            double error = solution.RelativeReconstructionError;
            if (!ReferenceEquals(problem, gram))
            {
                UpdateBias(model, bias!, w, solution.Weights, outputs, neurons, gram);
                error = RelativeOutputError(problem, gram, w, solution.Weights, outputs);
                notes.Add("The bias was refit with the weights (free intercept: centred G).");
            }
            watch.Stop();

            OnnxTensor.SetFloats(model.GetInitializer(consumer.Name), transposed ? ReconstructionStage.Transpose(solution.Weights, outputs, neurons) : solution.Weights);
            RemoveNeurons(model, producer, biases, solution.KeptGroups);
            var producerKeep = Keep(producer);
            for (int i = 0; i < producerKeep.Length; i++)
                if (!solution.KeptGroups[UnitOf(producer, i)]) producerKeep[i] = false;
            var consumerKeep = Keep(consumer);
            for (int i = 0; i < consumerKeep.Length; i++)
                if (!solution.KeptGroups[InputOf(consumer, i, neurons)]) consumerKeep[i] = false;

            int kept = solution.KeptCount;
            notes.Insert(0, $"kept {kept} of {neurons} neurons of '{producer.Name}' (group Lasso on the inputs of '{consumer.Name}'" +
                $"{(solution.RoundedByRank ? ", rounded to the count by rank" : "")}{(options.Refit ? ", least-squares refit" : "")}).");
            if (clamped.Contains(producer.Name)) notes.Add($"The {(options.Lambda is null ? "target" : "λ")} would remove every neuron; one is kept.");
            if (gram.ZeroColumns.Count > 0) notes.Add($"{gram.ZeroColumns.Count} neuron(s) all zero on the calibration data.");
            else if (problem.ZeroColumns.Count > 0) notes.Add($"{problem.ZeroColumns.Count} neuron(s) constant on the calibration data (the bias carries them).");
            if (solution.RefitDamping > 0) notes.Add("The refit needed extra damping (singular G on the kept neurons).");
            if (!solution.Lasso.Converged) notes.Add($"The group Lasso stopped at {nameof(CoordinateDescentPruningOptions.MaxIterations)} before the duality-gap tolerance.");
            double scale = positions > 0 ? positions : 1;
            var row = new LayerReconstruction(consumer.Name, solution.Lambda / scale, error, solution.Lasso.RelativeGap,
                solution.TotalEpochs, watch.Elapsed, positions, solution.Damping, string.Join(" ", notes));
            services.Info($"Layer '{producer.Name}': kept {kept} of {neurons} neurons; '{consumer.Name}' relative reconstruction error " +
                $"{error:G4}, {row.Iterations} passes, {watch.Elapsed.TotalSeconds:F2} s.");
            report.Add(row);
        }

        var masks = new List<PruningMask>();
        foreach (var layer in candidates.Concat(pairs.Select(q => q.Consumer)).DistinctBy(w => w.Name))
        {
            var flags = keep.TryGetValue(layer.Name, out var k) ? k : Enumerable.Repeat(true, (int)layer.ParameterCount).ToArray();
            masks.Add(new PruningMask(layer.Name, flags, flags.Count(f => !f)));
        }
        return new ReconstructionStage.Result([.. masks], report);
    }

    /// <summary>
    /// Neurons each producer keeps: per producer from <see cref="PruningOptions.Sparsity"/> / <see cref="PruningOptions.LayerSparsity"/>
    /// (the selector's rounding, at least one), or, for the global scope, the counts one global threshold on the neurons' L2
    /// norms leaves per producer (the magnitude Neuron allocation). Unused with <see cref="CoordinateDescentPruningOptions.Lambda"/>.
    /// </summary>
    private static int[] KeptCounts(OnnxModel model, IReadOnlyList<NeuronPair> pairs, CoordinateDescentPruningOptions options, out HashSet<string> clamped)
    {
        clamped = new HashSet<string>(StringComparer.Ordinal);
        var counts = new int[pairs.Count];
        if (options.Lambda is not null) return counts;
        if (options.Scope == PruningScope.Global)
        {
            var selection = new MaskSelectionOptions { Sparsity = options.Sparsity, Scope = PruningScope.Global };
            var names = pairs.Select(p => p.Producer.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var (name, sparsity) in options.LayerSparsity)
                if (names.Contains(name)) selection.LayerSparsity[name] = sparsity;
            var norms = pairs.Select(p => new LayerValues(p.Producer.Name, NeuronNorms(model, p.Producer))).ToList();
            var masks = MaskSelector.Select(norms, selection);
            for (int p = 0; p < pairs.Count; p++) counts[p] = masks[p].KeptCount;
        }
        else
        {
            for (int p = 0; p < pairs.Count; p++)
            {
                var producer = pairs[p].Producer;
                double sparsity = options.LayerSparsity.TryGetValue(producer.Name, out double s) ? s : options.Sparsity;
                counts[p] = (int)(producer.OutputUnits - MaskSelector.TargetPrunedCount(producer.OutputUnits, sparsity));
            }
        }
        for (int p = 0; p < pairs.Count; p++)
        {
            if (counts[p] > 0) continue;
            counts[p] = 1;
            clamped.Add(pairs[p].Producer.Name);
        }
        return counts;
    }

    /// <summary>The L2 norm of each output unit's weights.</summary>
    private static float[] NeuronNorms(OnnxModel model, PrunableWeight weight)
    {
        var values = OnnxTensor.ToFloatArray(model.GetInitializer(weight.Name));
        var squares = new double[weight.OutputUnits];
        for (int i = 0; i < values.Length; i++) squares[UnitOf(weight, i)] += (double)values[i] * values[i];
        return [.. squares.Select(s => (float)Math.Sqrt(s))];
    }

    /// <summary>The consumer's bias as the layer adds it: an initializer with one value per output, and its scale.</summary>
    internal sealed record Bias(string Name, double Scale);

    /// <summary>
    /// Gemm's C (scaled by beta/alpha, as the weight part is alpha·XWᵀ) or the initializer of a bias Add right after the
    /// consumer, when it holds one FLOAT per output and nothing else reads it; null otherwise (the solve then has no intercept).
    /// </summary>
    internal static Bias? ConsumerBias(OnnxModel model, PrunableWeight consumer, int outputs)
    {
        var node = model.Graph.Node[consumer.NodeIndex];
        string? name = null;
        double scale = 1;
        if (consumer.Role == PrunableWeightRole.GemmWeight)
        {
            if (node.Input.Count > 2 && node.Input[2].Length > 0) name = node.Input[2];
            double alpha = node.Attribute.FirstOrDefault(a => a.Name == "alpha")?.F ?? 1f;
            double beta = node.Attribute.FirstOrDefault(a => a.Name == "beta")?.F ?? 1f;
            if (alpha == 0 || beta == 0) return null;
            scale = beta / alpha;
        }
        else if (!model.IsGraphOutput(node.Output[0]) && model.FindConsumers(node.Output[0]) is [{ OpType: "Add" } add] && add.Input.Count == 2)
        {
            name = add.Input[0] == node.Output[0] ? add.Input[1] : add.Input[0];
        }
        if (name is null || !model.TryGetInitializer(name, out var tensor) || tensor.DataType != (int)TensorProto.Types.DataType.Float) return null;
        long count = 1;
        foreach (long d in tensor.Dims) count *= d;
        if (count != outputs || model.FindConsumers(name).Count != 1) return null;
        return new Bias(name, scale);
    }

    /// <summary>b̂ = b + (W − Ŵ)·s/r (scaled to the bias's own units): the mean of the output the new weights no longer carry.</summary>
    internal static void UpdateBias(OnnxModel model, Bias bias, float[] weights, float[] pruned, int outputs, int inputs, GramMatrix gram)
    {
        var tensor = model.GetInitializer(bias.Name);
        var b = OnnxTensor.ToFloatArray(tensor);
        int rows = gram.CalibrationRows!.Value;
        var sums = gram.ColumnSums!;
        for (int k = 0; k < outputs; k++)
        {
            double shift = 0;
            for (int j = 0; j < inputs; j++) shift += ((double)weights[(k * inputs) + j] - pruned[(k * inputs) + j]) * sums[j] / rows;
            b[k] = (float)(b[k] + (shift / bias.Scale));
        }
        OnnxTensor.SetFloats(tensor, b);
    }

    /// <summary>
    /// ‖X(W − Ŵ)ᵀ + 1(b − b̂)ᵀ‖ / ‖XWᵀ‖: the layer's output error with the refit bias (from the centred G), relative to the
    /// weight part of its output (from G), as the unstructured rows report it.
    /// </summary>
    internal static double RelativeOutputError(GramMatrix centred, GramMatrix gram, float[] weights, float[] pruned, int outputs)
    {
        int n = gram.Size;
        double residual = 0, output = 0;
        var d = new double[n];
        var w = new double[n];
        for (int k = 0; k < outputs; k++)
        {
            for (int j = 0; j < n; j++)
            {
                w[j] = weights[(k * n) + j];
                d[j] = w[j] - pruned[(k * n) + j];
            }
            residual += Math.Max(centred.QuadraticForm(d), 0);
            output += Math.Max(gram.QuadraticForm(w), 0);
        }
        return output > 0 ? Math.Sqrt(residual / output) : 0;
    }

    /// <summary>Zeroes the producer's weights and per-neuron biases of the removed neurons.</summary>
    private static void RemoveNeurons(OnnxModel model, PrunableWeight producer, IReadOnlyList<string> biases, bool[] kept)
    {
        var tensor = model.GetInitializer(producer.Name);
        var values = OnnxTensor.ToFloatArray(tensor);
        for (int i = 0; i < values.Length; i++)
            if (!kept[UnitOf(producer, i)]) values[i] = 0;
        OnnxTensor.SetFloats(tensor, values);
        foreach (string name in biases)
        {
            var bias = model.GetInitializer(name);
            if (bias.DataType != (int)TensorProto.Types.DataType.Float) continue;
            var b = OnnxTensor.ToFloatArray(bias);
            // Only a bias with one value per neuron ([units] or [1, units]) can lose single entries; any other broadcast
            // reaches the removed neurons only through the consumer's columns, which are zero.
            if (b.Length != kept.Length) continue;
            for (int u = 0; u < b.Length; u++)
                if (!kept[u]) b[u] = 0;
            OnnxTensor.SetFloats(bias, b);
        }
    }

    /// <summary>The output unit of a producer's flattened weight index.</summary>
    private static int UnitOf(PrunableWeight weight, int index)
    {
        int units = (int)weight.OutputUnits;
        return weight.OutputAxis == 0 ? (int)(index / (weight.ParameterCount / units)) : index % units;
    }

    /// <summary>The input feature of a consumer's flattened weight index.</summary>
    private static int InputOf(PrunableWeight weight, int index, int inputs) =>
        weight.OutputAxis == 0 ? index % inputs : index / (int)weight.OutputUnits;
}
