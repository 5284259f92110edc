using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Solvers;
using Microsoft.ML.Pruning.Structured;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// Least-squares refit of the next layer after structured selection (<see cref="StructuredOptions.RefitConsumers"/>): for each
/// group whose channels are exactly the inputs of one Gemm/MatMul weight (one input per neuron, a block per attention head), that consumer's kept columns are refit so it reproduces, on the
/// calibration rows, the output it computed before the removed channels went: Ŵ_S = argmin ‖X Wᵀ − X_S Ŵ_Sᵀ‖ (one Cholesky
/// of G_SS for all rows, <see cref="SupportRefit.RefitSharedSupport"/>), with a free intercept when the consumer has a bias
/// (centred G; the bias takes the mean of what the removed channels carried). Groups are refit one after another in graph
/// order, each calibrated on the model with the earlier groups already pruned and refit, so later layers see what earlier
/// removals changed. The removed columns are zeroed by the group masks afterwards.
/// </summary>
internal static class ConsumerRefitStage
{
    /// <summary>Refits the consumers of <paramref name="groups"/> in <paramref name="model"/>, in place; one report row per consumer refit.</summary>
    public static IReadOnlyList<LayerReconstruction> Run(MLContextServices services, OnnxModel model, IReadOnlyList<ChannelGroup> groups,
        IReadOnlyDictionary<string, bool[]> keep, ModelInputBatches batches, IDataView data, int rows)
    {
        var weights = model.GetPrunableWeights().ToDictionary(w => w.Name, StringComparer.Ordinal);
        string? mask = model.Graph.Input.Any(i => i.Name == "attention_mask") ? "attention_mask" : null;
        var report = new List<LayerReconstruction>();
        foreach (var group in groups)
        {
            if (!keep.TryGetValue(group.Id, out var kept) || kept.All(k => k)) continue;
            if (Consumer(group, weights) is not { } consumer)
            {
                services.Info($"Group '{group.Id}': no single Gemm/MatMul reads all its channels one to one; its consumers are not refit.");
                continue;
            }
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var calibration = CalibrationStage.Run(model, [consumer], CriterionNeeds.None, batches, data, rows, gram: true, paddingMaskInput: mask);
            if (calibration.Grams?.GetValueOrDefault(consumer.Name) is not { } gram) continue;
            long block = group.Slices.First(s => s.Role == ChannelRole.Consumer).Block; // a head is a block of the consumer's inputs
            int n = checked((int)(group.Width * block));
            int outputs = (int)consumer.OutputUnits;
            var stored = OnnxTensor.ToFloatArray(model.GetInitializer(consumer.Name));
            bool transposed = consumer.OutputAxis == 1; // MatMul and Gemm (transB = 0) store [in, out]
            float[] w = transposed ? ReconstructionStage.Transpose(stored, n, outputs) : stored;
            var bias = StructuredReconstructionStage.ConsumerBias(model, consumer, outputs);
            GramMatrix problem = bias is not null && gram.ColumnSums is not null ? gram.Centered() : gram;
            var rightHandSides = new double[(long)n * outputs]; // C = G·Wᵀ, n × outputs
            var row = new double[n];
            var product = new double[n];
            for (int k = 0; k < outputs; k++)
            {
                for (int j = 0; j < n; j++) row[j] = w[(k * n) + j];
                problem.Multiply(row, product);
                for (int j = 0; j < n; j++) rightHandSides[((long)j * outputs) + k] = product[j];
            }
            int[] support = [.. Enumerable.Range(0, n).Where(j => kept[j / block])];
            var refit = new double[(long)n * outputs];
            double damping = SupportRefit.RefitSharedSupport(problem, rightHandSides, outputs, w, support, refit);
            var result = Array.ConvertAll(refit, v => (float)v);
            var notes = new List<string> { $"least-squares refit of '{consumer.Name}' on the {kept.Count(k => k)} kept of {group.Width} units of group '{group.Id}'" };
            double error;
            if (!ReferenceEquals(problem, gram))
            {
                StructuredReconstructionStage.UpdateBias(model, bias!, w, result, outputs, n, gram);
                error = StructuredReconstructionStage.RelativeOutputError(problem, gram, w, result, outputs);
                notes.Add("with its bias (free intercept)");
            }
            else error = StructuredReconstructionStage.RelativeOutputError(gram, gram, w, result, outputs);
            if (damping > 0) notes.Add($"G_SS needed damping {damping:G3}");
            OnnxTensor.SetFloats(model.GetInitializer(consumer.Name), transposed ? ReconstructionStage.Transpose(result, outputs, n) : result);
            GroupMasks.Apply(model, GroupMasks.Build(model, [group], keep)); // the next groups calibrate on the model without these channels
            watch.Stop();
            report.Add(new LayerReconstruction(consumer.Name, null, error, null, 0, watch.Elapsed, gram.CalibrationRows ?? 0, damping, string.Join(", ", notes) + "."));
            services.Info($"Group '{group.Id}': '{consumer.Name}' refit on {kept.Count(k => k)} of {group.Width} units, relative output error {error:G4}.");
        }
        return report;
    }

    /// <summary>The one Gemm/MatMul weight whose inputs are exactly the group's channels (a block of inputs each, for heads), or null.</summary>
    private static PrunableWeight? Consumer(ChannelGroup group, IReadOnlyDictionary<string, PrunableWeight> weights)
    {
        var consumers = group.Slices.Where(s => s.Role == ChannelRole.Consumer).ToList();
        if (consumers is not [{ Offset: 0, First: 0 } slice] || slice.Count != group.Width) return null;
        if (!weights.TryGetValue(slice.Tensor, out var consumer) || consumer.Role == PrunableWeightRole.ConvWeight) return null;
        return consumer.ParameterCount / consumer.OutputUnits == group.Width * slice.Block ? consumer : null;
    }
}
